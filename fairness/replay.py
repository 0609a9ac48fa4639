"""The fairness audit (issue 12, item 3): replay a period from the recorded history through the
rules of SPEC §4–§7 and name every step the rules did not allow.

The history is what the tables and the audit trail recorded: applications (`filed_at`, the
terminal `status_changed_at`), directions (`issued_at`, `ended_at`), grants (`from_at`,
`until_at`, `ended_at`), seats (`created_at`, `withdrawn_at`), bulletins and their publications,
and `benefit.reject` records of the audit trail (the moment a class changed to none). From them the
replay knows, for any moment `t`, who stood `queued` in which class, who held an open grant and
which seats were published, without re-running the services: at each bulletin and each direction it
asks the same rule functions the services use (`placements.bulletin.first_without_grant`, the
§4 interleave) what was allowed, and compares with what was recorded.

Moments that coincide follow `simulate`'s order (SPEC §11): scheduled work (expiry, the bulletin)
before events at the same instant.

Cost: a handful of queries, each one pass over a table's rows in scope (no query per event):
bulletins and their publications in the period; the applications, directions and grants of the
queues those bulletins published into, plus the directions issued in the period; the seats
alive in the period with their publications. Memory and time are O(applications + directions +
grants + seats in scope) plus, per bulletin and queue, the first K + h members of each class
(departed members are dropped from the class lists for good once they are gone, so a year of
bulletins does not rescan the front of a queue).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from audit.models import AuditRecord
from core.calendar import ASTANA, local
from placements.bulletin import first_without_grant
from placements.models import Bulletin, Direction, Grant, Publication, Seat
from queues.models import QUEUE_KIND_ORDER, Application
from queues.selectors import CLASS_E, CLASS_G, CLASS_P

# Finding kinds (the public summary counts them; FairnessAudit keeps them).
DIRECTION_NOT_ENTITLED = "direction_not_entitled"
GRANT_OUT_OF_ORDER = "grant_out_of_order"
GRANT_SKIPPED = "grant_skipped"
SEAT_UNPUBLISHED = "seat_unpublished"
FINDING_KINDS = (DIRECTION_NOT_ENTITLED, GRANT_OUT_OF_ORDER, GRANT_SKIPPED, SEAT_UNPUBLISHED)

BULLETIN_HOUR = 18  # SPEC §5
# A bulletin that ran late publishes what it finds (SPEC §5): a seat counts as left unpublished when no
# bulletin took it within this time after the 18:00 it was due at.
BULLETIN_GRACE = dt.timedelta(hours=6)
ENDED_BACK_TO_RELEASED = ("expired", "cancelled", "revoked")  # SPEC §5: the seat is released again

QueueKey = tuple[str, int, int]  # (kind, locality_id, birth_year)


def period_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Days `first`…`last` inclusive, Astana time: [first 00:00, last + 1 day 00:00)."""
    return (dt.datetime.combine(first, dt.time(), tzinfo=ASTANA), dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=ASTANA))


@dataclass
class _Application:
    id: int
    number: int
    locality_id: int
    birth_year: int
    kinds: tuple[str, ...]
    benefit: str
    filed_at: dt.datetime
    terminal_at: dt.datetime | None  # withdrawn or archived from this moment on (SPEC §3)
    rejected_at: dt.datetime | None = None  # benefit rejected: class none from this moment on
    # (direction id, issued_at, end or None while it holds the application, enrolled)
    directions: list[tuple[int, dt.datetime, dt.datetime | None, bool]] = field(default_factory=list)

    def directed_at(self, t: dt.datetime, *, but: int | None = None) -> bool:
        return any(pk != but and issued < t and (end is None or end > t) for pk, issued, end, _ in self.directions)

    def gone_for_good(self, t: dt.datetime) -> bool:
        """Never `queued` again from `t` on: withdrawn, archived or enrolled."""
        if self.terminal_at is not None and self.terminal_at <= t:
            return True
        return any(enrolled and issued < t for _, issued, _, enrolled in self.directions)

    def queued_at(self, t: dt.datetime) -> bool:
        """SPEC §3/§4 at the moment a bulletin publishes: filed before it, not gone, holds no direction."""
        return self.filed_at < t and not (self.terminal_at is not None and self.terminal_at <= t) and not self.directed_at(t)

    def class_at(self, t: dt.datetime) -> str:
        """SPEC §3: a rejected benefit counts as none from its rejection on."""
        return CLASS_G if self.rejected_at is not None and self.rejected_at <= t else self.benefit


@dataclass
class _Seat:
    id: int
    kind: str
    locality_id: int
    birth_year: int
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    releases: list[dt.datetime] = field(default_factory=list)  # created, and each return (SPEC §5)
    # (published_at, bulletin id, open_at, priority_until), in time order
    publications: list[tuple[dt.datetime, int, dt.datetime, dt.datetime]] = field(default_factory=list)
    directions: list[tuple[int, dt.datetime, dt.datetime | None]] = field(default_factory=list)


@dataclass
class AuditResult:
    period_from: dt.date
    period_to: dt.date
    bulletins_checked: int = 0
    directions_checked: int = 0
    grants_checked: int = 0
    seats_checked: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = Counter(f["kind"] for f in self.findings)
        return {kind: found.get(kind, 0) for kind in FINDING_KINDS}


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else local(t).isoformat(timespec="seconds")


def fairness_replay(*, first: dt.date, last: dt.date, now: dt.datetime) -> AuditResult:
    """Replay the days `first`…`last` (Astana time) and return what the rules did not allow."""
    start, end = period_bounds(first, last)
    horizon = min(end, now)
    result = AuditResult(period_from=first, period_to=last)
    bulletins = list(Bulletin.objects.filter(published_at__gte=start, published_at__lt=end).order_by("published_at").values_list("id", "published_at"))
    # K per queue of each bulletin (SPEC §6): its publications by the seat's queue.
    per_bulletin: dict[int, Counter] = defaultdict(Counter)
    rows = Publication.objects.filter(bulletin_id__in=[b for b, _ in bulletins]).values_list(
        "bulletin_id", "seat__group__kind", "seat__group__kindergarten__locality_id", "seat__birth_year"
    )
    for bulletin_id, kind, locality_id, year in rows:
        per_bulletin[bulletin_id][(kind, locality_id, year)] += 1
    recorded: dict[int, dict[QueueKey, set[int]]] = defaultdict(lambda: defaultdict(set))
    for bulletin_id, kind, app_id, locality_id, year in Grant.objects.filter(bulletin_id__in=[b for b, _ in bulletins]).values_list(
        "bulletin_id", "kind", "application_id", "application__locality_id", "application__birth_year"
    ):
        recorded[bulletin_id][(kind, locality_id, year)].add(app_id)
    pairs = {(loc, year) for per in list(per_bulletin.values()) + list(recorded.values()) for _, loc, year in per}

    directions_in_period = Direction.objects.filter(issued_at__gte=start, issued_at__lt=end)
    in_queues = Q(pk__in=[])
    if pairs:
        in_queues = Q(locality_id__in={loc for loc, _ in pairs}, birth_year__in={year for _, year in pairs})
    apps = _applications(Q(filed_at__lt=end) & (in_queues | Q(pk__in=directions_in_period.values("application_id"))), pairs=pairs, end=end)

    grants_by_app: dict[int, list[tuple[str, dt.datetime, dt.datetime, dt.datetime | None, dt.datetime]]] = defaultdict(list)
    for app_id, kind, from_at, until_at, ended_at, given_at in Grant.objects.filter(application_id__in=list(apps), bulletin__published_at__lt=end).values_list(
        "application_id", "kind", "from_at", "until_at", "ended_at", "bulletin__published_at"
    ):
        grants_by_app[app_id].append((kind, from_at, until_at, ended_at, given_at))

    _check_grants(result, bulletins=bulletins, per_bulletin=per_bulletin, recorded=recorded, apps=apps, grants_by_app=grants_by_app)
    seats = _seats(start=start, end=end)
    _check_seats(result, seats=seats, bulletins=bulletins, start=start, end=end, horizon=horizon)
    _check_directions(result, directions=directions_in_period, apps=apps, seats=seats, grants_by_app=grants_by_app)
    result.findings.sort(key=lambda f: (f["at"] or "", FINDING_KINDS.index(f["kind"])))
    return result


def _applications(scope: Q, *, pairs: set[tuple[int, int]], end: dt.datetime) -> dict[int, _Application]:
    apps: dict[int, _Application] = {}
    rows = Application.objects.filter(scope).values_list(
        "id", "number", "locality_id", "birth_year", "wants_special", "wants_sanatorium", "benefit", "filed_at", "status", "status_changed_at"
    )
    for pk, number, locality_id, year, special, sanatorium, benefit, filed_at, status, changed_at in rows:
        kinds = ("general",) + (("special",) if special else ()) + (("sanatorium",) if sanatorium else ())
        terminal = changed_at or filed_at if status in ("withdrawn", "archived") else None
        apps[pk] = _Application(pk, number, locality_id, year, kinds, benefit, filed_at, terminal)
    # The moment each benefit was rejected: the audit trail (the row keeps only the latest status).
    rejected = AuditRecord.objects.filter(action="benefit.reject", object_type="queues.application", object_id__in=[str(pk) for pk in apps], at__lt=end)
    for object_id, at in rejected.order_by("at").values_list("object_id", "at"):
        app = apps[int(object_id)]
        app.rejected_at = app.rejected_at or at
    rejected_ids = set(Application.objects.filter(pk__in=list(apps), benefit_status="rejected").values_list("id", flat=True))
    for pk in rejected_ids:
        if apps[pk].rejected_at is None:  # no record (imported history): rejected all along
            apps[pk].rejected_at = apps[pk].filed_at
    for pk, app_id, issued_at, ended_at, status in Direction.objects.filter(application_id__in=list(apps), issued_at__lt=end).values_list(
        "id", "application_id", "issued_at", "ended_at", "status"
    ):
        held_until = None if status in ("enrolled", "benefit_check", "issued") else ended_at
        apps[app_id].directions.append((pk, issued_at, held_until, status == "enrolled"))
    return apps


def _check_grants(result: AuditResult, *, bulletins, per_bulletin, recorded, apps: dict[int, _Application], grants_by_app) -> None:
    """SPEC §6 at each bulletin: K seats of a queue → the first K in its order without an open grant."""
    # Each queue's class lists, sorted once by (filed_at, number); an application sits in the list of
    # its claimed class and, if its benefit was ever rejected, in G too (it counts there afterwards).
    classes: dict[QueueKey, dict[str, list[_Application]]] = defaultdict(lambda: {CLASS_E: [], CLASS_P: [], CLASS_G: []})
    for app in sorted(apps.values(), key=lambda a: (a.filed_at, a.number)):
        for kind in app.kinds:
            lists = classes[(kind, app.locality_id, app.birth_year)]
            lists[app.benefit].append(app)
            if app.rejected_at is not None and app.benefit != CLASS_G:
                lists[CLASS_G].append(app)
    # The grants held in each queue, for "already holds an open grant" (SPEC §6).
    grants_by_queue: dict[QueueKey, list[tuple[int, tuple]]] = defaultdict(list)
    for app_id, grants in grants_by_app.items():
        app = apps[app_id]
        for grant in grants:
            grants_by_queue[(grant[0], app.locality_id, app.birth_year)].append((app_id, grant))
    for bulletin_id, t in bulletins:
        result.bulletins_checked += 1
        queues = set(per_bulletin[bulletin_id]) | set(recorded[bulletin_id])
        for key in sorted(queues, key=lambda q: (QUEUE_KIND_ORDER.index(q[0]), q[1], q[2])):
            k = per_bulletin[bulletin_id].get(key, 0)
            given = recorded[bulletin_id].get(key, set())
            result.grants_checked += len(given)
            # "Already hold an open grant": given before, not ended, not past its until (SPEC §6).
            holders = {app_id for app_id, grant in grants_by_queue.get(key, ()) if _holds_grant((grant,), key[0], t)}
            firsts = {klass: _first_queued(members, klass, t, k + len(holders)) for klass, members in classes[key].items()}
            expected = first_without_grant({klass: [a.id for a in members] for klass, members in firsts.items()}, k=k, holders=holders)
            order = {app_id: i + 1 for i, app_id in enumerate(expected)}
            for app_id in sorted(given - set(expected), key=lambda pk: apps[pk].number if pk in apps else pk):
                result.findings.append(_grant_finding(GRANT_OUT_OF_ORDER, bulletin_id, t, key, apps.get(app_id), app_id, k))
            for app_id in [pk for pk in expected if pk not in given]:
                finding = _grant_finding(GRANT_SKIPPED, bulletin_id, t, key, apps[app_id], app_id, k)
                finding["rank"] = order[app_id]
                result.findings.append(finding)


def _holds_grant(grants, kind: str, t: dt.datetime) -> bool:
    return any(g_kind == kind and given_at < t and until_at > t and (ended_at is None or ended_at > t) for g_kind, _, until_at, ended_at, given_at in grants)


def _first_queued(members: list[_Application], klass: str, t: dt.datetime, n: int) -> list[_Application]:
    """The first `n` members of a class queued at `t`; members gone for good are dropped from the list."""
    out, gone = [], []
    for app in members:
        if len(out) >= n:
            break
        if app.queued_at(t) and app.class_at(t) == klass:
            out.append(app)
        elif app.gone_for_good(t):
            gone.append(app)
    for app in gone:
        members.remove(app)
    return out


def _grant_finding(kind: str, bulletin_id: int, t: dt.datetime, key: QueueKey, app: _Application | None, app_id: int, k: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "reason": "not_first_in_order" if kind == GRANT_OUT_OF_ORDER else "first_in_order_without_grant",
        "at": _iso(t),
        "bulletin": bulletin_id,
        "application": app_id,
        "application_number": app.number if app else None,
        "queue": {"kind": key[0], "locality": key[1], "birth_year": key[2]},
        "seats": k,
    }


def _seats(*, start: dt.datetime, end: dt.datetime) -> dict[int, _Seat]:
    alive = Seat.objects.filter(created_at__lt=end).exclude(withdrawn_at__lt=start)
    seats = {
        pk: _Seat(pk, kind, locality_id, year, created_at, withdrawn_at, [created_at])
        for pk, kind, locality_id, year, created_at, withdrawn_at in alive.values_list(
            "id", "group__kind", "group__kindergarten__locality_id", "birth_year", "created_at", "withdrawn_at"
        )
    }
    publications = Publication.objects.filter(seat__in=alive, bulletin__published_at__lt=end).order_by("bulletin__published_at")
    for seat_id, published_at, bulletin_id, open_at, until in publications.values_list(
        "seat_id", "bulletin__published_at", "bulletin_id", "open_at", "priority_until"
    ):
        seats[seat_id].publications.append((published_at, bulletin_id, open_at, until))
    for pk, seat_id, issued_at, ended_at, status in (
        Direction.objects.filter(seat__in=alive, issued_at__lt=end).order_by("issued_at").values_list("id", "seat_id", "issued_at", "ended_at", "status")
    ):
        back = status in ENDED_BACK_TO_RELEASED and ended_at is not None
        seats[seat_id].directions.append((pk, issued_at, ended_at if back else None))
        if back and ended_at < end:
            seats[seat_id].releases.append(ended_at)
    for seat in seats.values():
        seat.releases.sort()
    return seats


def _due_bulletin(r: dt.datetime) -> dt.datetime:
    """The 18:00 a seat released at `r` is published at (SPEC §5: released_at ≤ the bulletin's moment)."""
    lr = local(r)
    due = dt.datetime.combine(lr.date(), dt.time(BULLETIN_HOUR), tzinfo=ASTANA)
    return due if lr <= due else due + dt.timedelta(days=1)


def _check_seats(result: AuditResult, *, seats: dict[int, _Seat], bulletins, start: dt.datetime, end: dt.datetime, horizon: dt.datetime) -> None:
    """SPEC §5: every seat released before a bulletin's moment is in that bulletin. One finding per
    release: left out of a bulletin that ran, or no bulletin took it within the grace after its 18:00."""
    moments = [t for _, t in bulletins]
    for seat in seats.values():
        checked = False
        for r in seat.releases:
            # The release lasts until its first publication, or the seat's withdrawal.
            published = [p for p in seat.publications if p[0] >= r]
            until = published[0][0] if published else None
            if seat.withdrawn_at is not None and seat.withdrawn_at >= r and (until is None or seat.withdrawn_at < until):
                until = seat.withdrawn_at if until is None or seat.withdrawn_at < until else until
                published = []
            missed = [(b, t) for b, t in bulletins if r <= t and (until is None or t < until)]
            due = _due_bulletin(r)
            if missed:
                checked = True
                bulletin_id, t = missed[0]
                result.findings.append(_seat_finding(seat, r, t, bulletin_id, "left_out_of_bulletin"))
            elif start <= due < end:
                checked = True
                deadline = due + BULLETIN_GRACE
                if deadline <= horizon and (until is None or until > deadline) and not _taken_between(moments, due, deadline):
                    result.findings.append(_seat_finding(seat, r, due, None, "no_bulletin"))
        result.seats_checked += checked or any(start <= p[0] < end for p in seat.publications)


def _taken_between(moments: list[dt.datetime], a: dt.datetime, b: dt.datetime) -> bool:
    i = bisect.bisect_left(moments, a)
    return i < len(moments) and moments[i] <= b


def _seat_finding(seat: _Seat, released_at: dt.datetime, t: dt.datetime, bulletin_id: int | None, reason: str) -> dict[str, Any]:
    return {
        "kind": SEAT_UNPUBLISHED,
        "reason": reason,
        "at": _iso(t),
        "bulletin": bulletin_id,
        "seat": seat.id,
        "released_at": _iso(released_at),
        "queue": {"kind": seat.kind, "locality": seat.locality_id, "birth_year": seat.birth_year},
    }


def _check_directions(result: AuditResult, *, directions, apps: dict[int, _Application], seats: dict[int, _Seat], grants_by_app) -> None:
    """SPEC §7 at each direction's `issued_at`: the application was queued and in the seat's queue,
    the seat was published and open, and in its priority window the family held an open grant."""
    for pk, number, app_id, seat_id, t in directions.order_by("issued_at", "number").values_list("id", "number", "application_id", "seat_id", "issued_at"):
        result.directions_checked += 1
        app, seat = apps[app_id], seats.get(seat_id)
        reason = _direction_refusal(pk, t, app, seat, grants_by_app.get(app_id, ()))
        if reason:
            result.findings.append(
                {
                    "kind": DIRECTION_NOT_ENTITLED,
                    "reason": reason,
                    "at": _iso(t),
                    "direction": pk,
                    "direction_number": number,
                    "application": app_id,
                    "application_number": app.number,
                    "seat": seat_id,
                    "queue": {"kind": seat.kind, "locality": seat.locality_id, "birth_year": seat.birth_year} if seat else None,
                }
            )


def _direction_refusal(pk: int, t: dt.datetime, app: _Application, seat: _Seat | None, grants) -> str | None:
    """The first rule the direction broke (SPEC §7's order), or None."""
    if app.filed_at > t or (app.terminal_at is not None and app.terminal_at < t) or app.directed_at(t, but=pk):
        return "not_queued"
    if seat is None or seat.locality_id != app.locality_id or seat.birth_year != app.birth_year or seat.kind not in app.kinds:
        return "not_eligible"
    if seat.withdrawn_at is not None and seat.withdrawn_at <= t:
        return "seat_not_claimable"
    if any(other != pk and issued < t and (ended is None or ended > t) for other, issued, ended in seat.directions):
        return "seat_not_claimable"
    last_release = max((r for r in seat.releases if r <= t), default=None)
    window = [p for p in seat.publications if p[0] <= t and last_release is not None and p[0] >= last_release]
    if not window:
        return "seat_not_claimable"  # released, not yet published (SPEC §5)
    _, _, open_at, priority_until = window[-1]
    if t < open_at:
        return "not_open_yet"
    if t < priority_until and not any(
        kind == seat.kind and from_at <= t < until_at and (ended_at is None or ended_at >= t) and given_at < t
        for kind, from_at, until_at, ended_at, given_at in grants
    ):
        return "no_access"
    return None
