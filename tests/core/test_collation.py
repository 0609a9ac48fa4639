"""Issue 11, item 8: names in Kazakh alphabetical order and numbers by value (core.collation)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from core.collation import KAZAKH_ALPHABET, name_key
from opendata.selectors.kindergartens import kindergartens
from placements.models import Kindergarten
from queues.models import Locality
from tests.factories import astana


def test_the_kazakh_alphabet_orders_the_letters():
    letters = list("ЯІЫҮҰӨҢҚКҒӘА")
    assert sorted(letters, key=name_key) == list("АӘҒКҚҢӨҰҮЫІЯ")
    assert sorted(KAZAKH_ALPHABET[::-1], key=name_key) == list(KAZAKH_ALPHABET)


def test_names_sort_by_letters_case_and_quotes_aside():
    names = ["Іле", "ақбота", "Әсел", "Ақсу", "«Балапан»", "Ұлан", "Үміт", "Қарлығаш", "Күншуақ"]
    assert sorted(names, key=name_key) == ["ақбота", "Ақсу", "Әсел", "«Балапан»", "Күншуақ", "Қарлығаш", "Ұлан", "Үміт", "Іле"]


def test_numbers_sort_by_value():
    names = ["Ясли-сад №11 «Балапан»", "Ясли-сад №2 «Айгөлек»", "Ясли-сад №102", "Ясли-сад №9 «Арман»"]
    assert sorted(names, key=name_key) == ["Ясли-сад №2 «Айгөлек»", "Ясли-сад №9 «Арман»", "Ясли-сад №11 «Балапан»", "Ясли-сад №102"]


def test_russian_names_keep_the_russian_order():
    names = ["Юбилейный", "Ёлочка", "Берёзка", "Аленький", "Щёлково", "Шахтинск"]
    assert sorted(names, key=name_key) == ["Аленький", "Берёзка", "Ёлочка", "Шахтинск", "Щёлково", "Юбилейный"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the ICU collation indigo_kk_natural: PostgreSQL")
@pytest.mark.django_db
def test_the_kindergarten_directory_sorts_in_the_visitors_language_with_numbers_by_value():
    town = Locality.objects.create(code="town", name="Город", name_kk="Қала")
    for number, kk in ((11, "Қарлығаш"), (2, "Айгөлек"), (9, "Әсем")):
        Kindergarten.objects.create(code=f"k{number}", name=f"Ясли-сад №{number}", name_kk=f"{kk} бөбекжайы №{number}", locality=town)
    now = astana(2024, 6, 4, 9)
    with translation.override("ru"):
        assert [row["name"] for row in kindergartens(now=now).rows()] == ["Ясли-сад №2", "Ясли-сад №9", "Ясли-сад №11"]
    with translation.override("kk"):
        assert [row["name"] for row in kindergartens(now=now).rows()] == ["Айгөлек бөбекжайы №2", "Әсем бөбекжайы №9", "Қарлығаш бөбекжайы №11"]
