"""The beat's stuck-message sweep: a message whose task was lost is sent later, and only once."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Message, OutboxSms
from notifications.services import deliveries_suspended, messages_resend_stuck
from tests.factories import FILED_AT, ApplicationFactory

pytestmark = pytest.mark.django_db


def _lost(**application) -> Message:
    """A message committed while the broker was unreachable: queued, never dispatched."""
    with deliveries_suspended():
        application = ApplicationFactory(phone="+77011234567", **application)
    return Message.objects.get(application=application)


def test_a_message_whose_task_was_lost_is_sent_by_the_sweep_ten_minutes_later(django_capture_on_commit_callbacks):
    message = _lost()

    with django_capture_on_commit_callbacks(execute=True):
        too_early = messages_resend_stuck(now=FILED_AT + dt.timedelta(minutes=9))
    assert too_early == 0
    assert not OutboxSms.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        resent = messages_resend_stuck(now=FILED_AT + dt.timedelta(minutes=10))

    assert resent == 1
    message.refresh_from_db()
    assert message.status == "sent"
    assert OutboxSms.objects.count() == 1


def test_the_sweep_is_idempotent(django_capture_on_commit_callbacks):
    _lost()
    later = FILED_AT + dt.timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        messages_resend_stuck(now=later)
        messages_resend_stuck(now=later + dt.timedelta(minutes=5))
        messages_resend_stuck(now=later + dt.timedelta(minutes=30))

    assert OutboxSms.objects.count() == 1


def test_a_message_waiting_for_its_scheduled_retry_is_left_to_it(django_capture_on_commit_callbacks):
    message = _lost()
    retry_at = FILED_AT + dt.timedelta(hours=2)
    Message.objects.filter(pk=message.pk).update(attempts=5, next_attempt_at=retry_at)

    with django_capture_on_commit_callbacks(execute=True):
        assert messages_resend_stuck(now=retry_at + dt.timedelta(minutes=5)) == 0
        assert messages_resend_stuck(now=retry_at + dt.timedelta(minutes=10)) == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 6)
