"""SMS backends. `console` prints, `outbox` keeps messages in memory for tests and the demo."""

from __future__ import annotations

import logging

logger = logging.getLogger("indigo.sms")


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        masked = phone[:-4].rjust(len(phone) - 4, "*")[:2] + "****" + phone[-2:] if phone else ""
        logger.info("SMS to %s: %s", masked, text)


class OutboxSmsBackend:
    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))
