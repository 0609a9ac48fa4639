"""Messages are dispatched only when the engine's transaction commits (STYLE: on_commit)."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications.models import Message, OutboxSms
from notifications.services import message_enqueue
from tests.factories import FILED_AT, ApplicationFactory

PHONE = "+77011234567"


@pytest.mark.django_db(transaction=True)
def test_a_committed_filing_sends_its_message_and_a_rolled_back_one_sends_nothing():
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        ApplicationFactory(phone="+77010000001")
        raise Abandoned

    assert not Message.objects.exists()
    assert not OutboxSms.objects.exists()

    application = ApplicationFactory(phone=PHONE)

    [sms] = OutboxSms.objects.all()
    assert sms.phone == "77011234567"
    assert str(application.number) in sms.text
    assert Message.objects.get(application=application).status == "sent"


@pytest.mark.django_db
def test_nothing_is_sent_before_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application = ApplicationFactory(phone=PHONE)
        assert not OutboxSms.objects.exists()

    assert len(callbacks) == 1
    callbacks[0]()
    assert Message.objects.get(application=application).status == "sent"
    assert OutboxSms.objects.count() == 1


@pytest.mark.django_db
def test_enqueueing_the_same_idempotency_key_twice_makes_one_message_and_one_sms(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        application = ApplicationFactory(phone=PHONE)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = message_enqueue(application=application, event="enrolled", now=FILED_AT, context={"kindergarten": "Арман"}, key="enrolled:42")
        second = message_enqueue(application=application, event="enrolled", now=FILED_AT, context={"kindergarten": "Арман"}, key="enrolled:42")

    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert Message.objects.filter(event="enrolled").count() == 1
    assert OutboxSms.objects.count() == 1
