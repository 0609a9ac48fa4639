from celery import shared_task

from notifications.delivery import message_deliver


@shared_task(bind=True, max_retries=8, default_retry_delay=30, retry_backoff=True)
def message_send(self, message_id: int) -> None:
    """Deliver one message; a gateway that is down delays it (retry with backoff), never loses it."""
    try:
        message_deliver(message_id=message_id)
    except ConnectionError as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
