"""Queue messages to families after the transaction commits (SPEC §9)."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import transaction

from notifications.models import Message

_suspended = 0


@contextlib.contextmanager
def deliveries_suspended() -> Iterator[None]:
    """Record messages but dispatch none (the `simulate` command replays without sending)."""
    global _suspended
    _suspended += 1
    try:
        yield
    finally:
        _suspended -= 1


def _recipient(application: Any) -> tuple[str, str]:
    if application.channel == "email" and application.email:
        return "email", application.email
    return "sms", application.phone


def message_enqueue(*, application: Any, event: str, now: dt.datetime, context: dict[str, Any] | None = None, key: str | None = None) -> Message:
    """One message for the application's applicant, in their language and channel; sent on commit."""
    channel, recipient = _recipient(application)
    message = Message.objects.create(
        application=application,
        event=event,
        channel=channel,
        recipient=recipient,
        language=application.language,
        context=context or {},
        idempotency_key=key or f"{event}:{application.pk}:{uuid.uuid4().hex}",
        created_at=now,
    )
    if not _suspended and recipient:
        from notifications.tasks import message_send

        transaction.on_commit(lambda: message_send.delay(message.pk))
    return message


def messages_enqueue(*, applications: list[Any], event: str, now: dt.datetime, context_for: Any = None) -> None:
    """The same event for many applications in one insert (bulletin grants, over-age archival)."""
    rows = []
    for application in applications:
        channel, recipient = _recipient(application)
        rows.append(
            Message(
                application=application,
                event=event,
                channel=channel,
                recipient=recipient,
                language=application.language,
                context=context_for(application) if context_for else {},
                idempotency_key=f"{event}:{application.pk}:{uuid.uuid4().hex}",
                created_at=now,
            )
        )
    created = Message.objects.bulk_create(rows, batch_size=1000)
    if not _suspended:
        from notifications.tasks import message_send

        ids = [m.pk for m in created if m.recipient and m.pk]
        transaction.on_commit(lambda: [message_send.delay(pk) for pk in ids])
