"""A printed direction verified by its check number (issue 11): what the paper should say, and
nothing more. The child as initials only (SPEC §8 masking); no IIN, birth date, address or phone
of the family."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from opendata.selectors.common import choice_label, current_language
from placements.models import Direction
from placements.selectors import direction_effective_status
from placements.verification import check_display, direction_check, direction_id_from_check


@dataclass(frozen=True)
class DirectionVerified:
    check: str
    number: int
    status: str
    status_label: str
    issued_at: dt.datetime
    valid_until: dt.datetime
    extended: bool
    child: str
    locality: str
    kindergarten: str
    kindergarten_code: str
    address: str
    phone: str
    group: str
    seat: int  # issue 12: the page links to the seat's story

    @property
    def is_active(self) -> bool:
        return self.status in Direction.ACTIVE_STATUSES


def direction_verified(*, check: str, now: dt.datetime) -> DirectionVerified | None:
    """The direction a check number stands for, or None (not a check of ours, or no such direction).
    An active direction past its valid_until is shown expired: that is what it is (SPEC §7), even if
    the minute job has not closed it yet."""
    direction_id = direction_id_from_check(check)
    if direction_id is None:
        return None
    direction = (
        Direction.objects.select_related("application", "seat__group__kindergarten__locality")
        .only(
            "number",
            "status",
            "issued_at",
            "valid_until",
            "extended",
            "application__child_last_name",
            "application__child_first_name",
            "seat__group__code",
            "seat__group__name",
            "seat__group__name_kk",
            "seat__group__kindergarten__code",
            "seat__group__kindergarten__name",
            "seat__group__kindergarten__name_kk",
            "seat__group__kindergarten__address",
            "seat__group__kindergarten__phone",
            "seat__group__kindergarten__locality__name",
            "seat__group__kindergarten__locality__name_kk",
        )
        .filter(pk=direction_id)
        .first()
    )
    if direction is None:
        return None
    status = direction_effective_status(direction, now)
    group = direction.seat.group
    kindergarten = group.kindergarten
    language = current_language()
    return DirectionVerified(
        check=check_display(direction_check(direction.pk)),
        number=direction.number,
        status=status,
        status_label=choice_label(Direction.Status, status),
        issued_at=direction.issued_at,
        valid_until=direction.valid_until,
        extended=direction.extended,
        child=direction.application.child_name_masked,
        locality=kindergarten.locality.display_name(language),
        kindergarten=kindergarten.display_name(language),
        kindergarten_code=kindergarten.code,
        address=kindergarten.address,
        phone=kindergarten.phone,
        group=group.display_name(language),
        seat=direction.seat_id,
    )
