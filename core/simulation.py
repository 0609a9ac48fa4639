"""SPEC §11: replay a scenario through the same services, with a simulated clock.

`scenario_validate` rejects a malformed scenario before anything runs; `scenario_run` replays a
valid one against the current (fresh, empty) database and returns the output document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.calendar import ASTANA, calendar_overrides_changed, local
from core.errors import Refusal
from core.models import CalendarOverride
from notifications.services import deliveries_suspended
from placements import services as placements
from placements.models import Bulletin, Direction, Group, Kindergarten, Seat
from queues import services as queues
from queues.models import QUEUE_KIND_ORDER, Application, Benefit, Locality, QueueKind
from queues.selectors import application_positions

BENEFITS = set(Benefit.values)
KINDS = set(QueueKind.values)
LANGUAGES = {"kk", "ru", "both"}


class ScenarioError(ValueError):
    """A malformed scenario (the command exits 2 with this message)."""


# --- validation ----------------------------------------------------------------------------------

_STR, _INT, _BOOL, _LIST, _DATE = "string", "integer", "boolean", "list", "date"

EVENT_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    # type: {field: (kind, required)}
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


def parse_moment(value: Any, where: str) -> dt.datetime:
    """ISO 8601; a time without an offset is Astana time."""
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected an ISO 8601 date-time string")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: not an ISO 8601 date-time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ASTANA)


def _parse_date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a date string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: not a date YYYY-MM-DD: {value!r}") from exc


def _check_type(value: Any, kind: str, where: str) -> None:
    ok = {
        _STR: isinstance(value, str),
        _INT: isinstance(value, int) and not isinstance(value, bool),
        _BOOL: isinstance(value, bool),
        _LIST: isinstance(value, list),
        _DATE: isinstance(value, str),
    }[kind]
    if not ok:
        raise ScenarioError(f"{where}: expected a {kind}")
    if kind == _DATE:
        _parse_date(value, where)


def _require_list(doc: dict, key: str, required: bool = True) -> list:
    value = doc.get(key, None if required else [])
    if not isinstance(value, list):
        raise ScenarioError(f"'{key}': expected a list")
    return value


def scenario_validate(doc: Any) -> dict:
    """Check the whole scenario; raise ScenarioError naming the field or the event index."""
    if not isinstance(doc, dict):
        raise ScenarioError("the scenario must be a JSON object")
    start = parse_moment(doc.get("start"), "'start'")
    until = parse_moment(doc.get("until"), "'until'")
    if until < start:
        raise ScenarioError("'until' is before 'start'")
    calendar = doc.get("calendar", {})
    if not isinstance(calendar, dict):
        raise ScenarioError("'calendar': expected an object")
    for key in ("days_off", "working_days"):
        for i, value in enumerate(_require_list(calendar, key, required=False)):
            _parse_date(value, f"'calendar.{key}[{i}]'")
    locality_codes = set()
    for i, loc in enumerate(_require_list(doc, "localities")):
        if not isinstance(loc, dict) or not isinstance(loc.get("code"), str) or not isinstance(loc.get("name", ""), str):
            raise ScenarioError(f"localities[{i}]: expected an object with a string 'code' and 'name'")
        if loc["code"] in locality_codes:
            raise ScenarioError(f"localities[{i}]: duplicate locality code {loc['code']!r}")
        locality_codes.add(loc["code"])
    group_codes, kg_codes = set(), set()
    for i, kg in enumerate(_require_list(doc, "kindergartens", required=False)):
        where = f"kindergartens[{i}]"
        if not isinstance(kg, dict) or not isinstance(kg.get("code"), str) or not isinstance(kg.get("name", ""), str):
            raise ScenarioError(f"{where}: expected an object with a string 'code' and 'name'")
        if kg["code"] in kg_codes:
            raise ScenarioError(f"{where}: duplicate kindergarten code {kg['code']!r}")
        kg_codes.add(kg["code"])
        if kg.get("locality") not in locality_codes:
            raise ScenarioError(f"{where}: unknown locality {kg.get('locality')!r}")
        for j, group in enumerate(_require_list(kg, "groups", required=False)):
            gwhere = f"{where}.groups[{j}]"
            if not isinstance(group, dict) or not isinstance(group.get("code"), str):
                raise ScenarioError(f"{gwhere}: expected an object with a string 'code'")
            if group["code"] in group_codes:
                raise ScenarioError(f"{gwhere}: duplicate group code {group['code']!r}")
            group_codes.add(group["code"])
            for key in ("age_from", "age_to"):
                _check_type(group.get(key), _INT, f"{gwhere}.{key}")
            if not group["age_from"] < group["age_to"]:
                raise ScenarioError(f"{gwhere}: age_from must be less than age_to")
            if group.get("language", "ru") not in LANGUAGES:
                raise ScenarioError(f"{gwhere}: unknown language {group.get('language')!r}")
            if group.get("kind", "general") not in KINDS:
                raise ScenarioError(f"{gwhere}: unknown group kind {group.get('kind')!r}")
    refs: set[str] = set()
    previous = start
    for i, event in enumerate(_require_list(doc, "events")):
        where = f"event {i}"
        if not isinstance(event, dict):
            raise ScenarioError(f"{where}: expected an object")
        etype = event.get("type")
        if etype not in EVENT_FIELDS:
            raise ScenarioError(f"{where}: unknown event type {etype!r}")
        at = parse_moment(event.get("at"), f"{where}: 'at'")
        if at < start:
            raise ScenarioError(f"{where}: 'at' is before 'start'")
        if at > until:
            raise ScenarioError(f"{where}: 'at' is after 'until'")
        if at < previous:
            raise ScenarioError(f"{where}: events out of order ('at' before the previous event)")
        previous = at
        for field, (kind, required) in EVENT_FIELDS[etype].items():
            if field not in event:
                if required:
                    raise ScenarioError(f"{where}: missing field '{field}'")
                continue
            _check_type(event[field], kind, f"{where}: '{field}'")
        if etype == "apply":
            if event.get("benefit", "none") not in BENEFITS:
                raise ScenarioError(f"{where}: unknown benefit {event.get('benefit')!r}")
            for kind in event.get("queues", ["general"]):
                if kind not in KINDS:
                    raise ScenarioError(f"{where}: unknown queue kind {kind!r}")
        if etype == "release" and event["count"] < 1:
            raise ScenarioError(f"{where}: 'count' must be at least 1")
        if "ref" in EVENT_FIELDS[etype]:
            if event["ref"] in refs:
                raise ScenarioError(f"{where}: ref {event['ref']!r} used twice")
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
        self.done_upto = self.start - dt.timedelta(microseconds=1)

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

    # scheduled work (SPEC §11): over-age at 00:00 1 June, expiry at valid_until, bulletin at 18:00
    def _next_june_first(self, after: dt.datetime) -> dt.datetime:
        lt = local(after)
        candidate = dt.datetime(lt.year, 6, 1, tzinfo=ASTANA)
        return candidate if candidate > after else dt.datetime(lt.year + 1, 6, 1, tzinfo=ASTANA)

    def _next_six_pm(self, after: dt.datetime) -> dt.datetime:
        lt = local(after)
        candidate = dt.datetime.combine(lt.date(), dt.time(18, 0), tzinfo=ASTANA)
        return candidate if candidate > after else candidate + dt.timedelta(days=1)

    def _next_expiry(self) -> dt.datetime | None:
        direction = Direction.objects.filter(status__in=Direction.ACTIVE_STATUSES).order_by("valid_until").first()
        return direction.valid_until if direction else None

    def run_scheduled(self, upto: dt.datetime) -> None:
        """Every scheduled moment in (done_upto, upto], in time order; same moment: archival,
        expiry, bulletin."""
        while True:
            after = self.done_upto
            june = self._next_june_first(after)
            six = self._next_six_pm(after)
            expiry = self._next_expiry()
            if expiry is not None and expiry <= after:
                expiry = after + dt.timedelta(microseconds=1)  # overdue: run it now
            moment = min(m for m in (june, six, expiry) if m is not None)
            if moment > upto:
                break
            if moment == june:
                queues.applications_archive_over_age(now=moment)
            if expiry is not None and expiry <= moment:
                placements.directions_expire(now=moment)
            if moment == six:
                placements.bulletin_publish(now=moment)
            self.done_upto = moment
        self.done_upto = max(self.done_upto, upto)

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
            service = queues.benefit_confirm if etype == "confirm_benefit" else queues.benefit_reject
            service(application=self._application(event), now=at)
        elif etype == "release":
            seats = placements.seat_release(group=self._group(event), birth_year=event["birth_year"], count=event["count"], now=at)
            for n, seat in enumerate(seats, start=1):
                name = f"{event['ref']}.{n}"
                self.seat_names[seat.pk] = name
                self.seats[name] = seat.pk
        elif etype == "withdraw_seat":
            seat_id = self.seats.get(event["seat"])
            if seat_id is None:
                raise Refusal("unknown_seat")
            placements.seat_withdraw(seat=Seat.objects.get(pk=seat_id), now=at)
        elif etype == "claim":
            application = self._application(event)
            placements.seat_claim(application=application, group=self._group(event), now=at)
        elif etype == "extend":
            placements.direction_extend(application=self._application(event), now=at)
        elif etype == "enroll":
            placements.direction_enroll(application=self._application(event), now=at)
        elif etype == "cancel_direction":
            placements.direction_cancel(application=self._application(event), now=at)
        elif etype == "withdraw_application":
            queues.application_withdraw(application=self._application(event), now=at)

    def run(self) -> dict:
        self.load_world()
        results = []
        for index, event in enumerate(self.doc["events"]):
            at = parse_moment(event["at"], f"event {index}")
            self.run_scheduled(at)
            result: dict[str, Any] = {"index": index, "type": event["type"], "ok": True}
            try:
                self.do(event, at)
            except Refusal as refusal:
                result["ok"] = False
                result["error"] = refusal.code
            results.append(result)
        self.run_scheduled(self.until)
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
                "state": placements.effective_state(seat, self.until),
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
