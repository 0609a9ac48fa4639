"""Moments and days typed by people (command options, scenario files, imported rows): one reading.

A moment is ISO 8601; a time without an offset is Astana time (SPEC §2, §11). Each caller words
its own refusal: these raise ValueError (TypeError for what is not a string).
"""

from __future__ import annotations

import datetime as dt

from core.calendar import ASTANA


def parse_moment(value: str) -> dt.datetime:
    """ISO 8601 date-time (a date alone is its midnight); without an offset, Astana time."""
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ASTANA)


def parse_date(value: str) -> dt.date:
    """An ISO 8601 day, YYYY-MM-DD."""
    if not isinstance(value, str):
        raise TypeError(f"expected a date string YYYY-MM-DD, got {type(value).__name__}")
    return dt.date.fromisoformat(value)
