"""core.iin.iin_format_message (issue 11): a short, long or non-digit IIN is told what is wrong
with it, in the user's language, before any checksum."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.iin import iin_build, iin_format_message, validate_iin


def test_a_short_iin_is_told_how_many_digits_it_has():
    with translation.override("en"):
        assert iin_format_message("2203045012") == "The IIN has 12 digits; you entered 10."
        assert iin_format_message("2203045012345") == "The IIN has 12 digits; you entered 13."
        assert iin_format_message("2") == "The IIN has 12 digits; you entered 1."


@pytest.mark.parametrize("typed", ["22030450123a", "2203 0450 12", "２２０３０４５０１２３４"])
def test_an_iin_with_other_signs_than_ascii_digits_is_told_so(typed):
    with translation.override("en"):
        assert iin_format_message(typed).startswith("The IIN is made of digits only")


def test_twelve_digits_or_nothing_have_no_shape_message():
    import datetime as dt

    assert iin_format_message(iin_build(dt.date(2022, 3, 4))) is None
    assert iin_format_message("") is None
    assert iin_format_message("220304501234") is None  # a wrong check digit is another message


def test_the_model_validator_says_the_count_too():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_iin("12345")
    assert refused.value.messages == ["The IIN has 12 digits; you entered 5."]
