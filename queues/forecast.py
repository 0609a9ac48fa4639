"""A forecast of the wait (issue 12, item 1): when priority access (SPEC §6) will most likely reach a
place in a queue (SPEC §4), with a 10–90 % band, from how fast the queue moved in the past.

The model, simple on purpose:
- A queue's *throughput* in a week is the number of its applications that priority access reached for
  the first time in that week: their first grant in the queue (SPEC §6, counted from its `from`), or a
  direction to a seat of the queue if that came first (SPEC §7). A family that lets a grant pass keeps
  its place, so repeated grants to it are not movement.
- Weeks are split into two seasons: summer (June–August, the campaign when most seats are released)
  and the rest of the year. Each season's weekly throughputs over the last three years of the queue's
  history (from its first reached application, whole weeks before `now`) are an empirical distribution.
- Forward from `now`, each future week draws a throughput from its season's distribution (a bootstrap,
  `DRAWS` paths, seeded by the queue so the same data gives the same answer). Place P is reached in
  the first week in which the cumulative throughput is at least P: for each week the 10th, 50th and
  90th percentile paths are kept, and a place only looks its week up in them (one computation per
  queue, cached an hour; never one per application in a list).
- Too little history (fewer than `MIN_WEEKS_WITH_DATA` weeks in which anyone was reached, or no summer
  or no other week in the history): no dates, and the page says so.

`forecast_backtest` (queues/forecast_backtest.py) replays the history to a past date and scores this.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Min
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from core.calendar import ASTANA, local

SUMMER_MONTHS = frozenset({6, 7, 8})
HISTORY_WEEKS = 3 * 52 + 1  # "the last N years available": three
MIN_WEEKS_WITH_DATA = 8
DRAWS = 500
HORIZON_WEEKS = 5 * 52 + 1  # a child waits at most until school age
QUANTILES = (0.1, 0.5, 0.9)
CACHE_SECONDS = 3600
CACHE_VERSION = 1

STATUS_OK = "ok"
STATUS_TOO_LITTLE_HISTORY = "too_little_history"
STATUS_BEYOND_HORIZON = "beyond_horizon"

WEEK = dt.timedelta(weeks=1)


def season_of(day: dt.date) -> str:
    return "summer" if day.month in SUMMER_MONTHS else "rest"


def _week_season(week_start: dt.datetime) -> str:
    """A week's season is its middle day's (a week across 1 June counts where most of it lies)."""
    return season_of(local(week_start + dt.timedelta(days=3, hours=12)).date())


# --- history -------------------------------------------------------------------------------------


def queue_reach_times(*, locality_id: int, birth_year: int, kind: str, before: dt.datetime | None = None) -> dict[int, dt.datetime]:
    """Application id → the first moment priority access reached it in this queue: its first grant's
    `from` (SPEC §6) or its first direction to a seat of the queue's kind (SPEC §7), whichever came
    first. With `before`, only what was recorded before that moment (a grant is recorded at its
    bulletin's publication): what a forecast made then could know."""
    from placements.models import Direction, Grant

    grants = Grant.objects.filter(kind=kind, application__locality_id=locality_id, application__birth_year=birth_year)
    directions = Direction.objects.filter(seat__group__kind=kind, application__locality_id=locality_id, application__birth_year=birth_year)
    if before is not None:
        grants = grants.filter(bulletin__published_at__lt=before)
        directions = directions.filter(issued_at__lt=before)
    reached: dict[int, dt.datetime] = {}
    for rows in (
        grants.values("application_id").annotate(first=Min("from_at")).order_by().values_list("application_id", "first"),
        directions.values("application_id").annotate(first=Min("issued_at")).order_by().values_list("application_id", "first"),
    ):
        for application_id, first in rows:
            if application_id not in reached or first < reached[application_id]:
                reached[application_id] = first
    return reached


@dataclass(frozen=True)
class History:
    """Weekly throughputs per season, from the queue's first reached application to `now`."""

    summer: tuple[int, ...]
    rest: tuple[int, ...]

    @property
    def weeks(self) -> int:
        return len(self.summer) + len(self.rest)

    @property
    def weeks_with_data(self) -> int:
        return sum(1 for n in self.summer + self.rest if n > 0)

    @property
    def enough(self) -> bool:
        return self.weeks_with_data >= MIN_WEEKS_WITH_DATA and bool(self.summer) and bool(self.rest)


def queue_history(*, locality_id: int, birth_year: int, kind: str, now: dt.datetime) -> History:
    """Whole calendar weeks (Monday to Monday, Astana time) that ended by `now`, the last three years
    at most, from the week of the queue's first reached application."""

    reached = [t for t in queue_reach_times(locality_id=locality_id, birth_year=birth_year, kind=kind, before=now).values() if t < now]
    if not reached:
        return History((), ())
    first_monday = _calendar_monday(min(reached))
    last_monday = _calendar_monday(now)  # the week of `now` is not over: not counted
    first_monday = max(first_monday, last_monday - dt.timedelta(weeks=HISTORY_WEEKS))
    counts: dict[dt.date, int] = {}
    for moment in reached:
        monday = _calendar_monday(moment)
        if first_monday <= monday < last_monday:
            counts[monday] = counts.get(monday, 0) + 1
    summer, rest = [], []
    monday = first_monday
    while monday < last_monday:
        start = dt.datetime.combine(monday, dt.time(0, 0), tzinfo=ASTANA)
        (summer if _week_season(start) == "summer" else rest).append(counts.get(monday, 0))
        monday += dt.timedelta(weeks=1)
    return History(tuple(summer), tuple(rest))


def _calendar_monday(moment: dt.datetime) -> dt.date:
    day = local(moment).date()
    return day - dt.timedelta(days=day.weekday())


# --- the bootstrap -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueForecast:
    """One queue's forecast from `origin`: for each quantile q, `paths[q][k]` is the cumulative
    throughput after k + 1 weeks such that place P is reached by week k + 1 with probability ≥ q
    exactly when `paths[q][k] ≥ P`."""

    status: str
    origin: dt.datetime
    weeks: int
    weeks_with_data: int
    paths: dict[float, tuple[int, ...]]


def _bootstrap(history: History, *, origin: dt.datetime, seed: str) -> dict[float, tuple[int, ...]]:
    rng = random.Random(seed)
    pools = {"summer": history.summer, "rest": history.rest}
    seasons = [_week_season(origin + k * WEEK) for k in range(HORIZON_WEEKS)]
    # columns[k] collects the cumulative throughput after week k + 1 of every draw
    columns: list[list[int]] = [[0] * DRAWS for _ in range(HORIZON_WEEKS)]
    for d in range(DRAWS):
        total = 0
        for k, season in enumerate(seasons):
            total += rng.choice(pools[season])
            columns[k][d] = total
    paths: dict[float, list[int]] = {q: [] for q in QUANTILES}
    for column in columns:
        column.sort()
        for q in QUANTILES:
            # P(C ≥ P) ≥ q ⇔ at least ceil(q·n) draws reach P ⇔ the (n − ceil(q·n))-th smallest does
            paths[q].append(column[DRAWS - math.ceil(q * DRAWS)])
    return {q: tuple(values) for q, values in paths.items()}


def queue_forecast(*, locality_id: int, birth_year: int, kind: str, now: dt.datetime) -> QueueForecast:
    """The queue's forecast at `now`, computed once an hour per queue (the cache)."""
    key = f"queue-forecast:v{CACHE_VERSION}:{locality_id}:{birth_year}:{kind}:{int(now.timestamp() // CACHE_SECONDS)}"
    found = cache.get(key)
    if found is not None:
        return found
    history = queue_history(locality_id=locality_id, birth_year=birth_year, kind=kind, now=now)
    if not history.enough:
        result = QueueForecast(STATUS_TOO_LITTLE_HISTORY, now, history.weeks, history.weeks_with_data, {})
    else:
        paths = _bootstrap(history, origin=now, seed=f"{locality_id}:{birth_year}:{kind}")
        result = QueueForecast(STATUS_OK, now, history.weeks, history.weeks_with_data, paths)
    cache.set(key, result, CACHE_SECONDS)
    return result


# --- one place -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitForecast:
    """When priority access most likely reaches one place: `early`–`late` is the 10–90 % band (whole
    weeks, the model's resolution; `late` None when the pace of the past gives no bound within five
    years), `median` the middle estimate."""

    status: str
    early: dt.date | None = None
    median: dt.date | None = None
    late: dt.date | None = None

    @property
    def words(self) -> str:
        return forecast_words(self)

    @property
    def has_dates(self) -> bool:
        return self.status == STATUS_OK


def _first_week(path: tuple[int, ...], position: int) -> int | None:
    """1-based week in which the path first reaches `position`, None beyond the horizon."""
    lo, hi = 0, len(path)
    while lo < hi:  # paths never decrease
        mid = (lo + hi) // 2
        if path[mid] >= position:
            hi = mid
        else:
            lo = mid + 1
    return lo + 1 if lo < len(path) else None


def place_forecast(forecast: QueueForecast, position: int) -> WaitForecast:
    """Only looks `position` up in the queue's percentile paths: cheap for every place of a list."""
    if forecast.status != STATUS_OK:
        return WaitForecast(forecast.status)
    early_week = _first_week(forecast.paths[0.1], position)
    median_week = _first_week(forecast.paths[0.5], position)
    late_week = _first_week(forecast.paths[0.9], position)
    if early_week is None or median_week is None:
        return WaitForecast(STATUS_BEYOND_HORIZON)
    origin = forecast.origin
    path = forecast.paths[0.5]
    before = path[median_week - 2] if median_week >= 2 else 0
    within = (position - before) / max(1, path[median_week - 1] - before)  # where in its week
    return WaitForecast(
        STATUS_OK,
        early=local(origin + (early_week - 1) * WEEK).date(),
        median=local(origin + (median_week - 1 + within) * WEEK).date(),
        late=local(origin + late_week * WEEK).date() if late_week is not None else None,
    )


def position_forecast(*, locality_id: int, birth_year: int, kind: str, position: int, now: dt.datetime) -> WaitForecast:
    return place_forecast(queue_forecast(locality_id=locality_id, birth_year=birth_year, kind=kind, now=now), position)


def application_forecasts(*, application, positions: dict, now: dt.datetime) -> dict[str, WaitForecast]:
    """Queue kind → forecast for each place in `positions` (queues.selectors.application_positions)."""
    return {
        kind: position_forecast(locality_id=application.locality_id, birth_year=application.birth_year, kind=kind, position=p.position, now=now)
        for kind, p in positions.items()
    }


# --- words ---------------------------------------------------------------------------------------


def _month(day: dt.date) -> str:
    """The month's name in the page's language, nominative (Django's `F`); lower case inside a
    Kazakh or Russian sentence, as those languages write month names."""
    name = date_format(day, "F")
    return name if (translation.get_language() or "en").startswith("en") else name.lower()


def month_words(day: dt.date) -> str:
    # Translators: a month and its year; Kazakh puts the year first ("2027 жылғы сәуір").
    return pgettext("forecast month", "%(month)s %(year)s") % {"month": _month(day), "year": day.year}


def period_words(early: dt.date, late: dt.date) -> str:
    if early.year == late.year:
        # Translators: two months of one year, "between March and June 2027".
        return pgettext("forecast period in one year", "between %(first)s and %(last)s %(year)s") % {
            "first": _month(early),
            "last": _month(late),
            "year": early.year,
        }
    # Translators: two months with their years, "between November 2026 and February 2027".
    return pgettext("forecast period over years", "between %(first)s and %(last)s") % {"first": month_words(early), "last": month_words(late)}


def forecast_words(forecast: WaitForecast) -> str:
    """The forecast in one sentence, in the active language (issue 12: "most likely between March and
    June 2027", around the median month)."""
    if forecast.status == STATUS_TOO_LITTLE_HISTORY:
        return gettext(
            "There is too little history in this queue to forecast the wait yet: a forecast needs two months or more "
            "of seats handed out in this queue, a summer campaign included."
        )
    if forecast.status == STATUS_BEYOND_HORIZON:
        return gettext("At the pace of past years, priority access is not expected to reach this place within the next five years.")
    assert forecast.early and forecast.median
    if forecast.late is None:
        return gettext("Priority access is unlikely to reach this place before %(month)s; the pace of past years gives no later date.") % {
            "month": month_words(forecast.early)
        }
    if (forecast.early.year, forecast.early.month) == (forecast.late.year, forecast.late.month):
        return gettext("Priority access is most likely to reach this place in %(month)s.") % {"month": month_words(forecast.median)}
    return gettext("Priority access is most likely to reach this place %(period)s, around %(median)s.") % {
        "period": period_words(forecast.early, forecast.late),
        "median": month_words(forecast.median),
    }
