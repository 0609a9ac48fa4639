"""One-time form tokens: a form that changes something is carried out once, however often it is
sent (a double press, a resend after a slow answer, a second tab).

The page puts a signed random token into the form (`{% form_token "scope" %}`, core/templatetags/
once.py); the view consumes it with `form_once(...)`, in the same transaction as the change. The
token's row is unique (core.models.FormToken): a second sending's INSERT fails — or waits for the
first to commit, then fails — so it changes nothing and is refused with `form_resent`. If the
change itself is refused, the transaction rolls back and the token stays usable. A missing, forged,
expired or someone else's token is `form_token_invalid`: the page shows the form again with a
fresh one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Iterator

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from core.errors import Refusal
from core.models import FormToken

FIELD = "form_token"
MAX_AGE = 24 * 3600  # a form left open longer is refused and shown again with a fresh token
_SALT = "core.once"


def _holder(request: HttpRequest) -> str:
    """Whose token: the logged-in user, or else the browser's session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


def form_token_issue(request: HttpRequest, *, scope: str) -> str:
    """A new token for one form of `scope` (e.g. "operator-release"), signed: it cannot be made up."""
    return signing.dumps([scope, _holder(request), secrets.token_urlsafe(24)], salt=_SALT)


def _nonce(request: HttpRequest, *, scope: str) -> str:
    try:
        value = signing.loads(request.POST.get(FIELD, ""), salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        raise Refusal("form_token_invalid") from None
    if not (isinstance(value, list) and len(value) == 3 and value[0] == scope and value[1] == _holder(request)):
        raise Refusal("form_token_invalid")
    return str(value[2])


@contextlib.contextmanager
def form_once(request: HttpRequest, *, scope: str, now: dt.datetime) -> Iterator[None]:
    """Run the block once per token, in one transaction with the token's use. Refusal before the
    block: `form_token_invalid`, or `form_resent` when the token was used (by a committed sending)."""
    nonce = _nonce(request, scope=scope)
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormToken.objects.create(token=nonce, used_at=now)
        except IntegrityError:
            raise Refusal("form_resent") from None
        yield


def form_tokens_sweep(*, now: dt.datetime) -> int:
    """Forget used tokens older than a token can live (they are refused as expired anyway). Idempotent."""
    deleted, _ = FormToken.objects.filter(used_at__lt=now - dt.timedelta(seconds=MAX_AGE)).delete()
    return deleted
