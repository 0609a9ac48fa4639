"""Issue 11: the operator cabinet names the kindergarten and its groups in the chosen language."""

from __future__ import annotations

import pytest

from placements.models import Group, Kindergarten
from tests.operator.conftest import body

pytestmark = pytest.mark.django_db

PAGES = ["/operator/", "/operator/kindergartens/arman/release/", "/operator/kindergartens/arman/seats/", "/operator/kindergartens/arman/directions/"]
KAZAKH = ("№9 «Арман» бөбекжай-бақшасы", "Кіші топ")
RUSSIAN = ("Ясли-сад «Арман»", "Младшая группа")


@pytest.fixture
def named(world):
    Kindergarten.objects.filter(pk=world.kindergarten_a.pk).update(name_kk=KAZAKH[0])
    Group.objects.filter(pk=world.group_a.pk).update(name=RUSSIAN[1], name_kk=KAZAKH[1])
    return world


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("language", "shown", "hidden"), [("kk", KAZAKH, RUSSIAN), ("ru", RUSSIAN, KAZAKH)])
def test_the_kindergarten_and_group_names_are_in_the_chosen_language(operator_a, named, page, language, shown, hidden):
    operator_a.cookies["django_language"] = language

    html = body(operator_a.get(page))

    assert [name for name in shown if name not in html] == [], f"{page}: a {language} name is missing"
    assert [name for name in hidden if name in html] == [], f"{page}: a name in the other language"
