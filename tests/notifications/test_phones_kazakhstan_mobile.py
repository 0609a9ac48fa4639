"""notifications.phones.phone_normalize (issue 11, item 4): Kazakhstan mobile numbers only, by
phonenumbers' metadata. Kazakhstan shares +7 with Russia, so the region matters, not the prefix."""

from __future__ import annotations

import pytest

from core.errors import Refusal
from notifications.phones import phone_normalize


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+7 701 123 45 67", "77011234567"),  # Kcell
        ("+7 747 123 45 67", "77471234567"),  # Tele2 / Altel
        ("+7 777 123 45 67", "77771234567"),  # Beeline
        ("8 (705) 123-45-67", "77051234567"),
        ("+7 700 123 45 67", "77001234567"),
        ("+7 771 123 45 67", "77711234567"),
    ],
)
def test_a_kazakhstan_mobile_is_accepted(typed, stored):
    assert phone_normalize(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "+7 495 123 45 67",  # a Moscow landline
        "+7 916 123 45 67",  # a Russian mobile
        "+7 727 258 12 34",  # an Almaty landline
        "+7 7172 55 66 77",  # an Astana landline
        "+7 701 123 45",  # too short
    ],
)
def test_a_landline_or_a_russian_number_is_refused(typed):
    with pytest.raises(Refusal) as refused:
        phone_normalize(typed)
    assert refused.value.code == "invalid_phone"
