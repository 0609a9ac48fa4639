"""The directions protocol (SPEC §8): every direction issued, newest first, the child masked."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet

from opendata.listing import QuerysetListing, Row
from opendata.selectors.common import choice_label, current_language, group_languages, name_search_q
from placements.models import Direction, Group

COLUMNS = (
    "number",
    "issued_at",
    "valid_until",
    "child",
    "locality",
    "kindergarten_code",
    "kindergarten",
    "group_code",
    "group",
    "age_from",
    "age_to",
    "language",
    "language_name",
    "status",
    "status_name",
)

# Only what the protocol shows is read: the child's IIN, birth date and the applicant never leave the database.
_FIELDS = (
    "number",
    "issued_at",
    "valid_until",
    "status",
    "application__child_last_name",
    "application__child_first_name",
    "seat__group__code",
    "seat__group__name",
    "seat__group__name_kk",
    "seat__group__age_from",
    "seat__group__age_to",
    "seat__group__language",
    "seat__group__kindergarten__code",
    "seat__group__kindergarten__name",
    "seat__group__kindergarten__name_kk",
    "seat__group__kindergarten__locality__name",
    "seat__group__kindergarten__locality__name_kk",
)


@dataclass(frozen=True)
class DirectionsListing(QuerysetListing):
    """The protocol. On a page of the whole protocol (no filter), the numbers between two rows that
    no direction holds are shown as not issued: a claim that took a number and then did not
    complete leaves such a gap (core.sequences). Computed from the page's own rows, never a scan."""

    gaps: bool = False

    def page(self, number: Any) -> tuple[Page, list[Row]]:
        page, rows = super().page(number)
        return page, (rows_mark_gaps(rows) if self.gaps else rows)


def rows_mark_gaps(rows: list[Row]) -> list[Row]:
    """Set `not_issued` on each row: the (first, last) ranges of numbers between it and the row
    above it that no row of the page has. Rows are newest first, so numbers mostly fall; two claims
    of the same moment may stand in either order, which is why numbers on the page are not gaps."""
    on_page = sorted(row["number"] for row in rows)
    for above, row in pairwise(rows):
        row["not_issued"] = _missing(row["number"], above["number"], on_page)
    if rows:
        rows[0]["not_issued"] = []
    return rows


def _missing(low: int, high: int, on_page: list[int]) -> list[tuple[int, int]]:
    """Ranges of the numbers strictly between low and high that are not in on_page (sorted)."""
    ranges: list[tuple[int, int]] = []
    start = low + 1
    for number in [n for n in on_page if low < n < high] + [high]:
        if number > start:
            ranges.append((start, number - 1))
        start = max(start, number + 1)
    return ranges


def age_groups() -> list[tuple[int, int]]:
    """The age ranges groups have, for the age-group filter ("от 2 до 3 лет")."""
    return list(Group.objects.order_by("age_from", "age_to").values_list("age_from", "age_to").distinct())


def directions(
    *,
    locality: str | None = None,
    languages: list[str] | None = None,
    age: tuple[int, int] | None = None,
    kindergarten_name: str | None = None,
    status: str | None = None,
) -> DirectionsListing:
    """Directions newest first. `languages` of instruction (a group teaching both matches either),
    `age` an (age_from, age_to) group range, `kindergarten_name` a part of its name in either language."""
    qs: QuerySet[Direction] = Direction.objects.select_related("application", "seat__group__kindergarten__locality").only(*_FIELDS)
    if locality:
        qs = qs.filter(seat__group__kindergarten__locality__code=locality)
    if languages:
        wanted = {lang for language in languages for lang in group_languages(language)}
        qs = qs.filter(seat__group__language__in=sorted(wanted))
    if age:
        qs = qs.filter(seat__group__age_from=age[0], seat__group__age_to=age[1])
    if kindergarten_name:
        qs = qs.filter(name_search_q(kindergarten_name, "seat__group__kindergarten__name", "seat__group__kindergarten__name_kk"))
    if status:
        qs = qs.filter(status=status)
    # A filtered page leaves out other directions' numbers: only the whole protocol shows gaps.
    gaps = not (locality or languages or age or kindergarten_name or status)
    return DirectionsListing(qs.order_by("-issued_at", "-number"), direction_row, COLUMNS, gaps=gaps)


def direction_row(d: Direction) -> Row:
    group = d.seat.group
    kindergarten = group.kindergarten
    return {
        "number": d.number,
        "issued_at": d.issued_at,
        "valid_until": d.valid_until,
        "child": d.application.child_name_masked,  # SPEC §8: `О*** А.`
        "locality": kindergarten.locality.display_name(current_language()),
        "kindergarten_code": kindergarten.code,
        "kindergarten": kindergarten.display_name(current_language()),
        "group_code": group.code,
        "group": group.display_name(current_language()),
        "age_from": group.age_from,
        "age_to": group.age_to,
        "language": group.language,
        "language_name": choice_label(Group.GroupLanguage, group.language),
        "status": d.status,
        "status_name": choice_label(Direction.Status, d.status),
        # Issue 12: the page links to the seat's story; not a download column (COLUMNS).
        "seat": d.seat_id,
    }
