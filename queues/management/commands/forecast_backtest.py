"""`manage.py forecast_backtest [--at DATE] [--horizon-days N] [--locality CODE]` (issue 12, item 1):
replay the history to a past date, forecast the wait with only what was recorded before it, compare
with what happened, print the scores per queue and in total, and keep the report for the admin."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audit.context import Actor, acting_as
from core.calendar import ASTANA
from core.moments import parse_date
from queues.forecast_backtest import DEFAULT_HORIZON_DAYS, forecast_backtest
from queues.models import Locality


def _date(value: str) -> dt.datetime:
    try:
        return dt.datetime.combine(parse_date(value), dt.time(0, 0), tzinfo=ASTANA)
    except ValueError as exc:
        raise CommandError(f"--at: not a date YYYY-MM-DD: {value!r}") from exc


def _share(inside: int, checked: int) -> str:
    return f"{inside / checked:.2f}" if checked else "-"


class Command(BaseCommand):
    help = "Back-test the wait forecast: forecast as of a past date and compare with what happened."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", type=_date, default=None, help="the past date (Astana, 00:00) to forecast from; default: now minus the horizon")
        parser.add_argument("--horizon-days", type=int, default=DEFAULT_HORIZON_DAYS, help=f"days after --at that count (default {DEFAULT_HORIZON_DAYS})")
        parser.add_argument("--locality", default=None, help="one locality's code; default: all")

    def handle(self, *args, at: dt.datetime | None, horizon_days: int, locality: str | None, **options) -> None:
        if horizon_days < 1:
            raise CommandError("--horizon-days must be at least 1")
        if locality and not Locality.objects.filter(code=locality).exists():
            raise CommandError(f"--locality: no such locality {locality!r}")
        now = timezone.now()
        if at is not None and at >= now:
            raise CommandError("--at must be in the past")
        with acting_as(Actor(kind="system", label="forecast_backtest")):
            report = forecast_backtest(now=now, at=at, horizon_days=horizon_days, locality_code=locality)
        self.stdout.write(f"as of {report.at:%Y-%m-%d}, outcomes until {report.details['end'][:10]}")
        self.stdout.write("locality  birth_year  queue  waiting  checked  inside_band  share  median_error_days  status")
        for row in report.details["queues"]:
            error = row["median_error_days"]
            self.stdout.write(
                f"{row['locality']}  {row['birth_year']}  {row['kind']}  {row['waiting']}  {row['checked']}  {row['inside']}  "
                f"{_share(row['inside'], row['checked'])}  {'-' if error is None else error}  {row['status']}"
            )
        error = report.median_error_days
        self.stdout.write(
            f"total: checked {report.checked}, inside the 10–90 band {report.inside_band} "
            f"(share {_share(report.inside_band, report.checked)}), median error {'-' if error is None else f'{error:g}'} days"
        )
