"""The wait forecast (issue 12, item 1) on `simulate`-generated history with known answers.

The history is a SPEC §11 scenario replayed through the real services: one queue (Temirtau, born
2022, general), every child filed on 2 January 2023, and every Monday at 10:00 a release (in turn among 24 groups) whose size
alternates between two values — 1 and 3 seats (2 a week on average) outside summer, 5 and 7 (6 a week)
in summer weeks (June–August). The 18:00 bulletin grants them to the first families of the queue, who
claim at 08:00 on Tuesday (the seats open at 07:00) and are enrolled at 09:00. So priority access
reaches exactly 2 places a week in the rest of the year and 6 in summer, on average: place P is
reached when the cumulative releases since `now` first reach P, which the test counts by hand below.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from core.calendar import ASTANA
from core.iin import iin_build
from queues import forecast
from queues.forecast_backtest import forecast_backtest, queue_as_of
from queues.models import Application, ForecastReport, Locality
from replay.simulation import scenario_run
from tests.numbers import numbers_restart

START = dt.datetime(2023, 1, 1, tzinfo=ASTANA)
FILED = dt.datetime(2023, 1, 2, 9, 0, tzinfo=ASTANA)
REST, SUMMER = (1, 3), (5, 7)
GROUPS = 24


def _season(monday: dt.date) -> str:
    return "summer" if (monday + dt.timedelta(days=3)).month in (6, 7, 8) else "rest"


def _release_sizes(first_monday: dt.date, last_monday: dt.date) -> list[tuple[dt.date, int]]:
    """Every Monday's release: alternating sizes within a season (known by hand, not by the model)."""
    out, monday, turn = [], first_monday, 0
    while monday <= last_monday:
        sizes = SUMMER if _season(monday) == "summer" else REST
        out.append((monday, sizes[turn % 2]))
        turn += 1
        monday += dt.timedelta(weeks=1)
    return out


def history_scenario(*, until: dt.datetime, families: int, first_monday: dt.date = dt.date(2023, 1, 2)) -> dict:
    events: list[dict] = []
    for n in range(families):
        birth = dt.date(2022, 1, 1) + dt.timedelta(days=n % 300)
        events.append(
            {
                "at": (FILED + dt.timedelta(seconds=n)).isoformat(),
                "type": "apply",
                "ref": f"A{n + 1}",
                "child_iin": iin_build(birth, serial=(n * 10) % 10000),
                "locality": "temirtau",
                "birth_date": birth.isoformat(),
            }
        )
    last_monday = (until - dt.timedelta(days=2)).date()
    next_family = 1
    for week, (monday, count) in enumerate(_release_sizes(first_monday, last_monday)):
        at = dt.datetime.combine(monday, dt.time(10, 0), tzinfo=ASTANA)
        events.append({"at": at.isoformat(), "type": "release", "ref": f"R{week}", "group": f"g{week % GROUPS}", "birth_year": 2022, "count": count})
        tuesday = at + dt.timedelta(days=1)
        takers = [f"A{i}" for i in range(next_family, min(next_family + count, families + 1))]
        next_family += len(takers)
        for ref in takers:
            events.append({"at": (tuesday - dt.timedelta(hours=2)).isoformat(), "type": "claim", "application": ref, "group": f"g{week % GROUPS}"})
        for ref in takers:
            events.append({"at": (tuesday - dt.timedelta(hours=1)).isoformat(), "type": "enroll", "application": ref})
    events.sort(key=lambda e: e["at"])  # stable: claims before enrolments of the same Tuesday
    return {
        "start": START.isoformat(),
        "until": until.isoformat(),
        "localities": [{"code": "temirtau", "name": "Темиртау", "name_kk": "Теміртау"}],
        "kindergartens": [
            {
                "code": "arman",
                "name": "Арман",
                "locality": "temirtau",
                # a group holds 25 children (capacity): the releases go round enough groups
                "groups": [{"code": f"g{i}", "age_from": 0, "age_to": 7, "language": "kk", "kind": "general"} for i in range(GROUPS)],
            }
        ],
        "events": events,
    }


def _replay(until: dt.datetime, families: int) -> Locality:
    numbers_restart()
    output = scenario_run(history_scenario(until=until, families=families))
    assert all(e["ok"] for e in output["events"]), [e for e in output["events"] if not e["ok"]][:3]
    return Locality.objects.get(code="temirtau")


def _weeks_to_reach(position: int, now: dt.datetime) -> tuple[float, float]:
    """By hand: the fewest and the most weeks after `now` until the releases add up to `position`,
    whichever of the two alternating sizes a season starts with (the model cannot know the turn)."""
    results = []
    for start_turn in (0, 1):
        total, k, turn = 0, 0, start_turn
        while total < position:
            k += 1
            monday = (now + dt.timedelta(weeks=k - 1, days=3)).date()
            sizes = SUMMER if _season(monday - dt.timedelta(days=monday.weekday())) == "summer" else REST
            total += sizes[turn % 2]
            turn += 1
        results.append(k)
    return min(results), max(results)


NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=ASTANA)  # a Saturday; two summers behind, one ahead


@pytest.fixture
def two_years(db) -> Locality:
    return _replay(NOW, families=420)


def test_constant_pace_gives_the_known_wait_and_a_band_around_it(two_years: Locality):
    for position in (10, 24, 40, 70):
        result = forecast.position_forecast(locality_id=two_years.pk, birth_year=2022, kind="general", position=position, now=NOW)
        assert result.status == forecast.STATUS_OK
        fewest, most = _weeks_to_reach(position, NOW)
        truth_early = (NOW + dt.timedelta(weeks=fewest - 1)).date()
        truth_late = (NOW + dt.timedelta(weeks=most)).date()
        # the median within two weeks of the hand-counted week; the band holds that week
        assert truth_early - dt.timedelta(weeks=2) <= result.median <= truth_late + dt.timedelta(weeks=2), (position, result)
        assert result.early <= truth_late and truth_early <= result.late, (position, result)
        assert result.early <= result.median <= result.late
    # 10 places at 2 a week outside summer: 5 weeks after 1 March 2025 — early April
    ten = forecast.position_forecast(locality_id=two_years.pk, birth_year=2022, kind="general", position=10, now=NOW)
    assert ten.median.month in (3, 4) and ten.median.year == 2025
    # 70 places: 13 weeks to June bring ~26, then ~6 a week: about 7–8 more weeks, in July
    seventy = forecast.position_forecast(locality_id=two_years.pk, birth_year=2022, kind="general", position=70, now=NOW)
    assert seventy.median.month == 7 and seventy.median.year == 2025


def test_forecast_is_computed_once_per_queue_and_positions_only_look_up(two_years: Locality, django_assert_max_num_queries):
    forecast.queue_forecast(locality_id=two_years.pk, birth_year=2022, kind="general", now=NOW)
    with django_assert_max_num_queries(0):
        for position in range(1, 200):
            forecast.position_forecast(locality_id=two_years.pk, birth_year=2022, kind="general", position=position, now=NOW)


def test_words_in_kazakh_russian_and_english():
    # The months come from Django's own kk and ru catalogs; the sentences around them from ours.
    result = forecast.WaitForecast(forecast.STATUS_OK, dt.date(2027, 3, 2), dt.date(2027, 4, 20), dt.date(2027, 6, 28))
    with translation.override("en"):
        assert result.words == "Priority access is most likely to reach this place between March and June 2027, around April 2027."
    with translation.override("ru"):
        words = result.words
        assert "март" in words and "июнь 2027" in words and "апрель 2027" in words, words
    with translation.override("kk"):
        words = result.words
        assert "наурыз" in words and "маусым" in words and "сәуір" in words and "2027" in words, words
        assert "March" not in words and "март" not in words
    across = forecast.WaitForecast(forecast.STATUS_OK, dt.date(2026, 11, 2), dt.date(2027, 1, 10), dt.date(2027, 2, 20))
    with translation.override("en"):
        assert "between November 2026 and February 2027" in across.words
    too_little = forecast.WaitForecast(forecast.STATUS_TOO_LITTLE_HISTORY)
    with translation.override("en"):
        assert "too little history" in too_little.words


@pytest.mark.django_db
def test_too_little_history_gives_no_dates():
    # eight weeks of the same pace, in winter only: no summer yet, so no forecast
    until = dt.datetime(2023, 3, 1, 12, 0, tzinfo=ASTANA)
    locality = _replay(until, families=60)
    result = forecast.position_forecast(locality_id=locality.pk, birth_year=2022, kind="general", position=5, now=until)
    assert result.status == forecast.STATUS_TOO_LITTLE_HISTORY
    assert result.early is None and result.median is None and result.late is None
    with translation.override("en"):
        assert "too little history" in result.words
    empty = forecast.position_forecast(locality_id=locality.pk, birth_year=2021, kind="general", position=1, now=until)
    assert empty.status == forecast.STATUS_TOO_LITTLE_HISTORY


def test_the_queue_is_rebuilt_as_it_stood_at_a_past_date(two_years: Locality):
    # By hand: Mondays from 2 Jan 2023 to 27 Nov 2023 released 48 weeks; until the summer weeks
    # (Thursday in June–August) they alternate 1, 3, then 5, 7, then 1, 3 again.
    at = dt.datetime(2023, 12, 1, tzinfo=ASTANA)
    reached = sum(count for _, count in _release_sizes(dt.date(2023, 1, 2), dt.date(2023, 11, 27)))
    order = queue_as_of(locality_id=two_years.pk, birth_year=2022, kind="general", at=at)
    first = Application.objects.get(pk=order[0])
    assert first.number == reached + 1
    assert len(order) == 420 - reached


def test_backtest_holds_most_actual_dates_inside_the_band(two_years: Locality, capsys):
    at = dt.datetime(2024, 3, 1, tzinfo=ASTANA)
    report = forecast_backtest(now=NOW, at=at, horizon_days=300)
    print(f"back-test: checked {report.checked}, inside {report.inside_band}, coverage {report.coverage:.2f}, median error {report.median_error_days} days")
    assert report.checked >= 100
    assert report.coverage >= 0.6
    assert report.median_error_days <= 14
    (row,) = report.details["queues"]
    assert row["locality"] == "temirtau" and row["birth_year"] == 2022 and row["status"] == "ok"
    assert ForecastReport.objects.latest("created_at") == report


def test_backtest_command_prints_the_scores_and_keeps_the_report(two_years: Locality, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    out = io.StringIO()
    call_command("forecast_backtest", "--at", "2024-09-01", "--horizon-days", "120", "--locality", "temirtau", stdout=out)
    text = out.getvalue()
    assert "temirtau  2022  general" in text
    assert "total: checked" in text
    report = ForecastReport.objects.get()
    assert report.locality_code == "temirtau" and report.horizon_days == 120 and report.checked > 0
