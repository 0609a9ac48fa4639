"""Small pieces the public lists share: names in the visitor's language, labels, seat access now."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Expression, F, Q, TextChoices, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

from core.calendar import ASTANA
from core.collation import name_order
from placements.models import Seat

ACCESS_PRIORITY, ACCESS_GENERAL = "priority", "general"


def current_language() -> str:
    """The visitor's language code without a region ("kk", "ru", "en")."""
    return (get_language() or "ru").split("-")[0]


def display_name(name: str, name_kk: str) -> str:
    """Locality / Kindergarten / Group display_name for rows read with values()."""
    return name_kk if name_kk and current_language() == "kk" else name


def display_name_order(name: str, name_kk: str) -> Expression:
    """ORDER BY the name the visitor reads (display_name, in SQL): Kazakh alphabetical and natural
    number order on PostgreSQL (core.collation; issue 11: «№2» before «№11»)."""
    if current_language() == "kk":
        return name_order(Coalesce(NullIf(F(name_kk), Value("")), F(name)))
    return name_order(name)


def choice_label(choices: type[TextChoices], value: str | None) -> str:
    """The translated label of a stored choice (the code itself for an unknown one)."""
    if value is None:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def seat_access_q(access: str, now: dt.datetime, prefix: str = "") -> Q:
    """SPEC §5: a published seat is in priority access until priority_until, general from then on
    (placements.selectors.effective_state, as a filter). `prefix` reaches seats through a relation."""
    priority = Q(**{f"{prefix}state": Seat.State.PRIORITY, f"{prefix}priority_until__gt": now})
    if access == ACCESS_PRIORITY:
        return priority
    general = Q(**{f"{prefix}state": Seat.State.GENERAL}) | Q(**{f"{prefix}state": Seat.State.PRIORITY, f"{prefix}priority_until__lte": now})
    return general


def seat_access_case(now: dt.datetime) -> Case:
    """The access of a published seat now, as a column: 'priority' or 'general' (SPEC §5)."""
    return Case(When(seat_access_q(ACCESS_PRIORITY, now), then=Value(ACCESS_PRIORITY)), default=Value(ACCESS_GENERAL), output_field=CharField())


def local_day_start(day: dt.date) -> dt.datetime:
    """00:00 Astana time of a calendar day: date filters speak local days (SPEC §2)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ASTANA)


def group_languages(language: str) -> tuple[str, ...]:
    """A family looking for Kazakh (or Russian) also finds the groups that teach in both."""
    return (language, "both")


def name_search_q(text: str, *fields: str) -> Q:
    """A case-insensitive substring search on names. PostgreSQL folds Cyrillic case itself; SQLite's
    LIKE folds ASCII only, so the usual spellings of the words are tried as well."""
    text = " ".join(text.split())
    variants = {text, text.lower(), text.upper(), text.capitalize(), text.title()}
    q = Q()
    for field in fields:
        for variant in variants:
            q |= Q(**{f"{field}__icontains": variant})
    return q
