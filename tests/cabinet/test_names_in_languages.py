"""Issue 11: the family's seats page names the kindergarten and the group in the page's language."""

from __future__ import annotations

import pytest

from placements.bulletin import bulletin_publish
from placements.models import Group
from placements.seats import seat_release
from tests.cabinet.conftest import AFTER, login
from tests.factories import BULLETIN_AT, RELEASED_AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(arman: Group) -> Group:
    Group.objects.filter(pk=arman.pk).update(name="Младшая группа", name_kk="Кіші топ")
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    return arman


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("kk", ["Кіші топ", "№9 «Арман» бөбекжайы"], ["Младшая группа", "Ясли-сад №9 «Арман»"]),
        ("ru", ["Младшая группа", "Ясли-сад №9 «Арман»"], ["Кіші топ", "№9 «Арман» бөбекжайы"]),
    ],
)
def test_the_seats_page_names_the_group_and_kindergarten_in_the_page_language(client, clock, capture, parent_application, published, language, shown, hidden):
    clock.set(AFTER)
    login(client, capture)
    client.cookies["django_language"] = language

    page = client.get(f"/cabinet/applications/{parent_application.number}/seats/").content.decode()

    assert all(name in page for name in shown), shown
    assert not any(name in page for name in hidden), hidden
