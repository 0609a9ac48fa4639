"""The delivery tasks the notification services dispatch after commit; safe to run twice or late.

They import only the delivery (notifications.delivery), never the services that dispatch them, so
the two do not import each other; the beat's stuck-message sweep, which calls a service, is a job
of operations/tasks.py.

The Message row counts the attempts and decides when to give up (delivery.retry_delay): Celery's
own retry counter starts again when `messages_resend_stuck` re-dispatches a message, so its
max_retries is only a backstop.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.utils import timezone

from notifications.delivery import CODE_RETRY_SECONDS, MAX_ATTEMPTS, Outcome, code_deliver, message_deliver


def _retry_if_asked(task: Task, outcome: Outcome, **options: object) -> None:
    # Eager mode (tests, the `simulate` command) has no broker to hold a countdown: the message
    # stays queued with its next_attempt_at and the stuck-message sweep sends it later.
    if outcome.retry_in is not None and not task.request.is_eager:
        raise task.retry(countdown=outcome.retry_in, **options)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_ATTEMPTS - 1)
def message_send(self: Task, message_id: int) -> None:
    """Deliver one message; a gateway that is down delays it (retry with backoff), never loses it."""
    _retry_if_asked(self, message_deliver(message_id=message_id, now=timezone.now()))


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=len(CODE_RETRY_SECONDS))
def code_send(self: Task, message_id: int, sealed_text: str) -> None:
    """Deliver a one-time code: its text comes sealed (notifications.sealing) because it is stored nowhere."""
    # The retry carries the same sealed argument: the broker never holds the code in clear.
    _retry_if_asked(self, code_deliver(message_id=message_id, sealed_text=sealed_text, now=timezone.now()), argsrepr=f"({message_id}, '…')")
