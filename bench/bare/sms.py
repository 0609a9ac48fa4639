"""The bench's SMS backend: a one-time code goes to a Redis list keyed by the phone, where the load
generator (bench/http_rush.py) reads it as a family reads its phone. Other SMS are dropped."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation

from core.phones import phone_digits

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
KEY = "bench:sms:{phone}"
_client = None


def _redis():
    global _client
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.BENCH_SMS_REDIS_URL)
    return _client


def _is_code_text(text: str, code: str) -> bool:
    from accounts.models import OneTimeCode
    from notifications.models import Event
    from notifications.texts import message_text

    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for purpose in [None, *OneTimeCode.Purpose.values]:
                if message_text(Event.CODE, {"code": code, "purpose": purpose}) == text:
                    return True
            # A claim's code names the kindergarten (shortened to fit, so only its ends are known).
            prefix, suffix = message_text(Event.CODE, {"code": code, "purpose": "claim", "kindergarten": "\x00"}).split("\x00")
            if text.startswith(prefix) and text.endswith(suffix):
                return True
    return False


class RedisListSmsBackend:
    def send(self, phone: str, text: str) -> str | None:
        for code in CODE.findall(text):
            if _is_code_text(text, code):
                key = KEY.format(phone=phone_digits(phone))
                client = _redis()
                client.rpush(key, code)
                client.expire(key, 900)
                break
        return None
