"""SPEC §3: change one of the cabinet's phones (codes to the old and the NEW number), withdraw (a
code), and the message history."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.html import escape

from accounts.models import Cabinet
from audit.models import AuditRecord
from notifications.models import Message
from notifications.texts import message_text
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.seats import seat_release
from tests.cabinet.conftest import AFTER, PARENT_IIN, PHONE, PHONE2, confirm_with_code, last_code, login, refusal_text
from tests.factories import BULLETIN_AT, RELEASED_AT

pytestmark = pytest.mark.django_db

NEW_PHONE = "77475556677"


def _send_phone_codes(client, capture, data: dict):
    with capture(execute=True):
        return client.post("/cabinet/phone/code/", data)


def test_the_parent_changes_a_phone_with_codes_to_the_old_and_the_new_number(client, clock, parent_application, capture):
    login(client, capture)
    page = client.get("/cabinet/phone/").content.decode()
    assert "+7 701 *** ** 67" in page and "+7 701 *** ** 21" in page
    response = _send_phone_codes(client, capture, {"slot": "1", "phone": "+7 747 555 66 77"})
    assert response.status_code == 302
    page = client.get("/cabinet/phone/").content.decode()
    assert 'name="code_old"' in page and 'name="code_new"' in page
    with capture(execute=True):
        response = client.post("/cabinet/phone/", {"code_old": last_code(PHONE), "code_new": last_code(NEW_PHONE)})
    assert response.status_code == 302 and response.url == "/cabinet/"
    parent_application.refresh_from_db()
    assert (parent_application.phone, parent_application.phone2) == (NEW_PHONE, PHONE2)
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    assert (cabinet.phone, cabinet.phone2) == (NEW_PHONE, PHONE2)  # the cabinet's codes go there from now on
    # The number on file until now is told, in case it was not the parent.
    notice = Message.objects.get(application=parent_application, event="phone_changed")
    assert notice.recipient == PHONE
    record = AuditRecord.objects.get(action="application.phone_change")
    assert NEW_PHONE not in str(record.changes)  # masked in the trail
    assert NEW_PHONE not in str(AuditRecord.objects.get(action="cabinet.phone_change").changes)


def test_the_second_phone_can_be_replaced_and_a_wrong_code_changes_nothing(client, clock, parent_application, capture):
    login(client, capture)
    _send_phone_codes(client, capture, {"slot": "2", "phone": NEW_PHONE})
    code = last_code(NEW_PHONE)
    response = client.post("/cabinet/phone/", {"code_old": last_code(PHONE2), "code_new": "000000" if code != "000000" else "111111"})
    assert response.status_code == 200 and refusal_text("code_wrong") in response.content.decode()
    parent_application.refresh_from_db()
    assert parent_application.phone2 == PHONE2
    # The old number's code was right: only the new one's is asked again.
    assert 'name="code_old"' not in response.content.decode()
    response = client.post("/cabinet/phone/", {"code_new": code})
    assert response.status_code == 302
    parent_application.refresh_from_db()
    assert (parent_application.phone, parent_application.phone2) == (PHONE, NEW_PHONE)


def test_the_new_numbers_code_alone_changes_nothing(client, clock, parent_application, capture):
    login(client, capture)
    _send_phone_codes(client, capture, {"slot": "1", "phone": NEW_PHONE})
    old = last_code(PHONE)
    response = client.post("/cabinet/phone/", {"code_old": "000000" if old != "000000" else "111111", "code_new": last_code(NEW_PHONE)})
    assert response.status_code == 200 and refusal_text("code_wrong") in response.content.decode()
    response = client.post("/cabinet/phone/", {"code_new": last_code(NEW_PHONE)})  # the old number's code left out
    assert response.status_code == 200
    parent_application.refresh_from_db()
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    assert (parent_application.phone, cabinet.phone) == (PHONE, PHONE)
    assert not Message.objects.filter(event="phone_changed").exists()


def test_the_new_number_must_differ_from_the_other_one(client, clock, parent_application, capture):
    login(client, capture)
    sent_before = Message.objects.filter(event="code").count()
    response = _send_phone_codes(client, capture, {"slot": "1", "phone": PHONE2})
    assert response.status_code == 200 and refusal_text("same_phones") in response.content.decode()
    assert Message.objects.filter(event="code").count() == sent_before  # no code spent


def test_a_directed_application_is_withdrawn_with_a_code_and_its_seat_given_back(client, clock, parent_application, arman, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(AFTER)
    direction = seat_claim(application=parent_application, group=arman, now=AFTER)
    login(client, capture)
    n = parent_application.number
    assert "Its direction is cancelled" in client.get(f"/cabinet/applications/{n}/withdraw/").content.decode()
    response = confirm_with_code(client, capture, page=f"/cabinet/applications/{n}/withdraw/")
    assert response.status_code == 302 and response.url == "/cabinet/"
    parent_application.refresh_from_db()
    direction.refresh_from_db()
    assert parent_application.status == "withdrawn" and parent_application.strikes == 0
    assert direction.status == "cancelled" and direction.seat.state == "released"
    page = client.get(f"/cabinet/applications/{n}/withdraw/").content.decode()
    assert "Only an application that is in the queue or holds a direction can be withdrawn." in page


def test_the_message_history_is_newest_first_and_never_shows_a_code(client, clock, parent_application, arman, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(AFTER)
    seat_claim(application=parent_application, group=arman, now=AFTER)
    login(client, capture)
    code = last_code(PHONE)  # the login code
    page = client.get(f"/cabinet/applications/{parent_application.number}/messages/").content.decode()
    texts = {}
    for message in Message.objects.filter(application=parent_application):
        with translation.override(message.language):
            texts[message.event] = escape(message_text(message.event, message.context))
    assert set(texts) == {"registered", "grant_opened", "direction_issued"}
    # Newest first: the direction, then priority access, then the registration.
    assert page.index(texts["direction_issued"]) < page.index(texts["grant_opened"]) < page.index(texts["registered"])
    assert code not in page
    assert "INDIGO code" not in page
