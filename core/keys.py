"""Keys for one purpose each, derived from a secret setting (or from SECRET_KEY while that is empty):
a key that leaks for one purpose (the broker's codes, the audit chain) opens nothing else."""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings


@functools.lru_cache(maxsize=16)
def _derive(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def derived_key(*, setting: str, label: bytes) -> bytes:
    """32 bytes for the purpose `label`, from settings.<setting>, or from SECRET_KEY while it is empty
    (the demo). Read on every call, so a test's settings override takes effect at once."""
    return _derive(getattr(settings, setting) or settings.SECRET_KEY, label)
