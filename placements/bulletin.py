"""The 18:00 bulletin (SPEC §5, §6): released seats published with their windows, priority access
granted to the first families of each queue. At a country's scale: set-based, never a whole queue
in memory.

Seats are published by one UPDATE and one INSERT … SELECT; the seats per queue come from one
GROUP BY; each queue's grants come from the first K + h members of each class (E, P, G) read by
index and LIMIT, for a batch of queues per query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.urls import reverse

from audit.services import audit_record
from core.calendar import calendar_load, local, next_seven_am
from notifications.services import messages_enqueue
from notifications.texts import places_text
from placements.models import Bulletin, Grant, Group, Publication, Seat
from placements.rules import BULLETIN_HOUR, PRIORITY_WORKING_DAYS
from queues.models import QUEUE_KIND_ORDER, Application
from queues.selectors import CLASS_E, CLASS_G, CLASS_P, interleave, queue_members

QUEUE_BATCH = 500  # queues per query (and per holders query)
MESSAGE_BATCH = 2000

QueueKey = tuple[int, int]  # (locality_id, birth_year)


def bulletin_next(*, now: dt.datetime) -> dict[str, dt.datetime]:
    """When seats released at `now` are published, open, and leave priority access (SPEC §5): the
    bulletin runs every day, so today at 18:00 before 18:00 and tomorrow at 18:00 from then on; the
    window counts working days (core.calendar)."""
    today = local(now)
    published_at = today.replace(hour=BULLETIN_HOUR, minute=0, second=0, microsecond=0)
    if today >= published_at:
        published_at = dt.datetime.combine(today.date() + dt.timedelta(days=1), dt.time(BULLETIN_HOUR), tzinfo=published_at.tzinfo)
    open_at = next_seven_am(published_at)
    return {"published_at": published_at, "open_at": open_at, "priority_until": calendar_load().add_working_days(open_at, PRIORITY_WORKING_DAYS)}


def bulletin_publish(*, now: dt.datetime) -> Bulletin | None:
    """Publish every released seat with windows from this moment, and grant priority access.

    Idempotent: published seats are no longer `released`, so a second run finds nothing. A late
    (catch-up) run computes the windows from its actual moment (SPEC §5). Set-based, in a few
    statements whatever the number of seats and queues (below).
    """
    with transaction.atomic():
        if not Seat.objects.filter(state=Seat.State.RELEASED, released_at__lte=now).exists():
            return None
        calendar = calendar_load()
        open_at = next_seven_am(now)
        priority_until = calendar.add_working_days(open_at, PRIORITY_WORKING_DAYS)
        count = seats_publish(now=now, open_at=open_at, priority_until=priority_until)
        if not count:  # withdrawn or published meanwhile: nothing to publish after all
            return None
        bulletin, _ = Bulletin.objects.get_or_create(published_at=now)
        per_queue = publications_add(bulletin=bulletin, now=now, open_at=open_at, priority_until=priority_until)
        grants = grants_give(bulletin=bulletin, per_queue=per_queue, open_at=open_at, priority_until=priority_until, now=now)
        audit_record(
            action="bulletin.publish",
            obj=bulletin,
            now=now,
            details={"seats": count, "grants": grants, "open_at": open_at, "priority_until": priority_until},
        )
    return bulletin


def seats_publish(*, now: dt.datetime, open_at: dt.datetime, priority_until: dt.datetime) -> int:
    """Every `released` seat becomes `priority` with this publication's window (SPEC §5): one UPDATE."""
    return Seat.objects.filter(state=Seat.State.RELEASED, released_at__lte=now).update(
        state=Seat.State.PRIORITY, published_at=now, open_at=open_at, priority_until=priority_until
    )


def publications_add(*, bulletin: Bulletin, now: dt.datetime, open_at: dt.datetime, priority_until: dt.datetime) -> dict[str, dict[QueueKey, int]]:
    """The release protocol's rows for the seats just published (one INSERT … SELECT), and the
    seats per queue, per kind (one GROUP BY)."""
    before = Publication.objects.filter(bulletin=bulletin).aggregate(last=Max("id"))["last"] or 0
    seat, publication = Seat._meta.db_table, Publication._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        # The seats this run published: a seat published at this very moment by an earlier run has
        # its row already (SPEC §5: publication is idempotent).
        cursor.execute(
            f"INSERT INTO {publication} (bulletin_id, seat_id, open_at, priority_until) "
            f"SELECT %s, s.id, %s, %s FROM {seat} s "
            f"WHERE s.state = %s AND s.priority_until = %s AND s.published_at = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {publication} p WHERE p.bulletin_id = %s AND p.seat_id = s.id) "
            f"ORDER BY s.id",
            [bulletin.pk, adapt(open_at), adapt(priority_until), Seat.State.PRIORITY, adapt(priority_until), adapt(now), bulletin.pk],
        )
    per_queue: dict[str, dict[QueueKey, int]] = defaultdict(dict)
    rows = (
        Publication.objects.filter(bulletin=bulletin, pk__gt=before)
        .values(kind=F("seat__group__kind"), locality_id=F("seat__group__kindergarten__locality_id"), year=F("seat__birth_year"))
        .annotate(k=Count("id"))
        .order_by()
    )
    for row in rows:
        per_queue[row["kind"]][(row["locality_id"], row["year"])] = row["k"]
    return per_queue


def grants_give(*, bulletin: Bulletin, per_queue: dict[str, dict[QueueKey, int]], open_at: dt.datetime, priority_until: dt.datetime, now: dt.datetime) -> int:
    """SPEC §6: K seats of a queue → grants to the first K in its order without an open grant there.

    Queues are taken general, special, sanatorium, then by locality and birth year, so one
    application's grants are listed in that order (their ids follow it)."""
    before = Grant.objects.aggregate(last=Max("id"))["last"] or 0
    total = 0
    for kind in QUEUE_KIND_ORDER:
        queues = sorted(per_queue.get(kind, {}).items())
        for start in range(0, len(queues), QUEUE_BATCH):
            batch = dict(queues[start : start + QUEUE_BATCH])
            holders = _holders(kind=kind, queues=batch, now=now)
            limits = {key: k + len(holders[key]) for key, k in batch.items()}
            firsts = queues_first(kind=kind, limits=limits)
            grants = [
                Grant(application_id=app_id, kind=kind, bulletin=bulletin, from_at=open_at, until_at=priority_until)
                for key, k in batch.items()
                for app_id in first_without_grant(firsts.get(key, {}), k=k, holders=holders[key])
            ]
            Grant.objects.bulk_create(grants, batch_size=2000)
            total += len(grants)
    if total:
        context_for = grant_message_contexts(bulletin=bulletin, after_grant=before, open_at=open_at, priority_until=priority_until)
        granted = Grant.objects.filter(bulletin=bulletin, pk__gt=before).values("application_id")
        for chunk in _chunks(Application.objects.filter(pk__in=granted).iterator(chunk_size=MESSAGE_BATCH), MESSAGE_BATCH):
            messages_enqueue(applications=chunk, event="grant_opened", now=now, context_for=context_for)
    return total


def grant_message_contexts(*, bulletin: Bulletin, after_grant: int, open_at: dt.datetime, priority_until: dt.datetime) -> Callable[[Application], dict]:
    """The grant SMS's context per application (SPEC §6, issue 11): its window (from 07:00), how many
    seats this bulletin published in the queues it was granted, where (kindergartens and groups, in
    the applicant's language) and the link to the cabinet, where "Get a direction" waits.

    Two queries whatever the number of grants: the seats per queue and group, and the new grants."""
    seats: dict[tuple[str, int, int], dict[int, int]] = defaultdict(dict)  # (kind, locality, year) -> {group: k}
    rows = (
        Publication.objects.filter(bulletin=bulletin)
        .values(kind=F("seat__group__kind"), locality_id=F("seat__group__kindergarten__locality_id"), year=F("seat__birth_year"), group=F("seat__group_id"))
        .annotate(k=Count("id"))
        .order_by()
    )
    for row in rows:
        seats[(row["kind"], row["locality_id"], row["year"])][row["group"]] = row["k"]
    groups = {g.pk: g for g in Group.objects.filter(pk__in={gid for per in seats.values() for gid in per}).select_related("kindergarten")}
    kinds: dict[int, list[str]] = defaultdict(list)
    for app_id, kind in Grant.objects.filter(bulletin=bulletin, pk__gt=after_grant).order_by("id").values_list("application_id", "kind"):
        kinds[app_id].append(kind)
    window = {"from": local(open_at).strftime("%H:%M %d.%m"), "until": local(priority_until).strftime("%H:%M %d.%m.%Y")}
    link = f"{settings.SITE_URL}{reverse('queues:cabinet')}"
    # Per (language, queues granted, locality, birth year): every family of a queue gets the same
    # places, so they are ordered and written once per queue, not once per family.
    per_queue: dict[tuple, tuple[int, str]] = {}

    def context_for(application: Application) -> dict:
        key = (application.language, tuple(kinds.get(application.pk, [])), application.locality_id, application.birth_year)
        if key not in per_queue:
            per_group: dict[int, int] = {}
            for kind in key[1]:
                per_group.update(seats.get((kind, application.locality_id, application.birth_year), {}))
            ordered = sorted(per_group, key=lambda gid: (groups[gid].kindergarten.name, groups[gid].age_from, groups[gid].code))
            per_queue[key] = (sum(per_group.values()), places_text([groups[gid] for gid in ordered], application.language))
        count, places = per_queue[key]
        return {"number": application.number, **window, "seats": count, "places": places, "link": link}

    return context_for


def first_without_grant(firsts: dict[str, list[int]], *, k: int, holders: set[int]) -> list[int]:
    """The first k of a queue without an open grant, from the first K + h of each class.

    Why the first K + h of each class are enough (SPEC §4 closed form): a member's position is at
    least its rank in its class, so the first N = K + h positions hold only members of rank ≤ N, and
    truncating each class to N changes no position ≤ N (a `min(…, |P|)` or `min(…, |G|)` that the
    cut changes is already ≥ N). So the interleave of the truncated classes starts with the same N
    members as the whole queue; among them at most h hold a grant, so the first k without one are
    there (tests/placements/test_bulletin_scale.py checks it against the whole queue)."""
    n = k + len(holders)
    prefix = interleave(firsts.get(CLASS_E, []), firsts.get(CLASS_P, []), firsts.get(CLASS_G, []))[:n]
    return [app_id for app_id in prefix if app_id not in holders][:k]


def _holders(*, kind: str, queues: dict[QueueKey, int], now: dt.datetime) -> dict[QueueKey, set[int]]:
    """Holders of an open grant per queue, for a batch of queues in one query. "Already hold an open
    grant": not ended and not past its until, even if its `from` is still ahead (SPEC §6)."""
    out: dict[QueueKey, set[int]] = defaultdict(set)
    rows = Grant.objects.filter(
        kind=kind,
        ended_at__isnull=True,
        until_at__gt=now,
        application__locality_id__in={loc for loc, _ in queues},
        application__birth_year__in={year for _, year in queues},
    ).values_list("application_id", "application__locality_id", "application__birth_year")
    for app_id, locality_id, year in rows:
        if (locality_id, year) in queues:
            out[(locality_id, year)].add(app_id)
    return out


def queues_first(*, kind: str, limits: dict[QueueKey, int]) -> dict[QueueKey, dict[str, list[int]]]:
    """The first `limit` members of each class of each queue, in class order (SPEC §4): index range
    scans with LIMIT on the kind's partial index; one query for the batch on PostgreSQL."""
    out: dict[QueueKey, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if not limits:
        return out
    if connection.vendor == "postgresql":
        rows = _first_rows_postgresql(kind=kind, limits=limits)
    else:
        rows = (
            (locality_id, year, klass, app_id)
            for (locality_id, year), limit in limits.items()
            for klass in (CLASS_E, CLASS_P, CLASS_G)
            for app_id in queue_members(locality_id=locality_id, birth_year=year, kind=kind)
            .filter(queue_class=klass)
            .order_by("filed_at", "number")
            .values_list("id", flat=True)[:limit]
        )
    for locality_id, year, klass, app_id in rows:
        out[(locality_id, year)][klass].append(app_id)
    return out


def _first_rows_postgresql(*, kind: str, limits: dict[QueueKey, int]) -> Iterable[tuple[int, int, str, int]]:
    table = Application._meta.db_table
    # The predicate repeats the partial index's own (SPEC §4 queue kinds), so the planner uses it.
    extra = {"special": " AND a.wants_special", "sanatorium": " AND a.wants_sanatorium"}.get(kind, "")
    values = ", ".join(["(%s::bigint, %s::integer, %s::integer)"] * len(limits))
    params = [value for (locality_id, year), limit in limits.items() for value in (locality_id, year, limit)]
    sql = (
        f"SELECT v.locality_id, v.birth_year, c.klass, m.id "
        f"FROM (VALUES {values}) AS v(locality_id, birth_year, lim) "
        f"CROSS JOIN (VALUES ('{CLASS_E}'), ('{CLASS_P}'), ('{CLASS_G}')) AS c(klass) "
        f"CROSS JOIN LATERAL (SELECT a.id, a.filed_at, a.number FROM {table} a "
        f"WHERE a.locality_id = v.locality_id AND a.birth_year = v.birth_year AND a.status = 'queued'{extra} "
        f"AND a.queue_class = c.klass ORDER BY a.filed_at, a.number LIMIT v.lim) AS m "
        f"ORDER BY v.locality_id, v.birth_year, c.klass, m.filed_at, m.number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
