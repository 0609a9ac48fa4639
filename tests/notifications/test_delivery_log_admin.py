"""The delivery log in the admin: read-only, recipients masked, failed messages retried on demand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from notifications.models import Message, OutboxSms
from notifications.services import deliveries_suspended
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _failed_message() -> Message:
    with deliveries_suspended():
        application = ApplicationFactory(phone="+77011234567")
    message = Message.objects.get(application=application)
    Message.objects.filter(pk=message.pk).update(status="failed", attempts=9, last_error="HTTP 503 from the SMS gateway (gave up after 9 attempts)")
    return message


def test_the_log_masks_the_phone_and_shows_the_last_error(admin_client):
    _failed_message()

    page = admin_client.get(reverse("admin:notifications_message_changelist")).content.decode()

    assert "7701*****67" in page
    assert "77011234567" not in page
    assert "HTTP 503 from the SMS gateway" in page


def test_the_message_page_is_read_only(admin_client):
    message = _failed_message()

    page = admin_client.get(reverse("admin:notifications_message_change", args=[message.pk])).content.decode()

    assert "77011234567" not in page
    assert 'name="_save"' not in page


def test_retry_now_queues_a_failed_message_again_and_sends_it(admin_client, django_capture_on_commit_callbacks):
    message = _failed_message()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_message_changelist"),
            {"action": "retry_now", "_selected_action": [message.pk]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert "1 message queued again." in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert OutboxSms.objects.count() == 1


def test_retry_now_is_recorded_in_the_audit_trail_with_who_and_which_messages(admin_client, admin_user):
    message, other = _failed_message(), _failed_message()
    sent = _failed_message()
    Message.objects.filter(pk=sent.pk).update(status="sent")

    admin_client.post(
        reverse("admin:notifications_message_changelist"),
        {"action": "retry_now", "_selected_action": [message.pk, other.pk, sent.pk]},
        REMOTE_ADDR="10.0.0.7",
    )

    record = AuditRecord.objects.get(action="messages.retry")
    assert (record.actor_kind, record.actor, record.ip) == ("staff", admin_user.username, "10.0.0.7")
    assert record.details == {"messages": sorted([message.pk, other.pk])}  # the sent one was left alone


def test_retry_now_leaves_sent_messages_alone(admin_client, django_capture_on_commit_callbacks):
    message = _failed_message()
    Message.objects.filter(pk=message.pk).update(status="sent")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:notifications_message_changelist"), {"action": "retry_now", "_selected_action": [message.pk]})

    assert not OutboxSms.objects.exists()
