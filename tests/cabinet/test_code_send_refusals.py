"""Sending a code through the pages (SPEC §9): one number however its digits are typed, and the truth
when the broker does not take the SMS (the family may ask again at once, nothing counted)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from unittest.mock import Mock, patch

import pytest
from kombu.exceptions import OperationalError

from accounts.models import OneTimeCode
from notifications.models import Message, OutboxSms
from notifications.tasks import code_send
from tests.cabinet.conftest import PARENT_IIN, PHONE, last_code, refusal_text

pytestmark = pytest.mark.django_db

MOTHER = "77051112233"
SENT = "We sent a 6-digit code"


def broker_down() -> AbstractContextManager[Mock]:
    """The broker refuses the connection: apply_async is what would leave the machine."""
    return patch.object(code_send, "apply_async", side_effect=OperationalError("Error 111 connecting to redis:6379. Connection refused."))


def test_the_second_phone_in_other_digits_is_the_same_phone(client, clock, temirtau):
    response = client.post("/cabinet/apply/phone/", {"slot": "1", "p1-phone": "+7 705 111 22 33"}, follow=True)
    assert SENT in response.content.decode()

    for same in ("+7 ７０５ １１１ ２２ ３３", "+٧ ٧٠٥ ١١١ ٢٢ ٣٣", "8 7０5 111 22 33"):
        response = client.post("/cabinet/apply/phone/", {"slot": "2", "p2-phone": same})
        assert response.status_code == 200
        assert refusal_text("same_phones") in response.content.decode()
    assert list(OutboxSms.objects.values_list("phone", flat=True)) == [MOTHER]


@pytest.mark.parametrize("phone", ["+7 495 123 45 67", "+7 916 123 45 67"])
def test_a_russian_number_is_refused_in_the_wizard(client, clock, temirtau, phone):
    response = client.post("/cabinet/apply/phone/", {"slot": "1", "p1-phone": phone})

    assert response.status_code == 200
    assert refusal_text("invalid_phone") in response.content.decode()
    assert not OutboxSms.objects.exists()


def test_the_wizard_says_the_code_was_not_sent_and_a_moment_later_sends_it(client, clock, temirtau):
    with broker_down() as down:
        response = client.post("/cabinet/apply/phone/", {"slot": "1", "p1-phone": "+7 705 111 22 33"}, follow=True)

    page = response.content.decode()
    assert down.called
    assert refusal_text("code_not_sent") in page and SENT not in page
    assert not OneTimeCode.objects.exists()
    assert Message.objects.get().status == "failed"

    clock.advance(seconds=5)  # the broker is back
    response = client.post("/cabinet/apply/phone/", {"slot": "1", "p1-phone": "+7 705 111 22 33"}, follow=True)

    page = response.content.decode()
    assert SENT in page and "A code was sent less than a minute ago." not in page
    response = client.post("/cabinet/apply/", {"slot": "1", "c1-code": last_code(MOTHER), "confirm": "1"})
    assert response.status_code == 302


def test_the_login_says_the_code_was_not_sent_and_a_retry_works(client, clock, parent_application):
    with broker_down():
        response = client.post("/cabinet/login/", {"iin": PARENT_IIN})

    assert response.status_code == 200
    assert refusal_text("code_not_sent") in response.content.decode()
    assert not OneTimeCode.objects.exists()

    clock.advance(seconds=5)  # the broker is back
    response = client.post("/cabinet/login/", {"iin": PARENT_IIN})
    assert response.status_code == 302 and response.url == "/cabinet/login/code/"
    response = client.post("/cabinet/login/code/", {"code": last_code(PHONE)})
    assert response.status_code == 302
