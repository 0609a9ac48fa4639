"""Who is connecting (core/net.py): one answer for the rate limits, the audit trail and the staff
lockout. X-Forwarded-For counts only behind TRUSTED_PROXY_COUNT proxies of our own."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from accounts.middleware import CabinetMiddleware
from core.net import client_ip

PROXY = "172.18.0.2"  # nginx, as gunicorn sees it


def _request(**meta):
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, None, PROXY),
        (0, "203.0.113.7", PROXY),  # anyone can send the header: without trusted proxies it is ignored
        (1, None, PROXY),  # not through the proxy: the connecting address counts
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client's own entry is left of nginx's
        (1, "not-an-address, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.1, 203.0.113.7", "198.51.100.1"),  # a CDN in front of nginx appended the last
        (2, "203.0.113.7", PROXY),  # fewer entries than proxies: it did not come through them
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": PROXY} | ({"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {})
    assert client_ip(_request(**meta)) == expected


@pytest.fixture
def check_limit_of_two(monkeypatch):
    """The address's ceiling at 2 (issue 9: the check is limited per searched number, plus a ceiling
    per address); every lookup searches another number, so only the address's limit can refuse."""
    monkeypatch.setattr("core.ratelimit.ADDRESS_CEILING", 2)
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))  # one window


_numbers = iter(range(900_000, 1_000_000))


def _check(client, **extra):
    return client.post("/open/check/", {"query": str(next(_numbers))}, REMOTE_ADDR=PROXY, **extra)


@pytest.mark.django_db
def test_two_clients_behind_the_proxy_have_limits_of_their_own(settings, check_limit_of_two):
    settings.TRUSTED_PROXY_COUNT = 1
    first, second = Client(), Client()
    assert [_check(first, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code for _ in range(3)] == [200, 200, 429]
    assert _check(second, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


@pytest.mark.django_db
def test_a_forged_forwarded_for_without_trusted_proxies_changes_nothing(settings, check_limit_of_two):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    statuses = [_check(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_the_audit_trail_records_the_client_behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    request.kiosk, request.cabinet, request.user = None, None, AnonymousUser()
    assert CabinetMiddleware._actor(request).ip == "203.0.113.7"
