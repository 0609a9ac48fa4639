"""Errors to Sentry, optional, and nothing personal in them (issue 10, core/sentry.py). The SDK
sends through a transport that keeps the envelopes here; nothing leaves the machine."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from core import sentry

ROOT = Path(__file__).resolve().parents[2]
IIN = "180304500123"
PHONE = "+7 701 123 45 67"
PHONE_DIGITS = "7011234567"
CODE = "482915"

logger = logging.getLogger("indigo.test_sentry")


@csrf_exempt  # posted straight to the WSGI handler, with no CSRF token
def _broken(request: HttpRequest, iin: str) -> HttpResponse:
    phone = request.GET.get("phone", "")
    logger.info("looking up %s%s for %s", iin[:6], iin[6:], phone)  # the IIN in two halves
    raise ValueError(f"no seat for {iin}, phone {phone}, code {request.POST.get('code')}")


def handler500(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError("error")


# This module is the URLconf of the view test: one failing view, nothing else of the portal.
urlpatterns = [path("fail/sentry/<str:iin>/", _broken)]


class KeptTransport(Transport):
    """Keeps the envelopes the SDK would have sent."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
def kept():
    transport = KeptTransport()
    sentry.init("https://public@sentry.example.invalid/1", "test", "indigo@test", transport=transport)
    yield transport
    # Back to no client: the other tests run without Sentry (the integrations do nothing then).
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)
    sentry_sdk.get_isolation_scope().clear()
    sentry_sdk.get_current_scope().clear()


def _events(transport: KeptTransport) -> list[dict]:
    return [event for envelope in transport.envelopes if (event := envelope.get_event()) is not None]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_view_reaches_sentry_with_iin_phone_and_code_masked(kept):
    # Through the WSGI handler, as gunicorn calls it: the SDK reads the request's URL, query string
    # and headers there (Django's test client skips that layer).
    body = urlencode({"code": CODE, "iin": IIN, "phone": PHONE}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/fail/sentry/{IIN}/",
        "QUERY_STRING": "phone=%2B7%20701%20123%2045%2067",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_REFERER": f"https://indigo.example.kz/open/check/?iin={IIN}",
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    statuses = []
    b"".join(WSGIHandler()(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses[0].startswith("500")
    sentry_sdk.flush()

    events = _events(kept)
    assert len(events) == 1
    event = events[0]
    text = json.dumps(event, ensure_ascii=False)
    for secret in (IIN, PHONE_DIGITS, "701 123 45 67", "701%20123", CODE):
        assert secret not in text
    assert event["environment"] == "test"
    assert event["release"] == "indigo@test"
    assert event["request"]["url"].endswith("/fail/sentry/[iin]/")
    assert "[phone]" in event["request"]["query_string"]
    assert "[iin]" in event["request"]["headers"]["Referer"]
    assert not event["request"].get("data")  # no request bodies at all (names, addresses)
    value = event["exception"]["values"][-1]["value"]
    assert value == "no seat for [iin], phone [phone], code [code]"
    assert all("vars" not in frame for frame in event["exception"]["values"][-1]["stacktrace"]["frames"])
    crumbs = [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]
    assert "looking up [iin] for [phone]" in crumbs
    assert "ip_address" not in event.get("user", {})


def test_a_logged_error_is_rendered_with_its_arguments_then_masked():
    event = {
        "logentry": {"message": "claim for %s%s refused", "params": [IIN[:5], IIN[5:]]},
        "extra": {"celery-job": {"args": [int(IIN)], "kwargs": {"phone": "87011234567"}}},
    }
    scrubbed = sentry.before_send(event, {})
    assert scrubbed["logentry"]["message"] == "claim for [iin] refused"
    assert scrubbed["logentry"]["params"] == []
    assert scrubbed["extra"]["celery-job"] == {"args": ["[iin]"], "kwargs": {"phone": "[phone]"}}
    assert sentry.scrub({"application": 10234, "date": "20240602"}) == {"application": 10234, "date": "20240602"}


def _sentry_initialised_by_settings(dsn: str | None) -> bool:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    if dsn:
        env["SENTRY_DSN"] = dsn
    env["DJANGO_SETTINGS_MODULE"] = "indigo.settings"
    script = "import django, sentry_sdk; django.setup(); print(sentry_sdk.is_initialized())"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() == "True"


def test_without_sentry_dsn_sentry_is_not_initialised():
    assert _sentry_initialised_by_settings(None) is False


def test_with_sentry_dsn_the_settings_initialise_sentry():
    assert _sentry_initialised_by_settings("https://public@sentry.example.invalid/1") is True
