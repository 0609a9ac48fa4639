"""Issue 11: the public pages name groups (and kindergartens) in the visitor's language: a group has
a Kazakh name as well as a Russian one."""

from __future__ import annotations

import pytest

from placements.models import Group

PAGES = ["/open/kindergarten/arman/", "/open/free-seats/", "/open/releases/", "/open/directions/"]
RUSSIAN = ("Младшая группа", "Средняя группа")
KAZAKH = ("Кіші топ", "Ортаңғы топ")


@pytest.fixture
def named(world):
    Group.objects.filter(pk=world.arman_2.pk).update(name=RUSSIAN[0], name_kk=KAZAKH[0])
    Group.objects.filter(pk=world.arman_3.pk).update(name=RUSSIAN[1], name_kk=KAZAKH[1])
    return world


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("language", "shown", "hidden"), [("kk", KAZAKH, RUSSIAN), ("ru", RUSSIAN, KAZAKH)])
def test_group_names_are_in_the_page_language(client, named, clock, page, language, shown, hidden):
    client.cookies["django_language"] = language

    html = client.get(page).content.decode()

    assert any(name in html for name in shown), f"{page}: no group name in {language}"
    assert not [name for name in hidden if name in html], f"{page}: a group name in the other language"


def test_the_passport_names_the_kindergarten_in_kazakh_on_a_kazakh_page(client, named, clock):
    client.cookies["django_language"] = "kk"

    html = client.get("/open/kindergarten/arman/").content.decode()

    assert "№9 «Арман» бөбекжайы" in html and "Ясли-сад №9 «Арман»" not in html


def test_a_group_without_a_kazakh_name_shows_its_russian_one(client, world, clock):
    Group.objects.filter(pk=world.arman_2.pk).update(name="Младшая группа", name_kk="")
    client.cookies["django_language"] = "kk"

    assert "Младшая группа" in client.get("/open/kindergarten/arman/").content.decode()
