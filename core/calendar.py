"""Working days and time of the academic year (SPEC §1, §2). Pure functions; `now` is passed in."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ASTANA = ZoneInfo("Asia/Almaty")


@lru_cache(maxsize=64)
def _kz_year(year: int) -> holidays.HolidayBase:
    return holidays.KZ(years=year, language="en_US")


@dataclass(frozen=True)
class WorkCalendar:
    """The `holidays` Kazakhstan calendar plus staff overrides; a day in both lists is a day off."""

    days_off: frozenset[dt.date] = field(default_factory=frozenset)
    working_days: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.days_off:
            return False
        if day in self.working_days:
            return True
        # Knows weekends, public holidays, substituted days off and decree-transferred working Saturdays.
        return _kz_year(day.year).is_working_day(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, t: dt.datetime, n: int) -> dt.datetime:
        """SPEC §2: move a non-working start to the next working day, then step n working days."""
        local = t.astimezone(ASTANA)
        day = local.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        for _ in range(n):
            day = self.next_working_day(day)
        return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=ASTANA)


def calendar_load() -> WorkCalendar:
    """The calendar with the overrides staff entered in the admin (one small query)."""
    from core.models import CalendarOverride

    days_off, working = set(), set()
    for day, kind in CalendarOverride.objects.values_list("date", "kind"):
        (days_off if kind == CalendarOverride.Kind.DAY_OFF else working).add(day)
    return WorkCalendar(frozenset(days_off), frozenset(working))


CALENDAR_CACHE_SECONDS = 60.0
_cached: tuple[WorkCalendar, float] | None = None
_unsettled = False  # an override changed in a transaction not yet known to have committed


def calendar_cached() -> WorkCalendar:
    """`calendar_load()` kept in the process, for the hot path (a claim at 07:00 reads no row for it).

    An override saved or deleted in this process drops it at once and again on commit; other
    processes see it within CALENDAR_CACHE_SECONDS (decrees move days weeks ahead). While an
    override change is not known to have committed, nothing is kept. On SQLite (the demo, `simulate`,
    whose overrides are bulk-inserted without signals) every call reads the table."""
    global _cached
    from django.db import connection

    if connection.vendor != "postgresql" or _unsettled:
        return calendar_load()
    cached = _cached
    if cached is not None and time.monotonic() - cached[1] < CALENDAR_CACHE_SECONDS:
        return cached[0]
    calendar = calendar_load()
    if not _unsettled:
        _cached = (calendar, time.monotonic())
    return calendar


def calendar_cache_clear(**_kwargs) -> None:
    """Forget the kept calendar (also after `flush`, which truncates the overrides without signals)."""
    global _cached, _unsettled
    _cached = None
    _unsettled = False


def calendar_overrides_changed(**_kwargs) -> None:
    """Drop the kept calendar; keep none until the change commits. Connected to the override's
    save and delete; call it after changing overrides without signals (bulk_create, update)."""
    global _cached, _unsettled
    from django.db import transaction

    _cached = None
    _unsettled = True
    transaction.on_commit(calendar_cache_clear)


def _signals_connect() -> None:
    from django.db.models.signals import post_delete, post_migrate, post_save

    post_save.connect(calendar_overrides_changed, sender="core.CalendarOverride", dispatch_uid="calendar_cache_save")
    post_delete.connect(calendar_overrides_changed, sender="core.CalendarOverride", dispatch_uid="calendar_cache_delete")
    post_migrate.connect(calendar_cache_clear, dispatch_uid="calendar_cache_flush")


_signals_connect()


def add_working_days(t: dt.datetime, n: int, *, calendar: WorkCalendar | None = None) -> dt.datetime:
    return (calendar or calendar_load()).add_working_days(t, n)


def is_working_day(day: dt.date, *, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or calendar_load()).is_working_day(day)


def local(t: dt.datetime) -> dt.datetime:
    return t.astimezone(ASTANA)


def enrollment_year(t: dt.datetime) -> int:
    """SPEC §1 E(t): the year if on or after 1 June (Astana time), else the year before."""
    day = local(t).date()
    return day.year if day >= dt.date(day.year, 6, 1) else day.year - 1


def reference_date(t: dt.datetime) -> dt.date:
    """SPEC §1 R(t): 1 September of E(t), the day ages are counted on."""
    return dt.date(enrollment_year(t), 9, 1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years: a child is N from its N-th birthday on (29 February birthdays count on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def next_seven_am(t: dt.datetime) -> dt.datetime:
    """The first 07:00 Astana time strictly after t (SPEC §5 open_at)."""
    lt = local(t)
    candidate = lt.replace(hour=7, minute=0, second=0, microsecond=0)
    if candidate <= lt:
        candidate = dt.datetime.combine(lt.date() + dt.timedelta(days=1), dt.time(7, 0), tzinfo=ASTANA)
    return candidate
