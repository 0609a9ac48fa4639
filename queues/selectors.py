"""Reading the queue (SPEC §4): order and positions, set-based, never one query per application."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from queues.models import QUEUE_KIND_ORDER, Application

CLASS_E, CLASS_P, CLASS_G = "extraordinary", "priority", "none"


def interleave_ratio() -> int:
    """SPEC §4 Decision: one priority application after every N general ones (INDIGO_INTERLEAVE).
    Every reader of the ratio asks here: the queue order, the pages, the open data, the bench."""
    return settings.INDIGO_INTERLEAVE


def queue_members(*, locality_id: int, birth_year: int, kind: str) -> QuerySet[Application]:
    """The `queued` applications of one queue (locality, birth year, kind)."""
    qs = Application.objects.filter(locality_id=locality_id, birth_year=birth_year, status=Application.Status.QUEUED)
    if kind == "special":
        qs = qs.filter(wants_special=True)
    elif kind == "sanatorium":
        qs = qs.filter(wants_sanatorium=True)
    return qs


def position_of(*, rank: int, klass: str, n_e: int, n_p: int, n_g: int, ratio: int | None = None) -> int:
    """SPEC §4 closed form: 1-based position of the `rank`-th member of a class."""
    r = ratio or interleave_ratio()
    if klass == CLASS_E:
        return rank
    if klass == CLASS_G:
        return n_e + rank + min((rank - 1) // r, n_p)
    return n_e + rank + min(r * rank, n_g)


def interleave(e: list, p: list, g: list, ratio: int | None = None) -> list:
    """SPEC §4 literal order: all of E, then G G G P G G G P …, then what remains."""
    r = ratio or interleave_ratio()
    out = list(e)
    gi = pi = 0
    while gi < len(g) or pi < len(p):
        take = min(r, len(g) - gi)
        out.extend(g[gi : gi + take])
        gi += take
        if pi < len(p):
            out.append(p[pi])
            pi += 1
        if gi >= len(g):
            out.extend(p[pi:])
            break
    return out


def queue_order(*, locality_id: int, birth_year: int, kind: str) -> list[int]:
    """Application ids of one whole queue in order: one query, one pass. Reads the whole queue, so
    for load_demo, tests and checks only; pages, positions and the bulletin read index ranges."""
    rows = queue_members(locality_id=locality_id, birth_year=birth_year, kind=kind).order_by("filed_at", "number").values_list("id", "queue_class")
    e, p, g = [], [], []
    for app_id, klass in rows:
        (e if klass == CLASS_E else p if klass == CLASS_P else g).append(app_id)
    return interleave(e, p, g)


@dataclass(frozen=True)
class Position:
    kind: str
    position: int
    size: int
    klass: str
    rank: int
    ahead_extraordinary: int
    ahead_priority: int
    ahead_general: int


def queue_class_sizes(*, locality_id: int, birth_year: int, kind: str) -> dict[str, int]:
    """|E|, |P|, |G| of one queue: one index-only count on the kind's partial index."""
    rows = queue_members(locality_id=locality_id, birth_year=birth_year, kind=kind).values("queue_class").annotate(n=Count("*")).order_by()
    sizes = {CLASS_E: 0, CLASS_P: 0, CLASS_G: 0}
    for row in rows:
        sizes[row["queue_class"]] = row["n"]
    return sizes


def application_positions(application: Application) -> dict[str, Position]:
    """Where the application stands in each of its queues, and why: per queue one index-only scan
    of the kind's partial index gives the class sizes and the rank (SPEC §4 closed form)."""
    if application.status != Application.Status.QUEUED:
        return {}
    klass = application.effective_benefit
    before = Q(queue_class=klass) & (Q(filed_at__lt=application.filed_at) | Q(filed_at=application.filed_at, number__lt=application.number))
    r = interleave_ratio()
    out: dict[str, Position] = {}
    for kind in QUEUE_KIND_ORDER:
        if kind not in application.queue_kinds:
            continue
        # Only indexed columns (number is one): PostgreSQL answers from the index (Index Only Scan).
        sizes = {CLASS_E: 0, CLASS_P: 0, CLASS_G: 0}
        ahead_in_class = 0
        rows = (
            queue_members(locality_id=application.locality_id, birth_year=application.birth_year, kind=kind)
            .values("queue_class")
            .annotate(n=Count("*"), ahead=Count("number", filter=before))
            .order_by()
        )
        for row in rows:
            sizes[row["queue_class"]] = row["n"]
            ahead_in_class += row["ahead"]
        n_e, n_p, n_g = sizes[CLASS_E], sizes[CLASS_P], sizes[CLASS_G]
        rank = ahead_in_class + 1
        pos = position_of(rank=rank, klass=klass, n_e=n_e, n_p=n_p, n_g=n_g)
        if klass == CLASS_E:
            ahead = (rank - 1, 0, 0)
        elif klass == CLASS_P:
            ahead = (n_e, rank - 1, min(r * rank, n_g))
        else:
            ahead = (n_e, min((rank - 1) // r, n_p), rank - 1)
        out[kind] = Position(
            kind=kind,
            position=pos,
            size=n_e + n_p + n_g,
            klass=klass,
            rank=rank,
            ahead_extraordinary=ahead[0],
            ahead_priority=ahead[1],
            ahead_general=ahead[2],
        )
    return out


# --- one page of a queue, from the closed form (SPEC §4) -----------------------------------------


def _first_rank_at_or_after(position_for, size: int, target: int) -> int:
    """Smallest rank in 1..size whose position is ≥ target (size + 1 if none): positions of a class
    grow with its rank, so a binary search over the closed form finds it."""
    lo, hi = 1, size + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if position_for(mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


def page_ranks(*, n_e: int, n_p: int, n_g: int, first: int, last: int, ratio: int | None = None) -> dict[str, tuple[int, int]]:
    """The ranks of each class that stand at positions first..last (1-based, inclusive), as
    half-open ranges [from, to) of 1-based ranks, from the closed form of SPEC §4 alone."""
    r = ratio or interleave_ratio()
    out = {}
    for klass, size in ((CLASS_E, n_e), (CLASS_P, n_p), (CLASS_G, n_g)):

        def position_for(rank: int, klass: str = klass) -> int:
            return position_of(rank=rank, klass=klass, n_e=n_e, n_p=n_p, n_g=n_g, ratio=r)

        lo = _first_rank_at_or_after(position_for, size, first)
        hi = _first_rank_at_or_after(position_for, size, last + 1)
        out[klass] = (lo, hi)
    return out


def queue_class_slice(*, locality_id: int, birth_year: int, kind: str, klass: str, offset: int, limit: int) -> QuerySet[Application]:
    """Members of one class of one queue with ranks offset+1 … offset+limit, in class order. The
    ranks are found on the index alone (numbers of that slice), then only those rows are read."""
    numbers = (
        queue_members(locality_id=locality_id, birth_year=birth_year, kind=kind)
        .filter(queue_class=klass)
        .order_by("filed_at", "number")
        .values("number")[offset : offset + limit]
    )
    return Application.objects.filter(number__in=numbers).order_by("filed_at", "number")


def queue_page(
    *, locality_id: int, birth_year: int, kind: str, sizes: dict[str, int], first: int, last: int, fields: tuple[str, ...] = ()
) -> list[tuple[int, Application]]:
    """Positions first..last of one queue as (position, application), reading only those rows:
    which ranks of E, P and G fall there comes from the closed form (SPEC §4)."""
    n_e, n_p, n_g = sizes[CLASS_E], sizes[CLASS_P], sizes[CLASS_G]
    last = min(last, n_e + n_p + n_g)
    if first > last:
        return []
    out: list[tuple[int, Application]] = []
    for klass, (lo, hi) in page_ranks(n_e=n_e, n_p=n_p, n_g=n_g, first=first, last=last).items():
        if hi <= lo:
            continue
        qs = queue_class_slice(locality_id=locality_id, birth_year=birth_year, kind=kind, klass=klass, offset=lo - 1, limit=hi - lo)
        if fields:
            qs = qs.only(*fields)
        for rank, application in enumerate(qs, start=lo):
            out.append((position_of(rank=rank, klass=klass, n_e=n_e, n_p=n_p, n_g=n_g), application))
    out.sort(key=lambda item: item[0])
    return out


def application_timeline(application: Application) -> list:
    """Issue 11, item 6: the audit records about an application and its directions, oldest first.
    Both lookups use the audit trail's (object_type, object_id) index. Records that name many
    applications in their details (a batch archive, an import) are not attached to one and not here."""

    from audit.models import AuditRecord
    from placements.models import Direction

    about = Q(object_type="queues.application", object_id=str(application.pk))
    directions = [str(pk) for pk in Direction.objects.filter(application=application).values_list("pk", flat=True)]
    if directions:
        about |= Q(object_type="placements.direction", object_id__in=directions)
    return list(AuditRecord.objects.filter(about).order_by("at", "id"))
