"""Redis down: the rate-limited pages still answer (no 500), and each process keeps the limits
in its own memory until the cache is back."""

import logging
from types import SimpleNamespace

import pytest
from django.test import Client

from core import ratelimit
from core.ratelimit import LocalWindows
from opendata.views import CHECK_LIMIT
from tests.accounts.conftest import PARENT_IIN

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every cache call fails as with a stopped Redis.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = DEAD_REDIS
    monkeypatch.setattr(ratelimit, "local_windows", LocalWindows(ratelimit.LOCAL_MAX_BUCKETS))
    monkeypatch.setattr(ratelimit, "_last_warning", 0.0)
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))  # one window


def test_the_cabinet_login_answers_and_still_limits_code_requests(redis_down, caplog):
    client = Client()
    caplog.set_level(logging.WARNING, logger="core.ratelimit")
    statuses = [client.post("/cabinet/login/", {"iin": PARENT_IIN}).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]  # no application with this IIN: the form says so, ten times
    assert "the cache is unavailable (ConnectionError)" in caplog.text
    assert len([r for r in caplog.records if r.name == "core.ratelimit"]) == 1  # once, not per request
    assert PARENT_IIN not in caplog.text


def test_the_queue_check_answers_and_still_limits_lookups(redis_down):
    client = Client()
    assert "No application was found." in client.post("/open/check/", {"query": "12345"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    statuses = [client.get("/open/check/?number=12345").status_code for _ in range(CHECK_LIMIT)]
    assert statuses == [200] * (CHECK_LIMIT - 1) + [429]
    assert client.get("/open/check/?number=12346").status_code == 200  # another family's number (issue 9)


def test_the_memory_of_one_process_stays_bounded():
    windows = LocalWindows(max_buckets=100)
    for n in range(1000):
        windows.hit(f"rl:check:10.0.{n // 250}.{n % 250}:1", expires_at=60.0, now=0.0)
    assert len(windows._hits) <= 100
    assert windows.hit("rl:check:10.0.3.249:1", expires_at=60.0, now=0.0) == 2  # the latest are kept
    windows.hit("rl:check:10.1.0.0:2", expires_at=120.0, now=61.0)
    assert len(windows._hits) <= 100
