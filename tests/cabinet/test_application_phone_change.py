"""queues.services.application_phone_change (SPEC §3): the caller has checked a code sent to the new
number; the service changes the number, tells the number on file and records who did it."""

from __future__ import annotations

import pytest

from audit.models import AuditRecord
from core.errors import Refusal
from notifications.models import Message
from placements.application_actions import application_withdraw
from queues.services import application_phone_change
from tests.cabinet.conftest import PHONE, PHONE2
from tests.factories import astana

pytestmark = pytest.mark.django_db
NOW = astana(2024, 5, 20, 12)


def test_the_first_phone_is_replaced_the_old_number_told_and_the_change_audited(parent_application):
    application_phone_change(application=parent_application, phone="+7 747 555 66 77", now=NOW)
    parent_application.refresh_from_db()
    assert (parent_application.phone, parent_application.phone2) == ("77475556677", PHONE2)
    message = Message.objects.get(application=parent_application, event="phone_changed")
    assert message.recipient == PHONE and message.context == {"number": parent_application.number}
    record = AuditRecord.objects.get(action="application.phone_change")
    assert record.changes == {"phone": ["7701*****67", "7747*****77"]}


def test_the_second_phone_alone_can_be_replaced(parent_application):
    application_phone_change(application=parent_application, phone=PHONE, phone2="87475556677", now=NOW)
    parent_application.refresh_from_db()
    assert (parent_application.phone, parent_application.phone2) == (PHONE, "77475556677")


def test_the_same_numbers_change_nothing_and_tell_no_one(parent_application):
    application_phone_change(application=parent_application, phone=PHONE, now=NOW)
    assert not Message.objects.filter(event="phone_changed").exists()
    assert not AuditRecord.objects.filter(action="application.phone_change").exists()


@pytest.mark.parametrize(
    ("phone", "phone2", "code"),
    [("12345", None, "invalid_phone"), (PHONE2, None, "same_phones"), (PHONE, PHONE, "same_phones")],
)
def test_an_unusable_number_is_refused(parent_application, phone, phone2, code):
    with pytest.raises(Refusal) as refused:
        application_phone_change(application=parent_application, phone=phone, phone2=phone2, now=NOW)
    assert refused.value.code == code
    parent_application.refresh_from_db()
    assert (parent_application.phone, parent_application.phone2) == (PHONE, PHONE2)


def test_a_withdrawn_application_keeps_its_numbers(parent_application):
    application_withdraw(application=parent_application, now=NOW)
    with pytest.raises(Refusal) as refused:
        application_phone_change(application=parent_application, phone="77475556677", now=NOW)
    assert refused.value.code == "not_live"
