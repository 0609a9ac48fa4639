"""SPEC §11: replay a scenario through the same services, with a simulated clock.

`scenario_validate` rejects a malformed scenario before anything runs; `scenario_run` replays a
valid one against the current (fresh, empty) database and returns the output document.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

from core.calendar import calendar_cache_clear, calendar_overrides_changed, local
from core.errors import Refusal
from core.models import CalendarOverride
from core.moments import parse_date as _iso_date
from core.moments import parse_moment as _iso_moment
from notifications.services import deliveries_suspended
from placements.application_actions import application_withdraw, benefit_confirm, benefit_reject
from placements.claims import seat_claim
from placements.directions import direction_cancel, direction_enroll, direction_extend
from placements.models import Bulletin, Group, Kindergarten, Seat
from placements.seats import seat_release, seat_withdraw
from placements.selectors import effective_state
from queues import services as queues
from queues.models import QUEUE_KIND_ORDER, Application, Benefit, Locality, QueueKind
from queues.selectors import application_positions
from replay.clock import ReplayClock

BENEFITS = set(Benefit.values)
KINDS = set(QueueKind.values)
LANGUAGES = {"kk", "ru", "both"}


class ScenarioError(ValueError):
    """A malformed scenario (the command exits 2 with this message)."""


# --- validation ----------------------------------------------------------------------------------
# SPEC §11: a malformed scenario exits 2 with one line naming the event (or the field). Every field of
# every object is checked by type before it is used, so no ill-typed value reaches a service.

_STR, _INT, _BOOL, _LIST, _DATE, _MOMENT, _OBJECT = "string", "integer", "boolean", "list", "date", "date-time", "object"

# (kind, required) for each field of the objects outside the events.
CALENDAR_FIELDS: dict[str, tuple[str, bool]] = {"days_off": (_LIST, False), "working_days": (_LIST, False)}
LOCALITY_FIELDS: dict[str, tuple[str, bool]] = {"code": (_STR, True), "name": (_STR, False), "name_kk": (_STR, False)}
KINDERGARTEN_FIELDS: dict[str, tuple[str, bool]] = {
    "code": (_STR, True),
    "name": (_STR, False),
    "name_kk": (_STR, False),
    "locality": (_STR, True),
    "groups": (_LIST, False),
}
GROUP_FIELDS: dict[str, tuple[str, bool]] = {
    "code": (_STR, True),
    "name": (_STR, False),
    "name_kk": (_STR, False),
    "age_from": (_INT, True),
    "age_to": (_INT, True),
    "language": (_STR, False),
    "kind": (_STR, False),
}
SCENARIO_FIELDS: dict[str, tuple[str, bool]] = {
    "start": (_MOMENT, True),
    "until": (_MOMENT, True),
    "calendar": (_OBJECT, False),
    "localities": (_LIST, True),
    "kindergartens": (_LIST, False),
    "events": (_LIST, True),
}

EVENT_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    # type: {field: (kind, required)}; every event also has `at` and `type`
    "apply": {
        "ref": (_STR, True),
        "child_iin": (_STR, True),
        "locality": (_STR, True),
        "benefit": (_STR, False),
        "queues": (_LIST, False),
        "sen_pmpk": (_BOOL, False),
        "birth_date": (_DATE, False),
    },
    "confirm_benefit": {"application": (_STR, True)},
    "reject_benefit": {"application": (_STR, True)},
    "release": {"ref": (_STR, True), "group": (_STR, True), "birth_year": (_INT, True), "count": (_INT, True)},
    "withdraw_seat": {"seat": (_STR, True)},
    "claim": {"application": (_STR, True), "group": (_STR, True)},
    "extend": {"application": (_STR, True)},
    "enroll": {"application": (_STR, True)},
    "cancel_direction": {"application": (_STR, True)},
    "withdraw_application": {"application": (_STR, True)},
}
EVENT_COMMON_FIELDS = {"at": (_MOMENT, True), "type": (_STR, True)}

# Integers outside these bounds are refused before they reach a PositiveSmallIntegerField.
AGE_MAX = 100
YEAR_MIN, YEAR_MAX = 1, 9999
COUNT_MAX = 32767


def _shown(value: Any) -> str:
    """A value for a one-line message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_moment(value: Any, where: str) -> dt.datetime:
    """ISO 8601; a time without an offset is Astana time (core.moments)."""
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected an ISO 8601 date-time string")
    try:
        return _iso_moment(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: not an ISO 8601 date-time: {_shown(value)}") from exc


def _parse_date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a date string YYYY-MM-DD")
    try:
        return _iso_date(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: not a date YYYY-MM-DD: {_shown(value)}") from exc


def _check_type(value: Any, kind: str, where: str) -> None:
    ok = {
        _STR: isinstance(value, str),
        _INT: isinstance(value, int) and not isinstance(value, bool),
        _BOOL: isinstance(value, bool),
        _LIST: isinstance(value, list),
        _DATE: isinstance(value, str),
        _MOMENT: isinstance(value, str),
        _OBJECT: isinstance(value, dict),
    }[kind]
    if not ok:
        raise ScenarioError(f"{where}: expected a{'n' if kind[0] in 'aeio' else ''} {kind}, got {_shown(value)}")
    if kind == _DATE:
        _parse_date(value, where)
    elif kind == _MOMENT:
        parse_moment(value, where)


def _check_object(value: Any, fields: dict[str, tuple[str, bool]], where: str) -> dict:
    """`value` is an object whose every field has its kind, with every required field and no other."""
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: expected an object, got {_shown(value)}")
    for key in value:
        if key not in fields:
            raise ScenarioError(f"{where}: unknown field {_shown(key)}")
    for field, (kind, required) in fields.items():
        if field not in value:
            if required:
                raise ScenarioError(f"{where}: missing field '{field}'")
            continue
        _check_type(value[field], kind, f"{where}: '{field}'")
    return value


def _check_int_range(value: int, low: int, high: int, where: str) -> None:
    if not low <= value <= high:
        raise ScenarioError(f"{where}: must be from {low} to {high}, got {value}")


def _check_choice(value: Any, choices: set[str], what: str, where: str) -> None:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a string, got {_shown(value)}")
    if value not in choices:
        raise ScenarioError(f"{where}: unknown {what} {_shown(value)}")


def _check_world(doc: dict) -> None:
    """The calendar, the localities, the kindergartens and their groups."""
    calendar = _check_object(doc.get("calendar", {}), CALENDAR_FIELDS, "'calendar'")
    for key in CALENDAR_FIELDS:
        for i, value in enumerate(calendar.get(key, [])):
            _parse_date(value, f"'calendar.{key}[{i}]'")
    locality_codes: set[str] = set()
    for i, loc in enumerate(doc["localities"]):
        _check_object(loc, LOCALITY_FIELDS, f"localities[{i}]")
        if loc["code"] in locality_codes:
            raise ScenarioError(f"localities[{i}]: duplicate locality code {_shown(loc['code'])}")
        locality_codes.add(loc["code"])
    group_codes: set[str] = set()
    kg_codes: set[str] = set()
    for i, kg in enumerate(doc.get("kindergartens", [])):
        where = f"kindergartens[{i}]"
        _check_object(kg, KINDERGARTEN_FIELDS, where)
        if kg["code"] in kg_codes:
            raise ScenarioError(f"{where}: duplicate kindergarten code {_shown(kg['code'])}")
        kg_codes.add(kg["code"])
        if kg["locality"] not in locality_codes:
            raise ScenarioError(f"{where}: unknown locality {_shown(kg['locality'])}")
        for j, group in enumerate(kg.get("groups", [])):
            gwhere = f"{where}.groups[{j}]"
            _check_object(group, GROUP_FIELDS, gwhere)
            if group["code"] in group_codes:
                raise ScenarioError(f"{gwhere}: duplicate group code {_shown(group['code'])}")
            group_codes.add(group["code"])
            for key in ("age_from", "age_to"):
                _check_int_range(group[key], 0, AGE_MAX, f"{gwhere}.{key}")
            if not group["age_from"] < group["age_to"]:
                raise ScenarioError(f"{gwhere}: age_from must be less than age_to")
            _check_choice(group.get("language", "ru"), LANGUAGES, "language", f"{gwhere}.language")
            _check_choice(group.get("kind", QueueKind.GENERAL), KINDS, "group kind", f"{gwhere}.kind")


def _check_event(event: Any, where: str) -> tuple[str, dict]:
    if not isinstance(event, dict):
        raise ScenarioError(f"{where}: expected an object, got {_shown(event)}")
    etype = event.get("type")
    if not isinstance(etype, str):
        raise ScenarioError(f"{where}: 'type': expected a string, got {_shown(etype)}")
    if etype not in EVENT_FIELDS:
        raise ScenarioError(f"{where}: unknown event type {_shown(etype)}")
    _check_object(event, {**EVENT_COMMON_FIELDS, **EVENT_FIELDS[etype]}, where)
    if etype == "apply":
        _check_choice(event.get("benefit", Benefit.NONE), BENEFITS, "benefit", f"{where}: 'benefit'")
        for k, kind in enumerate(event.get("queues", [QueueKind.GENERAL])):
            _check_choice(kind, KINDS, "queue kind", f"{where}: 'queues[{k}]'")
    if etype == "release":
        _check_int_range(event["birth_year"], YEAR_MIN, YEAR_MAX, f"{where}: 'birth_year'")
        _check_int_range(event["count"], 1, COUNT_MAX, f"{where}: 'count'")
    return etype, event


def scenario_validate(doc: Any) -> dict:
    """Check the whole scenario; raise ScenarioError (one line) naming the field or the event index."""
    _check_object(doc, SCENARIO_FIELDS, "the scenario")
    start = parse_moment(doc["start"], "'start'")
    until = parse_moment(doc["until"], "'until'")
    if until < start:
        raise ScenarioError("'until' is before 'start'")
    _check_world(doc)
    refs: set[str] = set()
    previous = start
    for i, event in enumerate(doc["events"]):
        where = f"event {i}"
        etype, event = _check_event(event, where)
        at = parse_moment(event["at"], f"{where}: 'at'")
        if at < start:
            raise ScenarioError(f"{where}: 'at' is before 'start'")
        if at > until:
            raise ScenarioError(f"{where}: 'at' is after 'until'")
        if at < previous:
            raise ScenarioError(f"{where}: events out of order ('at' before the previous event)")
        previous = at
        if "ref" in EVENT_FIELDS[etype]:
            if event["ref"] in refs:
                raise ScenarioError(f"{where}: ref {_shown(event['ref'])} used twice")
            refs.add(event["ref"])
    return doc


# --- replay --------------------------------------------------------------------------------------


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else local(t).isoformat(timespec="seconds")


class _Replay:
    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.start = parse_moment(doc["start"], "start")
        self.until = parse_moment(doc["until"], "until")
        self.applications: dict[str, Application] = {}
        self.groups: dict[str, Group] = {}
        self.seat_names: dict[int, str] = {}
        self.seats: dict[str, int] = {}
        self.clock = ReplayClock(self.start)  # scheduled work between the events (replay/clock.py)

    # setup
    def load_world(self) -> None:
        calendar = self.doc.get("calendar", {})
        CalendarOverride.objects.bulk_create(
            [CalendarOverride(date=dt.date.fromisoformat(d), kind="day_off", decree="scenario") for d in calendar.get("days_off", [])]
            + [CalendarOverride(date=dt.date.fromisoformat(d), kind="working_day", decree="scenario") for d in calendar.get("working_days", [])],
            ignore_conflicts=True,
        )
        calendar_overrides_changed()  # bulk_create sends no signal (core.calendar.calendar_cached)
        localities = {}
        for loc in self.doc["localities"]:
            localities[loc["code"]] = Locality.objects.create(code=loc["code"], name=loc.get("name") or loc["code"], name_kk=loc.get("name_kk") or "")
        for kg in self.doc.get("kindergartens", []):
            kindergarten = Kindergarten.objects.create(
                code=kg["code"], name=kg.get("name") or kg["code"], name_kk=kg.get("name_kk") or "", locality=localities[kg["locality"]]
            )
            for group in kg.get("groups", []):
                self.groups[group["code"]] = Group.objects.create(
                    code=group["code"],
                    kindergarten=kindergarten,
                    name=group.get("name", ""),
                    name_kk=group.get("name_kk") or "",
                    age_from=group["age_from"],
                    age_to=group["age_to"],
                    language=group.get("language", "ru"),
                    kind=group.get("kind", "general"),
                )

    # events
    def _application(self, event: dict) -> Application:
        application = self.applications.get(event["application"])
        if application is None:
            raise Refusal("unknown_application")
        return application

    def _group(self, event: dict) -> Group:
        group = self.groups.get(event["group"])
        if group is None:
            raise Refusal("unknown_group")
        return group

    def do(self, event: dict, at: dt.datetime) -> None:
        etype = event["type"]
        if etype == "apply":
            application = queues.application_file(
                child_iin=event["child_iin"],
                locality_code=event["locality"],
                benefit=event.get("benefit", "none"),
                queues=event.get("queues", ["general"]),
                sen_pmpk=event.get("sen_pmpk", False),
                birth_date=dt.date.fromisoformat(event["birth_date"]) if "birth_date" in event else None,
                now=at,
            )
            self.applications[event["ref"]] = application
        elif etype in ("confirm_benefit", "reject_benefit"):
            service = benefit_confirm if etype == "confirm_benefit" else benefit_reject
            service(application=self._application(event), now=at)
        elif etype == "release":
            seats = seat_release(group=self._group(event), birth_year=event["birth_year"], count=event["count"], now=at)
            for n, seat in enumerate(seats, start=1):
                name = f"{event['ref']}.{n}"
                self.seat_names[seat.pk] = name
                self.seats[name] = seat.pk
        elif etype == "withdraw_seat":
            seat_id = self.seats.get(event["seat"])
            if seat_id is None:
                raise Refusal("unknown_seat")
            seat_withdraw(seat=Seat.objects.get(pk=seat_id), now=at)
        elif etype == "claim":
            application = self._application(event)
            seat_claim(application=application, group=self._group(event), now=at)
        elif etype == "extend":
            direction_extend(application=self._application(event), now=at)
        elif etype == "enroll":
            direction_enroll(application=self._application(event), now=at)
        elif etype == "cancel_direction":
            direction_cancel(application=self._application(event), now=at)
        elif etype == "withdraw_application":
            application_withdraw(application=self._application(event), now=at)

    def run(self) -> dict:
        self.load_world()
        results = []
        for index, event in enumerate(self.doc["events"]):
            at = parse_moment(event["at"], f"event {index}")
            self.clock.advance(at)
            result: dict[str, Any] = {"index": index, "type": event["type"], "ok": True}
            try:
                self.do(event, at)
            except Refusal as refusal:
                result["ok"] = False
                result["error"] = refusal.code
            results.append(result)
        self.clock.advance(self.until)
        return {"events": results, **self.report()}

    # output (SPEC §11)
    def report(self) -> dict:
        group_codes = {g.pk: code for code, g in self.groups.items()}
        applications = {}
        for ref, app in self.applications.items():
            app.refresh_from_db()
            positions = application_positions(app)
            applications[ref] = {
                "number": app.number,
                "status": app.status,
                "benefit": app.benefit,
                "benefit_status": app.benefit_status,
                "archive_reason": app.archive_reason,
                "strikes": app.strikes,
                "positions": {kind: positions[kind].position for kind in QUEUE_KIND_ORDER if kind in positions},
                "grants": [{"queue": g.kind, "from": _iso(g.from_at), "until": _iso(g.until_at)} for g in app.grants.order_by("id")],
                "directions": [
                    {
                        "number": d.number,
                        "seat": self.seat_names.get(d.seat_id),
                        "group": group_codes.get(d.seat.group_id),
                        "status": d.status,
                        "issued_at": _iso(d.issued_at),
                        "valid_until": _iso(d.valid_until),
                        "extended": d.extended,
                    }
                    for d in app.directions.select_related("seat").order_by("issued_at", "id")
                ],
            }
        seats = {}
        for seat in Seat.objects.order_by("id"):
            seats[self.seat_names[seat.pk]] = {
                "group": group_codes[seat.group_id],
                "birth_year": seat.birth_year,
                "state": effective_state(seat, self.until),
                "published_at": _iso(seat.published_at),
                "open_at": _iso(seat.open_at),
                "priority_until": _iso(seat.priority_until),
            }
        bulletins = [
            {
                "published_at": _iso(b.published_at),
                "seats": [self.seat_names[p.seat_id] for p in b.publications.order_by("seat_id")],
            }
            for b in Bulletin.objects.order_by("published_at")
        ]
        return {"applications": applications, "seats": seats, "bulletins": bulletins}


def scenario_run(doc: dict) -> dict:
    """Replay a validated scenario on the current database (which must be empty)."""
    scenario_validate(doc)
    with deliveries_suspended():
        return _Replay(doc).run()


# --- a throw-away database (issue 13, item 5) ------------------------------------------------------
# Never the user's data: `simulate` replays in a private in-memory SQLite database, inside the calling
# process (the engine behaves the same on PostgreSQL — the scenario tests run on both). The default
# alias points at it for the block and at the caller's database again after, so `call_command`
# returns normally in a test process or a shell on PostgreSQL. The migrated empty schema is made once
# per process and copied (SQLite's backup API) into each new database: a migration costs seconds.

_template: sqlite3.Connection | None = None


def _caches_clear() -> None:
    """Process caches that hold rows of one database (content type ids, the calendar's overrides)."""
    ContentType.objects.clear_cache()
    calendar_cache_clear()


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    """The default database is a fresh, migrated, empty in-memory SQLite database inside the block."""
    global _template
    settings_dict = connections.configure_settings(
        {DEFAULT_DB_ALIAS: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "OPTIONS": {"transaction_mode": "IMMEDIATE"}}}
    )[DEFAULT_DB_ALIAS]
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
    caller = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = wrapper
    try:
        _caches_clear()
        wrapper.ensure_connection()
        if _template is None:
            call_command("migrate", database=DEFAULT_DB_ALIAS, run_syncdb=True, interactive=False, verbosity=0)
            template = sqlite3.connect(":memory:", check_same_thread=False)
            wrapper.connection.backup(template)
            _template = template
        else:
            _template.backup(wrapper.connection)
            _caches_clear()
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = caller
        if wrapper.connection is not None:
            wrapper.connection.close()  # the wrapper's close() keeps an in-memory database open
        _caches_clear()
