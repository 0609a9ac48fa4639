"""The numbers of SPEC §5–§7 that seats, the bulletin, claims and directions count with.

Read by the services and by the pages that explain them (the cabinet's extension deadline, the
operator's publication time), so they live apart from both."""

from __future__ import annotations

import datetime as dt

BULLETIN_HOUR = 18  # SPEC §5: every day at 18:00 (indigo/celery.py), weekends and holidays too
PRIORITY_WORKING_DAYS = 3  # SPEC §5: priority_until = add_working_days(open_at, 3)
DIRECTION_WORKING_DAYS = 5  # SPEC §7: valid_until = add_working_days(t, 5)
EXTENSION_WINDOW_WORKING_DAYS = 4  # SPEC §7: extend while t < add_working_days(issued_at, 4)
EXTENSION_DAYS = 30  # SPEC §7: an extended direction is valid until its issue date + 30 days
REMIND_BEFORE = dt.timedelta(hours=24)  # SPEC §9: "direction expires tomorrow", 24 hours before
