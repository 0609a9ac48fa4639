"""The replay clock (SPEC §11): the scheduled work a replay runs between its events.

`simulate` and `load_demo` both move time forward through one `ReplayClock`: before an event at
moment `t`, `advance(t)` runs every scheduled job due in (the last moment reached, t], at its exact
moment, in time order, through the same services the beat calls:

- over-age archival at 00:00 on 1 June (queues, SPEC §3);
- direction expiry at each active direction's `valid_until` (SPEC §7);
- priority → general at each priority seat's `priority_until` (SPEC §5: readers already treat the
  seat as general from that instant; the job only brings the state column up to date);
- the bulletin at 18:00 every day (SPEC §5).

Same moment: archival, expiry, promotion, bulletin; then the event. Time is an argument: the clock
reads no real time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from core.calendar import ASTANA, local
from placements.bulletin import bulletin_publish
from placements.expiry import directions_expire
from placements.models import Bulletin, Direction, Seat
from placements.seats import seats_promote
from queues import services as queues

TICK = dt.timedelta(microseconds=1)


def _next_june_first(after: dt.datetime) -> dt.datetime:
    lt = local(after)
    candidate = dt.datetime(lt.year, 6, 1, tzinfo=ASTANA)
    return candidate if candidate > after else dt.datetime(lt.year + 1, 6, 1, tzinfo=ASTANA)


def _next_six_pm(after: dt.datetime) -> dt.datetime:
    lt = local(after)
    candidate = dt.datetime.combine(lt.date(), dt.time(18, 0), tzinfo=ASTANA)
    return candidate if candidate > after else candidate + dt.timedelta(days=1)


def _due(moment: dt.datetime | None, after: dt.datetime) -> dt.datetime | None:
    """A row's moment; one already past is overdue: it runs now."""
    if moment is not None and moment <= after:
        return after + TICK
    return moment


def _next_expiry() -> dt.datetime | None:
    return Direction.objects.filter(status__in=Direction.ACTIVE_STATUSES).order_by("valid_until").values_list("valid_until", flat=True).first()


def _next_promotion() -> dt.datetime | None:
    return (
        Seat.objects.filter(state=Seat.State.PRIORITY, priority_until__isnull=False).order_by("priority_until").values_list("priority_until", flat=True).first()
    )


class ReplayClock:
    """Scheduled work up to a moment, once each; `on_bulletin` sees every bulletin published."""

    def __init__(self, start: dt.datetime, *, on_bulletin: Callable[[Bulletin], None] | None = None) -> None:
        self.done_upto = start - TICK  # work due at `start` is done
        self.on_bulletin = on_bulletin

    def advance(self, upto: dt.datetime) -> None:
        """Every scheduled moment in (done_upto, upto], in time order."""
        while self.step(upto):
            pass

    def step(self, upto: dt.datetime) -> bool:
        """The next scheduled moment if it is at or before `upto`: its work done, True. Else the
        clock stands at `upto` (all due by then is done), False."""
        after = self.done_upto
        june = _next_june_first(after)
        six = _next_six_pm(after)
        expiry = _due(_next_expiry(), after)
        promotion = _due(_next_promotion(), after)
        moment = min(m for m in (june, six, expiry, promotion) if m is not None)
        if moment > upto:
            self.done_upto = max(after, upto)
            return False
        if moment == june:
            queues.applications_archive_over_age(now=moment)
        if expiry is not None and expiry <= moment:
            directions_expire(now=moment)
        if promotion is not None and promotion <= moment:
            seats_promote(now=moment)
        if moment == six:
            bulletin = bulletin_publish(now=moment)
            if bulletin is not None and self.on_bulletin is not None:
                self.on_bulletin(bulletin)
        self.done_upto = moment
        return True
