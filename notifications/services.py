"""Queue messages to families after the transaction commits (SPEC §9).

The engine calls `message_enqueue` / `messages_enqueue` inside its transactions: the Message rows
commit with the change they announce, and the send tasks are dispatched only on commit, so a
rolled-back change sends nothing. A broker that is down at that moment loses no message: the
rows stay queued and `messages_resend_stuck` dispatches them again. One-time codes are the
exception (`sms_send_code`): handed to the broker at once, after their commit, so that a family
whose code the broker did not take is told so and may ask again.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from kombu.exceptions import KombuError

from audit.services import audit_record
from core.errors import Refusal
from core.metrics import metrics_code_sent, metrics_suspended
from notifications.models import Event, Message
from notifications.sealing import CODE_VALIDITY, code_text_seal
from notifications.tasks import code_send, message_send
from notifications.texts import sms_fit

logger = logging.getLogger(__name__)

# A message still queued this long after its (re)try was due has lost its task.
STUCK_AFTER = dt.timedelta(minutes=10)

# Per thread and task (a ContextVar, not a module global): a replay suspends its own deliveries,
# never those of another request served by the same process (issue 13).
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("deliveries_suspended", default=False)


@contextlib.contextmanager
def deliveries_suspended() -> Iterator[None]:
    """Record messages but dispatch none, and count nothing for /metrics (the `simulate` command
    and `load_demo` replay events that are not happening now)."""
    token = _suspended.set(True)
    try:
        with metrics_suspended():
            yield
    finally:
        _suspended.reset(token)


def _dispatch_on_commit(message_ids: list[int]) -> None:
    if _suspended.get() or not message_ids:
        return

    def dispatch() -> None:
        for pk in message_ids:
            try:
                message_send.delay(pk)
            except (KombuError, OSError):
                # The change is committed; the row waits for messages_resend_stuck.
                logger.warning("broker unavailable: message %s stays queued for the stuck-message sweep", pk, exc_info=True)

    transaction.on_commit(dispatch)


def _recipient(application: Any) -> tuple[str, str]:
    if application.channel == "email" and application.email:
        return "email", application.email
    return "sms", application.phone


def _message(application: Any, event: str, now: dt.datetime, context: dict[str, Any], key: str) -> Message:
    channel, recipient = _recipient(application)
    return Message(
        application=application,
        event=event,
        channel=channel,
        recipient=recipient,
        language=application.language,
        context=context,
        idempotency_key=key,
        created_at=now,
        # Nobody to send to: visible in the delivery log as failed, never retried by the sweep.
        status=Message.Status.QUEUED if recipient else Message.Status.FAILED,
        last_error="" if recipient else "no phone number or e-mail address to send to",
    )


def message_enqueue(*, application: Any, event: str, now: dt.datetime, context: dict[str, Any] | None = None, key: str | None = None) -> Message:
    """One message for the application's applicant, in their language and channel; sent on commit.

    With a `key`, enqueueing the same key again returns the first message and sends nothing new."""
    message = _message(application, event, now, context or {}, key or f"{event}:{application.pk}:{uuid.uuid4().hex}")
    if key is not None:
        defaults = {f.attname: getattr(message, f.attname) for f in Message._meta.concrete_fields if f.name not in ("id", "idempotency_key")}
        message, created = Message.objects.get_or_create(idempotency_key=key, defaults=defaults)
        if not created:
            return message
    else:
        message.save(force_insert=True)
    if message.status == Message.Status.QUEUED:
        _dispatch_on_commit([message.pk])
    return message


def messages_enqueue(*, applications: list[Any], event: str, now: dt.datetime, context_for: Any = None) -> None:
    """The same event for many applications in one insert (bulletin grants, over-age archival)."""
    rows = [_message(a, event, now, context_for(a) if context_for else {}, f"{event}:{a.pk}:{uuid.uuid4().hex}") for a in applications]
    created = Message.objects.bulk_create(rows, batch_size=1000)
    _dispatch_on_commit([m.pk for m in created if m.pk and m.status == Message.Status.QUEUED])


def sms_send_code(*, phone: str, code: str, language: str, now: dt.datetime, purpose: str, about: dict[str, Any] | None = None) -> Message:
    """Send a one-time code by SMS (SPEC §9) now, saying what it confirms (issue 11: the purpose,
    and `about` the kindergarten of a claim, named in `language`). The Message row keeps the purpose, never the
    code; the text travels sealed in the task's argument (notifications.sealing: the broker keeps
    it while retries wait, and SPEC §9 allows a code to be stored only as a hash).

    Call it outside any transaction, after the code is committed: the row commits before the task
    is handed to the broker, so a worker that takes it at once finds it. A broker that does not
    take it: the message is marked failed and Refusal `code_not_sent` tells the family the truth."""
    # durable: nested in another transaction, the worker could run before that one commits.
    with transaction.atomic(durable=True):
        message = Message.objects.create(
            application=None,
            event=Event.CODE,
            channel="sms",
            recipient=phone,
            language=language,
            context={"purpose": purpose},
            idempotency_key=f"code:{uuid.uuid4().hex}",
            created_at=now,
            status=Message.Status.QUEUED if phone else Message.Status.FAILED,
            last_error="" if phone else "no phone number to send to",
        )
    if _suspended.get() or not phone:
        return message
    with translation.override(language):
        sealed = code_text_seal(sms_fit(Event.CODE, {**(about or {}), "code": code, "purpose": purpose}))
    try:
        # argsrepr: short worker logs. expires: a worker that only gets to it after the code
        # expired drops it (`now` may be a test's clock, so the check is Celery's, on the real one).
        code_send.apply_async(args=(message.pk, sealed), argsrepr=f"({message.pk}, '…')", expires=CODE_VALIDITY.total_seconds())
    except (KombuError, OSError) as exc:
        logger.warning("broker unavailable: code message %s not sent", message.pk, exc_info=True)
        Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.FAILED, last_error=f"the broker did not take the code: {type(exc).__name__}"
        )
        raise Refusal("code_not_sent") from exc
    metrics_code_sent(purpose=purpose)  # issue 10: codes sent by purpose (core/metrics.py)
    return message


def messages_retry(*, message_ids: Iterable[int], now: dt.datetime) -> int:
    """Staff's "retry now": failed messages are queued again with a fresh set of attempts and
    dispatched on commit. Codes are not: theirs expired with them. Returns how many."""
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update()
            .filter(pk__in=list(message_ids), status=Message.Status.FAILED)
            .exclude(event=Event.CODE)
            .exclude(recipient="")
            .exclude(recipient__contains="*")  # masked by retention (operations/retention.py): nobody to send to
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=ids).update(status=Message.Status.QUEUED, attempts=0, next_attempt_at=now)
        if ids:  # SPEC §10: who retried which messages
            audit_record(action="messages.retry", now=now, details={"messages": sorted(ids)})
        _dispatch_on_commit(ids)
    return len(ids)


def messages_resend_stuck(*, now: dt.datetime) -> int:
    """Dispatch again every message still queued 10 minutes after its (re)try was due: its task
    was lost (broker down at commit, worker killed). Idempotent: delivery sends a message once.
    A stuck code is marked failed instead: its text was never stored. Returns how many were sent again."""
    overdue = now - STUCK_AFTER
    stuck = Message.objects.filter(status=Message.Status.QUEUED, created_at__lte=overdue).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=overdue)
    )
    with transaction.atomic():
        stuck.filter(event=Event.CODE).update(status=Message.Status.FAILED, last_error="the code was not sent while it was valid")
        ids = list(stuck.exclude(event=Event.CODE).values_list("pk", flat=True)[:10000])
        # Pushed forward so the next sweeps leave them to this dispatch for another 10 minutes.
        Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(next_attempt_at=now)
        _dispatch_on_commit(ids)
    return len(ids)
