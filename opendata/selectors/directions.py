"""The directions protocol (SPEC §8): every direction issued, newest first, the child masked."""

from __future__ import annotations

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
    "seat__group__age_from",
    "seat__group__age_to",
    "seat__group__language",
    "seat__group__kindergarten__code",
    "seat__group__kindergarten__name",
    "seat__group__kindergarten__name_kk",
    "seat__group__kindergarten__locality__name",
    "seat__group__kindergarten__locality__name_kk",
)


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
) -> QuerysetListing:
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
    return QuerysetListing(qs.order_by("-issued_at", "-number"), direction_row, COLUMNS)


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
        "group": group.name or group.code,
        "age_from": group.age_from,
        "age_to": group.age_to,
        "language": group.language,
        "language_name": choice_label(Group.GroupLanguage, group.language),
        "status": d.status,
        "status_name": choice_label(Direction.Status, d.status),
    }
