"""Reading the queue (SPEC §4): order and positions, set-based, never one query per application."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When

from queues.models import QUEUE_KIND_ORDER, Application

CLASS_E, CLASS_P, CLASS_G = "extraordinary", "priority", "none"


def _interleave() -> int:
    return settings.INDIGO_INTERLEAVE


def queue_members(*, locality_id: int, birth_year: int, kind: str) -> QuerySet[Application]:
    """The `queued` applications of one queue (locality, birth year, kind)."""
    qs = Application.objects.filter(locality_id=locality_id, birth_year=birth_year, status=Application.Status.QUEUED)
    if kind == "special":
        qs = qs.filter(wants_special=True)
    elif kind == "sanatorium":
        qs = qs.filter(wants_sanatorium=True)
    return qs


def _effective_class():
    """SPEC §3: a rejected benefit counts as none."""
    return Case(When(benefit_status="rejected", then=Value(CLASS_G)), default=F("benefit"), output_field=CharField())


def position_of(*, rank: int, klass: str, n_e: int, n_p: int, n_g: int, ratio: int | None = None) -> int:
    """SPEC §4 closed form: 1-based position of the `rank`-th member of a class."""
    r = ratio or _interleave()
    if klass == CLASS_E:
        return rank
    if klass == CLASS_G:
        return n_e + rank + min((rank - 1) // r, n_p)
    return n_e + rank + min(r * rank, n_g)


def interleave(e: list, p: list, g: list, ratio: int | None = None) -> list:
    """SPEC §4 literal order: all of E, then G G G P G G G P …, then what remains."""
    r = ratio or _interleave()
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
    """Application ids of one queue in order: one query, one pass."""
    rows = (
        queue_members(locality_id=locality_id, birth_year=birth_year, kind=kind)
        .annotate(klass=_effective_class())
        .order_by("filed_at", "number")
        .values_list("id", "klass")
    )
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


def application_positions(application: Application) -> dict[str, Position]:
    """Where the application stands in each of its queues, and why (one aggregate query per queue)."""
    if application.status != Application.Status.QUEUED:
        return {}
    klass = application.effective_benefit
    before = Q(filed_at__lt=application.filed_at) | Q(filed_at=application.filed_at, number__lt=application.number)
    out: dict[str, Position] = {}
    for kind in QUEUE_KIND_ORDER:
        if kind not in application.queue_kinds:
            continue
        agg = (
            queue_members(locality_id=application.locality_id, birth_year=application.birth_year, kind=kind)
            .annotate(klass=_effective_class())
            .aggregate(
                n_e=Count("id", filter=Q(klass=CLASS_E)),
                n_p=Count("id", filter=Q(klass=CLASS_P)),
                n_g=Count("id", filter=Q(klass=CLASS_G)),
                rank=Count("id", filter=Q(klass=klass) & before),
            )
        )
        rank = agg["rank"] + 1
        pos = position_of(rank=rank, klass=klass, n_e=agg["n_e"], n_p=agg["n_p"], n_g=agg["n_g"])
        r = _interleave()
        if klass == CLASS_E:
            ahead = (rank - 1, 0, 0)
        elif klass == CLASS_P:
            ahead = (agg["n_e"], rank - 1, min(r * rank, agg["n_g"]))
        else:
            ahead = (agg["n_e"], min((rank - 1) // r, agg["n_p"]), rank - 1)
        out[kind] = Position(
            kind=kind,
            position=pos,
            size=agg["n_e"] + agg["n_p"] + agg["n_g"],
            klass=klass,
            rank=rank,
            ahead_extraordinary=ahead[0],
            ahead_priority=ahead[1],
            ahead_general=ahead[2],
        )
    return out
