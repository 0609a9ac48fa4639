"""Back-test of the wait forecast (issue 12, item 1): go back to a past moment `at`, rebuild the queues
as they stood then (SPEC §4), forecast with only the data recorded before `at` (queues/forecast.py),
and compare with when priority access actually reached each application (its first grant's `from`,
or a direction to a seat of the queue if that came first).

Scoring, per queue and in total:
- checked: applications with a forecast whose outcome is known by `at + horizon` (or by `now`, if
  earlier): reached by then, or still waiting after a band that had already closed (a miss);
- inside: the actual date lies in the band [early, late];
- median absolute error in days, of the median date against the actual date (reached ones only).
Applications still waiting with the band still open, and those that left the queue unreached
(withdrawn, archived, directed elsewhere), are not scored; "too little history" queues are listed.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from audit.services import audit_record
from core.calendar import local
from queues import forecast
from queues.models import QUEUE_KIND_ORDER, Application, ForecastReport, Locality
from queues.selectors import CLASS_E, CLASS_P, interleave

DEFAULT_HORIZON_DAYS = 365


@dataclass
class QueueScore:
    locality: str
    birth_year: int
    kind: str
    status: str = forecast.STATUS_OK
    waiting: int = 0  # applications in the queue at `at`
    checked: int = 0
    inside: int = 0
    errors: list[int] = field(default_factory=list)
    open_outcome: int = 0  # still waiting, band not closed yet
    left: int = 0  # left the queue unreached

    def as_dict(self) -> dict:
        return {
            "locality": self.locality,
            "birth_year": self.birth_year,
            "kind": self.kind,
            "status": self.status,
            "waiting": self.waiting,
            "checked": self.checked,
            "inside": self.inside,
            "coverage": round(self.inside / self.checked, 3) if self.checked else None,
            "median_error_days": statistics.median(self.errors) if self.errors else None,
            "open_outcome": self.open_outcome,
            "left": self.left,
        }


def queue_as_of(*, locality_id: int, birth_year: int, kind: str, at: dt.datetime) -> list[int]:
    """Application ids of one queue in its SPEC §4 order as it stood at `at`, rebuilt from the
    record: filed before `at`, not yet reached in this queue, holding no direction at `at`, and not
    withdrawn, archived or enrolled by then. The class is today's (a benefit rejected later counted
    as claimed at `at`: a small difference the back-test accepts)."""
    from placements.models import Direction

    members = Application.objects.filter(locality_id=locality_id, birth_year=birth_year, filed_at__lt=at)
    if kind == "special":
        members = members.filter(wants_special=True)
    elif kind == "sanatorium":
        members = members.filter(wants_sanatorium=True)
    members = members.exclude(status__in=["withdrawn", "archived", "enrolled"], status_changed_at__lte=at)
    reached = forecast.queue_reach_times(locality_id=locality_id, birth_year=birth_year, kind=kind, before=at)
    directed = set(
        Direction.objects.filter(application__locality_id=locality_id, application__birth_year=birth_year, issued_at__lt=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .values_list("application_id", flat=True)
    )
    e, p, g = [], [], []
    for app_id, klass in members.order_by("filed_at", "number").values_list("id", "queue_class"):
        if app_id in reached or app_id in directed:
            continue
        (e if klass == CLASS_E else p if klass == CLASS_P else g).append(app_id)
    return interleave(e, p, g)


def _queues(locality_code: str | None) -> list[tuple[int, str, int, str]]:
    """(locality id, code, birth year, kind) of every queue that ever had an application."""
    applications = Application.objects.all()
    if locality_code:
        applications = applications.filter(locality__code=locality_code)
    out = []
    codes = dict(Locality.objects.values_list("id", "code"))
    for locality_id, birth_year, special, sanatorium in (
        applications.values_list("locality_id", "birth_year", "wants_special", "wants_sanatorium").distinct().order_by()
    ):
        out.append((locality_id, codes[locality_id], birth_year, "general"))
        if special:
            out.append((locality_id, codes[locality_id], birth_year, "special"))
        if sanatorium:
            out.append((locality_id, codes[locality_id], birth_year, "sanatorium"))
    rank = {k: i for i, k in enumerate(QUEUE_KIND_ORDER)}
    return sorted(set(out), key=lambda q: (q[1], q[2], rank[q[3]]))


def _score_queue(score: QueueScore, *, locality_id: int, at: dt.datetime, end: dt.datetime) -> None:
    order = queue_as_of(locality_id=locality_id, birth_year=score.birth_year, kind=score.kind, at=at)
    score.waiting = len(order)
    if not order:
        return
    queue = forecast.queue_forecast(locality_id=locality_id, birth_year=score.birth_year, kind=score.kind, now=at)
    if queue.status != forecast.STATUS_OK:
        score.status = queue.status
        return
    actual = forecast.queue_reach_times(locality_id=locality_id, birth_year=score.birth_year, kind=score.kind)
    still_queued = set(Application.objects.filter(pk__in=order, status=Application.Status.QUEUED).values_list("pk", flat=True))
    changed = dict(Application.objects.filter(pk__in=order).values_list("pk", "status_changed_at"))
    end_day = local(end).date()
    for position, app_id in enumerate(order, start=1):
        predicted = forecast.place_forecast(queue, position)
        reached = actual.get(app_id)
        if reached is not None and reached <= end:
            day = local(reached).date()
            score.checked += 1
            if predicted.status == forecast.STATUS_OK:
                assert predicted.early and predicted.median
                if predicted.early <= day and (predicted.late is None or day <= predicted.late):
                    score.inside += 1
                score.errors.append(abs((day - predicted.median).days))
            continue
        waiting_at_end = app_id in still_queued or (changed.get(app_id) is not None and changed[app_id] > end)
        if not waiting_at_end:
            score.left += 1
        elif predicted.status == forecast.STATUS_OK and predicted.late is not None and predicted.late < end_day:
            score.checked += 1  # the band closed, and priority access had still not come: a miss
        else:
            score.open_outcome += 1


def forecast_backtest(
    *, now: dt.datetime, at: dt.datetime | None = None, horizon_days: int = DEFAULT_HORIZON_DAYS, locality_code: str | None = None
) -> ForecastReport:
    """Replay to `at` (default: `horizon_days` before `now`), score every queue, save the report."""
    at = at or now - dt.timedelta(days=horizon_days)
    end = min(at + dt.timedelta(days=horizon_days), now)
    scores = []
    for locality_id, code, birth_year, kind in _queues(locality_code):
        score = QueueScore(code, birth_year, kind)
        _score_queue(score, locality_id=locality_id, at=at, end=end)
        if score.waiting:
            scores.append(score)
    checked = sum(s.checked for s in scores)
    inside = sum(s.inside for s in scores)
    errors = [e for s in scores for e in s.errors]
    with transaction.atomic():
        report = ForecastReport.objects.create(
            created_at=now,
            at=at,
            horizon_days=horizon_days,
            locality_code=locality_code or "",
            checked=checked,
            inside_band=inside,
            median_error_days=statistics.median(errors) if errors else None,
            details={
                "end": end.isoformat(),
                "queues": [s.as_dict() for s in scores],
                "model": {"draws": forecast.DRAWS, "quantiles": list(forecast.QUANTILES), "min_weeks_with_data": forecast.MIN_WEEKS_WITH_DATA},
            },
        )
        audit_record(
            action="forecast.backtest",
            obj=report,
            now=now,
            details={"at": at.isoformat(), "horizon_days": horizon_days, "checked": checked, "inside_band": inside},
        )
    return report
