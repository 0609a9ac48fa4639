"""core.validators.validate_person_name (issue 11): letters of the Kazakh, Russian and Latin
alphabets, hyphen, apostrophe and spaces; tidied; 1–100 characters."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from core.validators import validate_person_name


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Әлихан", "Әлихан"),
        ("Құрманғазы", "Құрманғазы"),
        ("Өмірзақ-Ұлы", "Өмірзақ-Ұлы"),
        ("Үміт Һәкімқызы", "Үміт Һәкімқызы"),
        ("Іңкәр", "Іңкәр"),
        ("Ерланұлы", "Ерланұлы"),
        ("Алёна", "Алёна"),
        ("O'Brien", "O'Brien"),
        ("Д’Артаньян", "Д’Артаньян"),
        ("  Омарова   Динара  ", "Омарова Динара"),  # trimmed, one space between words
        ("Ж" * 100, "Ж" * 100),
    ],
)
def test_a_name_in_kazakh_russian_or_latin_letters_is_accepted_and_tidied(typed, kept):
    assert validate_person_name(typed) == kept


def test_a_letter_typed_as_two_code_points_is_stored_as_one():
    decomposed = unicodedata.normalize("NFD", "Йогурт")  # И + combining breve
    assert validate_person_name(decomposed) == "Йогурт"


@pytest.mark.parametrize(
    "typed",
    ["<script>alert(1)</script>", "Алихан1", "Омаров;", "Алихан\u200b", "Ἀλέξανδρος", "Мұхтар@", "--", "' ’", "Ali_khan", "Алихан\u00a0Омаров!"],
)
def test_anything_but_letters_hyphens_apostrophes_and_spaces_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        validate_person_name(typed)
    assert refused.value.code == "invalid_name"


def test_a_name_longer_than_100_characters_is_refused_with_its_length():
    with pytest.raises(ValidationError) as refused:
        validate_person_name("Ж" * 101)
    assert refused.value.code == "name_too_long"
    assert "101" in refused.value.messages[0]


def test_spaces_alone_are_no_name():
    with pytest.raises(ValidationError) as refused:
        validate_person_name("   ")
    assert refused.value.code == "required"
