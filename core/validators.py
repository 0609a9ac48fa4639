"""Validators shared by the parent's wizard, the clerk's admin form and the import (issue 11)."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PERSON_NAME_MAX_LENGTH = 100
# Letters of the Latin, Russian and Kazakh alphabets (Ә Ғ Қ Ң Ө Ұ Ү Һ І), hyphen, apostrophes (' and ’), space.
_KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
_PERSON_NAME = re.compile(rf"[A-Za-zА-Яа-яЁё{_KAZAKH_LETTERS}\-'’ ]+")
_LETTER = re.compile(rf"[A-Za-zА-Яа-яЁё{_KAZAKH_LETTERS}]")
_SPACES = re.compile(r"\s+")


def person_name_normalize(value: str) -> str:
    """One spelling of a name: composed letters (NFC: `й` typed as и + breve is one letter), no spaces
    at the ends, one space between words."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


def validate_person_name(value: str) -> str:
    """A surname, first name or patronymic: 1–100 letters of the Kazakh, Russian or Latin alphabet,
    hyphens, apostrophes and spaces. Returns the normalised name; ValidationError otherwise (usable
    as a form or model field validator too)."""
    name = person_name_normalize(value)
    if not name:
        raise ValidationError(_("Write the name with letters, not only spaces."), code="required")
    if len(name) > PERSON_NAME_MAX_LENGTH:
        raise ValidationError(
            _("A name is at most %(limit)d characters long; this one has %(length)d."),
            code="name_too_long",
            params={"limit": PERSON_NAME_MAX_LENGTH, "length": len(name)},
        )
    if not _PERSON_NAME.fullmatch(name) or not _LETTER.search(name):
        raise ValidationError(
            _("Write the name with letters of the Kazakh, Russian or Latin alphabet; a hyphen, an apostrophe and spaces are allowed too."),
            code="invalid_name",
        )
    return name
