"""Errors to Sentry, optional (issue 10): on only when SENTRY_DSN is set (indigo/settings.py).

Nothing personal leaves the machine: `send_default_pii=False` (no cookies, user or client address),
no request bodies (a family's form holds names and addresses as well), no local variables, and every
string of every event, transaction and breadcrumb passes through the logs' `mask` (core/logs.py):
IINs, phone numbers and one-time codes become [iin], [phone] and [code] — in the URL and query
string, headers, exception messages, log messages and their arguments, Celery task arguments, SQL.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any
from urllib.parse import unquote_plus

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from core.logs import mask


def scrub(value: Any) -> Any:
    """`value` with IINs, phones and codes masked in every string inside it, dictionary keys too.
    A percent-encoded string (a query string, a Referer) is decoded first, so `%2B7%20701…` is
    caught; a number that is itself an IIN, a phone or a code becomes its masked text."""
    if isinstance(value, str):
        decoded = unquote_plus(value) if "%" in value else value
        masked = mask(decoded)
        return value if masked == decoded else masked
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        masked = mask(text)
        return value if masked == text else masked
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """The event, every string masked. A log message is rendered with its arguments first, as the
    log filter does, so an IIN passed in two halves is masked whole."""
    logentry = event.get("logentry")
    if isinstance(logentry, dict) and logentry.get("params"):
        try:
            logentry["formatted"] = logentry.get("message", "") % tuple(logentry["params"])
        except Exception:  # a bad format string: keep what there is, masked
            logentry["formatted"] = f"{logentry.get('message', '')} {logentry['params']!r}"
        logentry["message"] = logentry["formatted"]
        logentry["params"] = []
    return scrub(event)


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Breadcrumbs (log lines, SQL, HTTP calls), every string masked; a log line rendered first."""
    record = (hint or {}).get("log_record")
    if record is not None:
        with contextlib.suppress(Exception):  # a bad format string: keep the crumb's own message
            crumb["message"] = record.getMessage()
    return scrub(crumb)


def init(dsn: str, environment: str, release: str | None = None, *, traces_sample_rate: float = 0.0, **options: Any) -> None:
    """Start the SDK for this process (web, worker or beat). `options` pass on to `sentry_sdk.init`
    (the tests give a `transport` that keeps the envelopes)."""
    with warnings.catch_warnings():
        # sentry-sdk 2.75 deprecates send_default_pii for `data_collection`, but setting the latter
        # switches off the SDK's own EventScrubber (passwords, tokens, cookies, auth headers): keep it.
        warnings.filterwarnings("ignore", message=".*send_default_pii.*", category=DeprecationWarning)
        sentry_sdk.init(
            dsn=dsn,
            environment=environment,
            release=release or None,
            integrations=[DjangoIntegration(), CeleryIntegration()],
            send_default_pii=False,
            max_request_body_size="never",
            include_local_variables=False,
            before_send=before_send,
            before_send_transaction=before_send,
            before_breadcrumb=before_breadcrumb,
            traces_sample_rate=traces_sample_rate,
            **options,
        )
