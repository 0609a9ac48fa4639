"""The scale bench's parts on the national data set (bench/national.py): reads first, then writes.

- positions: `queues.selectors.application_positions` for random queued children, p50/p95; a sample
  checked against an independent SPEC §4 order (a wrong position is a broken invariant);
- pages: the public queue check and the largest queue's list, page 1 and a deep page, through the
  real views (django.test.Client), p50/p95;
- bulletin: 20,000 released seats over ~5,000 queues, `bulletin_publish` timed, grants included;
- jobs: `directions_expire` with 10,000 due directions, `directions_remind_expiring`, `seats_promote`.

Each part returns (rows, ok): rows in the shared table format, ok False only on a broken invariant.
Messages are written as the services write them, but not handed to the broker
(`deliveries_suspended`): the bench measures the engine, not a Celery queue nobody consumes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter, defaultdict

from national import NationalData, copy_rows, directions_copy, sequences_after_load


def row(
    part: str, figure: str, value: float, unit: str, goal: str = "", *, met: bool | None = None, bare: float | None = None, ratio: float | None = None
) -> dict:
    return {"part": part, "figure": figure, "value": value, "unit": unit, "bare": bare, "ratio": ratio, "goal": goal, "met": met}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _ms_rows(part: str, what: str, seconds: list[float], goal_ms: float) -> list[dict]:
    p50, p95 = percentile(seconds, 0.5) * 1000, percentile(seconds, 0.95) * 1000
    return [
        row(part, f"{what} p50", p50, "ms"),
        row(part, f"{what} p95", p95, "ms", f"p95 ≤ {goal_ms:.0f} ms", met=p95 <= goal_ms),
    ]


# --- the independent order (SPEC §4), for the invariant checks ---------------------------------


class IndependentOrder:
    """Queue orders computed here from plain rows, not by the engine's selectors: all of E, then
    G G G P … (the ratio from queues.selectors.interleave_ratio), each class by (filed_at, number); a rejected benefit is G."""

    def __init__(self) -> None:
        self.cache: dict[tuple[int, int, str], list[int]] = {}

    def ids(self, locality_id: int, birth_year: int, kind: str) -> list[int]:
        key = (locality_id, birth_year, kind)
        if key not in self.cache:
            from django.db import connection

            from queues.selectors import interleave_ratio

            extra = {"general": "", "special": " AND wants_special", "sanatorium": " AND wants_sanatorium"}[kind]
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, benefit, benefit_status FROM queues_application "
                    f"WHERE locality_id = %s AND birth_year = %s AND status = 'queued'{extra} ORDER BY filed_at, number",
                    [locality_id, birth_year],
                )
                classes: dict[str, list[int]] = {"extraordinary": [], "priority": [], "none": []}
                for app_id, benefit, benefit_status in cursor.fetchall():
                    classes["none" if benefit_status == "rejected" else benefit].append(app_id)
            e, p, g, r = classes["extraordinary"], classes["priority"], classes["none"], interleave_ratio()
            order, gi, pi = list(e), 0, 0
            while gi < len(g) or pi < len(p):
                order += g[gi : gi + r]
                gi += r
                if pi < len(p):
                    order.append(p[pi])
                    pi += 1
            self.cache[key] = order
        return self.cache[key]


# --- positions ---------------------------------------------------------------------------------


def _random_queued(count: int, seed: float, where: str = "") -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(f"SELECT id FROM queues_application WHERE status = 'queued'{where} ORDER BY random() LIMIT %s", [count])
        return [r[0] for r in cursor.fetchall()]


def bench_positions(data: NationalData, *, samples: int = 1000, checked: int = 50, order: IndependentOrder | None = None) -> tuple[list[dict], bool]:
    from queues.models import Application
    from queues.selectors import application_positions

    order = order or IndependentOrder()
    ids = _random_queued(samples, 0.42)
    by_id = Application.objects.in_bulk(ids)
    applications = [by_id[i] for i in ids]
    for application in applications[:20]:  # warm the connection and the caches, as a running site is
        application_positions(application)
    seconds, results = [], {}
    for application in applications:
        started = time.perf_counter()
        results[application.pk] = application_positions(application)
        seconds.append(time.perf_counter() - started)
    wrong = []
    for application in applications[:checked]:
        for kind in application.queue_kinds:
            expected = order.ids(application.locality_id, application.birth_year, kind)
            got = results[application.pk].get(kind)
            want = (expected.index(application.pk) + 1, len(expected))
            if got is None or (got.position, got.size) != want:
                wrong.append(f"application {application.number} {kind}: engine {got and (got.position, got.size)}, expected (position, size) {want}")
    for problem in wrong:
        print(f"  INVARIANT BROKEN: {problem}")
    print(f"positions: {len(applications)} random queued children timed; {checked} checked against the independent order, {len(wrong)} wrong")
    rows = _ms_rows("positions", f"a child's positions ({len(applications):,} random children)", seconds, 20)
    rows.append(row("positions", f"positions wrong (of {checked} checked independently)", len(wrong), "", "0", met=not wrong))
    return rows, not wrong


# --- pages through the real views ----------------------------------------------------------------


def bench_pages(data: NationalData, *, hits: int = 100, order: IndependentOrder | None = None) -> tuple[list[dict], bool]:
    """The queue check's rate limit would refuse a bench that checks hundreds of numbers from one
    address: the rate-limit windows are cleared between hits, outside the timed request (in a local
    memory cache when the configured one is the shared file cache of this machine)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client, override_settings
    from django.urls import reverse

    from opendata import listing
    from queues.models import Application

    per_page = getattr(listing, "PER_PAGE", 50)

    order = order or IndependentOrder()
    caches = settings.CACHES
    if "filebased" in caches["default"]["BACKEND"]:
        caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    rows, broken = [], []
    with override_settings(ALLOWED_HOSTS=["*"], CACHES=caches):
        client = Client()
        numbers = list(Application.objects.filter(pk__in=_random_queued(hits, 0.17)).values_list("number", flat=True))
        check_url = reverse("opendata:queue_check")

        def get(url: str, *, clear: bool = False) -> tuple[float, object]:
            if clear:
                cache.clear()
            started = time.perf_counter()
            response = client.get(url)
            return time.perf_counter() - started, response

        seconds, refused = [], 0
        for n, number in enumerate(numbers * 2):
            took, response = get(f"{check_url}?number={number}", clear=True)
            if response.status_code != 200 or f"{number}" not in response.content.decode():
                refused += 1
            if n >= len(numbers) // 5:  # the first fifth warms up
                seconds.append(took)
        rows += _ms_rows("pages", "queue check by number", seconds, 100)
        if refused:
            broken.append(f"queue check: {refused} answers were not 200 with the application")

        loc_id, year = data.largest_queue
        expected = order.ids(loc_id, year, "general")
        pages = max(1, math.ceil(len(expected) / per_page))
        deep = min(1500, pages)
        list_url = f"{reverse('opendata:queues')}?locality={data.localities[loc_id]}&birth_year={year}&kind=general"
        for page in (1, deep):
            seconds = []
            for n in range(hits + 5):
                took, response = get(f"{list_url}&page={page}")
                if n >= 5:
                    seconds.append(took)
            html = response.content.decode()
            # The page shows the applications at these positions of the independent order (SPEC §4).
            want = expected[(page - 1) * per_page : page * per_page]
            numbers_on_page = dict(Application.objects.filter(pk__in=want).values_list("id", "number"))
            at = [html.find(f"№{numbers_on_page[i]}<") for i in want]
            if response.status_code != 200 or -1 in at or at != sorted(at):
                broken.append(f"queue list page {page}: not the applications of positions {(page - 1) * per_page + 1}–{page * per_page} in order")
            rows += _ms_rows("pages", f"queue list, {len(expected):,} queue, page {page:,}", seconds, 100)
    for problem in broken:
        print(f"  INVARIANT BROKEN: {problem}")
    print(f"pages: {hits} hits each; queue list of {data.localities[loc_id]} {year} ({len(expected):,} queued, {pages:,} pages)")
    rows.append(row("pages", "pages showing a wrong order or refusing", len(broken), "", "0", met=not broken))
    return rows, not broken


# --- the bulletin --------------------------------------------------------------------------------


def _queues_with_groups(data: NationalData) -> list[tuple[int, int, str]]:
    """(locality, birth year, kind) queues that have groups for their age now (SPEC §5 fit)."""
    out = []
    for (loc_id, age, kind), groups in data.groups.items():
        if groups and 0 < age <= 6:
            out.append((loc_id, data.enrollment_year - age, kind))
    return sorted(out)


def bench_bulletin(data: NationalData, *, seats: int = 20_000, queues: int = 5_000, checked: int = 20) -> tuple[list[dict], bool]:
    from django.db import connection
    from django.db.models import Count

    from notifications.services import deliveries_suspended
    from placements.bulletin import bulletin_publish
    from placements.models import Grant, Seat, SeatRelease

    rng = random.Random(5000)
    candidates = _queues_with_groups(data)
    chosen = sorted(rng.sample(candidates, min(queues, len(candidates))))
    # Every chosen queue gets a seat; the rest go where the children are (the cities).
    per_queue = Counter({q: 1 for q in chosen})
    weights = [1 + data.queue_sizes[(q[0], q[1])] for q in chosen]
    for q in rng.choices(chosen, weights, k=max(0, seats - len(chosen))):
        per_queue[q] += 1
    released_at = data.now - dt.timedelta(hours=2)
    releases: dict[tuple[int, int], int] = Counter()
    for (loc_id, year, kind), count in per_queue.items():
        groups = data.groups[(loc_id, data.enrollment_year - year, kind)]
        for _ in range(count):
            releases[(rng.choice(groups), year)] += 1
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM placements_seatrelease")
        release_id = cursor.fetchone()[0]
        release_rows, seat_rows = [], []
        for n, ((group_id, year), count) in enumerate(sorted(releases.items())):
            release_rows.append(
                {"id": release_id + n, "group_id": group_id, "birth_year": year, "count": count, "released_at": released_at, "released_by_id": None}
            )
            seat_rows += [
                {
                    "release_id": release_id + n,
                    "group_id": group_id,
                    "birth_year": year,
                    "state": "released",
                    "created_at": released_at,
                    "released_at": released_at,
                }
                for _ in range(count)
            ]
        copy_rows(cursor, SeatRelease, release_rows)
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM placements_seat")
        seat_id = cursor.fetchone()[0]
        for n, seat in enumerate(seat_rows):
            seat["id"] = seat_id + n
        copy_rows(cursor, Seat, seat_rows)
        cursor.execute("ANALYZE placements_seat")
        cursor.execute("ANALYZE placements_seatrelease")
    sequences_after_load([SeatRelease, Seat])
    total_seats = sum(per_queue.values())
    print(f"bulletin: {total_seats:,} seats released over {len(per_queue):,} queues ({len(candidates):,} queues have groups for their age)")

    with deliveries_suspended():
        started = time.perf_counter()
        bulletin = bulletin_publish(now=data.now)
        seconds = time.perf_counter() - started
    broken = []
    grants = list(Grant.objects.filter(bulletin=bulletin).values_list("application_id", "kind", "application__locality_id", "application__birth_year"))
    granted = Counter((kind, loc, year) for _app, kind, loc, year in grants)
    over = [q for q, n in granted.items() if n > per_queue.get((q[1], q[2], q[0]), 0)]
    if over:
        broken.append(f"{len(over)} queues got more grants than seats, e.g. {over[:3]}")
    twice = Grant.objects.filter(ended_at__isnull=True).values("application_id", "kind").annotate(n=Count("id")).filter(n__gt=1)
    if twice.exists():
        broken.append(f"{twice.count()} applications hold two open grants in one queue")
    left = Seat.objects.filter(state="released").count()
    if left:
        broken.append(f"{left} released seats were not published")
    # The first K of a sample of queues, against the independent order (no grants were open before).
    order = IndependentOrder()
    by_queue = defaultdict(set)
    for app_id, kind, loc, year in grants:
        by_queue[(loc, year, kind)].add(app_id)
    for q in rng.sample(chosen, min(checked, len(chosen))):
        want = set(order.ids(*q)[: per_queue[q]])
        if by_queue[q] != want:
            broken.append(f"queue {q}: grants differ from the first {per_queue[q]} of its order")
    for problem in broken:
        print(f"  INVARIANT BROKEN: {problem}")
    print(f"    bulletin_publish: {seconds:.1f} s, {len(grants):,} grants; {checked} queues checked against the independent order")
    data.bulletin_priority_until = Seat.objects.filter(state="priority").order_by("-priority_until").values_list("priority_until", flat=True).first()
    return [
        row("bulletin", f"bulletin: {total_seats:,} seats over {len(per_queue):,} queues, {len(grants):,} grants", seconds, "s", "≤ 10 s", met=seconds <= 10),
        row("bulletin", "bulletin: grants over seats, twice in a queue, or not the first K", len(broken), "", "0", met=not broken),
    ], not broken


# --- the minute jobs -----------------------------------------------------------------------------


def bench_jobs(data: NationalData, *, due: int = 10_000) -> tuple[list[dict], bool]:
    from django.db import connection

    from notifications.services import deliveries_suspended
    from placements.directions import directions_remind_expiring
    from placements.expiry import directions_expire
    from placements.models import Direction, Seat, SeatRelease
    from placements.seats import seats_promote
    from queues.models import Application

    rng = random.Random(10_000)
    expire_at = data.now + dt.timedelta(minutes=30)
    years = [data.enrollment_year - age for age in range(1, 7)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.7)")
        cursor.execute(
            "SELECT a.id, a.locality_id, a.birth_year, a.benefit_status FROM queues_application a "
            "WHERE a.status = 'queued' AND a.birth_year = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM placements_grant g WHERE g.application_id = a.id AND g.ended_at IS NULL) "
            "ORDER BY random() LIMIT %s",
            [years, due],
        )
        picked = cursor.fetchall()
    items = []
    for app_id, loc_id, year, benefit_status in picked:
        issued = expire_at - dt.timedelta(days=rng.randint(5, 9), minutes=rng.randrange(600))
        valid_until = expire_at - dt.timedelta(minutes=rng.randint(1, 3 * 24 * 60))
        group_id = rng.choice(data.groups[(loc_id, data.enrollment_year - year, "general")])
        items.append((app_id, group_id, year, issued, valid_until, "benefit_check" if benefit_status == "claimed" else "issued"))
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        directions_copy(cursor, items, now=data.now)
        cursor.execute(
            "UPDATE queues_application SET status = 'directed', status_changed_at = d.issued_at FROM placements_direction d "
            "WHERE d.application_id = queues_application.id AND queues_application.id = ANY(%s) AND d.status IN ('issued', 'benefit_check')",
            [[i[0] for i in items]],
        )
        for table in ("queues_application", "placements_direction", "placements_seat"):
            cursor.execute(f"ANALYZE {table}")
    sequences_after_load([SeatRelease, Seat, Direction])
    due_ids = [i[0] for i in items]
    print(f"jobs: {len(items):,} due directions created (applications directed, seats claimed)")

    rows, broken = [], []
    with deliveries_suspended():
        started = time.perf_counter()
        expired = directions_expire(now=expire_at)
        seconds = time.perf_counter() - started
        rows.append(
            row("jobs", f"directions_expire: {expired:,} due directions", seconds, "s", f"{due:,} in ≤ 10 s", met=seconds <= 10 and expired >= len(items))
        )
        started = time.perf_counter()
        reminded = directions_remind_expiring(now=expire_at)
        rows.append(row("jobs", f"directions_remind_expiring: {reminded:,} reminders", time.perf_counter() - started, "s"))
        promote_at = (data.bulletin_priority_until or expire_at) + dt.timedelta(minutes=1)
        started = time.perf_counter()
        promoted = seats_promote(now=promote_at)
        rows.append(row("jobs", f"seats_promote: {promoted:,} seats", time.perf_counter() - started, "s"))
    late = Direction.objects.filter(status__in=Direction.ACTIVE_STATUSES, valid_until__lte=expire_at).count()
    if late:
        broken.append(f"{late} active directions are past due after the expiry")
    statuses = Counter(Application.objects.filter(pk__in=due_ids).values_list("status", flat=True))
    if set(statuses) - {"queued", "archived"}:
        broken.append(f"expired applications not queued or archived: {dict(statuses)}")
    seats_held = Seat.objects.filter(directions__application_id__in=due_ids, directions__status="expired", state="claimed").count()
    if seats_held:
        broken.append(f"{seats_held} seats of expired directions are still claimed")
    for problem in broken:
        print(f"  INVARIANT BROKEN: {problem}")
    print(f"    expired {expired:,} ({dict(statuses)}), reminded {reminded:,}, promoted {promoted:,}")
    rows.append(row("jobs", "jobs: active past due, expired not queued/archived, seat still held", len(broken), "", "0", met=not broken))
    return rows, not broken
