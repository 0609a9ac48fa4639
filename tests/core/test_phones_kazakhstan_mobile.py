"""core.phones.phone_normalize (issue 11, item 4): Kazakhstan mobile numbers only, by
phonenumbers' metadata. Kazakhstan shares +7 with Russia, so the region matters, not the prefix.
Every form checks a phone with core.phones.phone_clean (issue 13, item 12)."""

from __future__ import annotations

import pytest
from django import forms

from core.errors import Refusal
from core.phones import phone_clean, phone_normalize


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


def test_a_form_gets_the_refusal_as_its_fields_error_with_the_same_words():
    with pytest.raises(forms.ValidationError) as refused:
        phone_clean("+7 495 123 45 67")
    assert (refused.value.code, refused.value.message) == ("invalid_phone", Refusal("invalid_phone").message)
    assert phone_clean("8 (701) 123-45-67") == "77011234567"


def test_an_optional_phone_left_blank_stays_blank_and_a_required_one_is_refused():
    assert phone_clean("  ", required=False) == ""
    with pytest.raises(forms.ValidationError):
        phone_clean("  ")
