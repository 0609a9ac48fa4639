"""A one-time code's SMS text on its way through the broker (SPEC §9: a code is stored only as a hash).

The text rides in the send task's argument, which the broker (Redis) keeps until a worker takes
it, and again while a retry waits. It travels sealed with Fernet (AES-128-CBC and an HMAC-SHA256
tag, from `cryptography`): whoever reads the broker sees neither the code nor the text, and a
token that was changed, sealed under another key or is older than a code's validity does not open.

The key is derived from `CODE_ENCRYPTION_KEY`, or from `SECRET_KEY` when that is empty (the demo
needs nothing); web and workers must share it. Changing it only fails the codes in flight.
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography.fernet import Fernet, InvalidToken

from core.keys import derived_key

# SPEC §9: a one-time code is valid 5 minutes; its sealed text opens no longer than that, and the
# send task expires with it (notifications.services.sms_send_code).
CODE_VALIDITY = dt.timedelta(minutes=5)

# A label of our own: the derived key is neither SECRET_KEY nor the one-time codes' hash key.
_PURPOSE = b"indigo.notifications.sealing: one-time code text in the broker"


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(setting="CODE_ENCRYPTION_KEY", label=_PURPOSE)))


def code_text_seal(text: str) -> str:
    """The text as an opaque ASCII token for the task's argument."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def code_text_open(token: str) -> str | None:
    """The text back, or None when the token was tampered with, sealed under another key, or is
    older than a code lives (SPEC §9: 5 minutes)."""
    try:
        return _fernet().decrypt(str(token).encode(), ttl=int(CODE_VALIDITY.total_seconds())).decode()
    except (InvalidToken, UnicodeError):
        return None
