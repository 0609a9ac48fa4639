"""Issue 11: a message names the kindergarten and the group in the family's language. The context is
stored with the message and rendered when it is sent, so the names are chosen when it is built."""

from __future__ import annotations

import pytest

from notifications.models import Message
from placements.directions import direction_enroll, direction_extend
from queues.models import Application
from tests.factories import PRIORITY_UNTIL, ApplicationFactory, GroupFactory, direction_issue

pytestmark = pytest.mark.django_db

NAMES = {
    "kk": {"kindergarten": "№9 «Арман» бөбекжай-бақшасы", "group": "Ортаңғы топ"},
    "ru": {"kindergarten": "Ясли-сад №9 «Арман»", "group": "Средняя группа"},
}


def _directed(language: str) -> Application:
    application = ApplicationFactory()
    Application.objects.filter(pk=application.pk).update(language=language)
    group = GroupFactory(
        kindergarten__locality=application.locality,
        kindergarten__name=NAMES["ru"]["kindergarten"],
        kindergarten__name_kk=NAMES["kk"]["kindergarten"],
        name=NAMES["ru"]["group"],
        name_kk=NAMES["kk"]["group"],
    )
    direction_issue(application=application, group=group)
    application.refresh_from_db()
    return application


def _context(application: Application, event: str) -> dict:
    return Message.objects.get(application=application, event=event).context


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_direction_messages_name_the_kindergarten_and_group_in_the_familys_language(language):
    application = _directed(language)
    direction_extend(application=application, now=PRIORITY_UNTIL)

    for event in ("direction_issued", "direction_extended"):
        context = _context(application, event)
        assert (context["kindergarten"], context["group"]) == (NAMES[language]["kindergarten"], NAMES[language]["group"]), event


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_enrollment_message_names_the_kindergarten_in_the_familys_language(language):
    application = _directed(language)
    direction_enroll(application=application, now=PRIORITY_UNTIL)

    assert _context(application, "enrolled")["kindergarten"] == NAMES[language]["kindergarten"]
