"""IIN (ИИН / ЖСН) validation, SPEC §3: 12 digits, YYMMDD, century/sex digit, two checksum passes."""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

IIN_LENGTH = 12

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


def iin_check_digit(first11: str) -> int | None:
    """The 12th digit for 11 digits, or None when both passes give 10 (no valid IIN exists)."""
    digits = [int(c) for c in first11]
    c = sum(d * w for d, w in zip(digits, _WEIGHTS_1, strict=True)) % 11
    if c == 10:
        c = sum(d * w for d, w in zip(digits, _WEIGHTS_2, strict=True)) % 11
        if c == 10:
            return None
    return c


def iin_birth_date(iin: str) -> dt.date | None:
    """The birth date an IIN encodes, or None when it encodes no real date."""
    # ASCII digits only: str.isdigit() also accepts fullwidth and superscript digits.
    if len(iin) != 12 or not (iin.isascii() and iin.isdigit()) or iin[6] not in _CENTURY:
        return None
    try:
        return dt.date(_CENTURY[iin[6]] + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def iin_is_valid(iin: str, *, today: dt.date | None = None) -> bool:
    """True for a well-formed IIN whose date is real and (when `today` is given) not in the future."""
    birth = iin_birth_date(iin)
    if birth is None or (today is not None and birth > today):
        return False
    return iin_check_digit(iin[:11]) == int(iin[11])


def iin_format_message(iin: str) -> str | None:
    """What is wrong with the shape of a typed IIN (not digits, not 12 of them), in the user's
    language; None when it is 12 ASCII digits. Said before the checksum, so a parent who typed
    10 digits reads that, not "not valid" (issue 11)."""
    iin = (iin or "").strip()
    if not iin:
        return None
    if not (iin.isascii() and iin.isdigit()):
        return str(_("The IIN is made of digits only: enter its 12 digits without letters, spaces or other signs."))
    if len(iin) != IIN_LENGTH:
        return ngettext("The IIN has 12 digits; you entered %(count)d.", "The IIN has 12 digits; you entered %(count)d.", len(iin)) % {"count": len(iin)}
    return None


def validate_iin(value: str) -> None:
    """A form/model validator (the date-in-the-future check needs `now` and lives in the service)."""
    if (message := iin_format_message(value)) is not None:
        raise ValidationError(message, code="invalid_iin")
    if not iin_is_valid(value or ""):
        raise ValidationError(_("Enter a valid IIN: 12 digits with a correct check digit."), code="invalid_iin")


def iin_build(birth_date: dt.date, *, female: bool = False, serial: int | None = None, rng: random.Random | None = None) -> str:
    """A valid IIN for a birth date (factories, demo data). Serials whose check digit is 10 are skipped."""
    rng = rng or random.Random()
    century = (birth_date.year // 100) * 100
    seventh = {1800: 1, 1900: 3, 2000: 5}[century] + (1 if female else 0)
    start = serial if serial is not None else rng.randrange(10000)
    for step in range(10000):
        first11 = f"{birth_date:%y%m%d}{seventh}{(start + step) % 10000:04d}"
        check = iin_check_digit(first11)
        if check is not None:
            return f"{first11}{check}"
    raise ValueError("no valid IIN for this date")  # pragma: no cover - unreachable in practice
