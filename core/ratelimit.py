"""A fixed-window rate limit in the shared cache (Redis in production; a file cache by default,
shared by the processes of one machine). Used for the public queue check and code sending.

Families share addresses (a carrier's NAT, a kiosk, the production proxy), so what a family does is
limited per family — its phone (accounts/otp.py), cabinet, application or searched identifier —
and the address gets only a generous ceiling that stops a flood (`rate_limit_hits`, `rate_limited_per`).

When the cache fails (Redis down or slow), each process counts on its own in a small in-memory
window instead: the limits stay on, looser by the number of processes, and nobody gets a 500."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import NamedTuple

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import Refusal
from core.keys import derived_key
from core.net import client_ip

logger = logging.getLogger(__name__)

# Buckets kept by one process while the cache is down: one per client and scope in the window.
LOCAL_MAX_BUCKETS = 10_000
# One warning a minute per process while the cache is down, not one per request.
WARNING_INTERVAL = 60
# What one address may do in ADDRESS_WINDOW seconds, whoever is behind it: one kiosk or carrier NAT
# serves many families, each limited on its own; this only stops a flood.
ADDRESS_CEILING = 300
ADDRESS_WINDOW = 600


class Limit(NamedTuple):
    key: str
    limit: int
    window: int


class LocalWindows:
    """Fixed-window hit counts in this process's memory, bounded in size."""

    def __init__(self, max_buckets: int) -> None:
        self.max_buckets = max_buckets
        self._hits: dict[str, tuple[float, int]] = {}  # bucket -> (expires at, hits)
        self._lock = threading.Lock()

    def hit(self, bucket: str, *, expires_at: float, now: float) -> int:
        with self._lock:
            if bucket not in self._hits and len(self._hits) >= self.max_buckets:
                self._make_room(now)
            _expires, hits = self._hits.get(bucket, (expires_at, 0))
            self._hits[bucket] = (expires_at, hits + 1)
            return hits + 1

    def _make_room(self, now: float) -> None:
        for bucket in [bucket for bucket, (expires, _hits) in self._hits.items() if expires <= now]:
            del self._hits[bucket]
        # Still full (a flood of distinct clients): forget the oldest tenth rather than grow.
        if len(self._hits) >= self.max_buckets:
            for bucket in list(self._hits)[: max(1, self.max_buckets // 10)]:
                del self._hits[bucket]

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


local_windows = LocalWindows(LOCAL_MAX_BUCKETS)
_last_warning = 0.0


def _shared_hit(bucket: str, window: int) -> int:
    cache.add(bucket, 0, timeout=window + 5)
    try:
        return cache.incr(bucket)
    except ValueError:  # the bucket expired between add and incr
        cache.set(bucket, 1, timeout=window + 5)
        return 1


def _warn_cache_down(error: Exception) -> None:
    global _last_warning
    now = time.time()
    if now - _last_warning >= WARNING_INTERVAL:
        _last_warning = now
        # The error's class only: a key or message could carry a client's address.
        logger.warning("rate limits: the cache is unavailable (%s); counting in this process's memory", type(error).__name__)


def _hit(key: str, window: int) -> int:
    now = time.time()
    number = int(now // window)
    bucket = f"rl:{key}:{number}"
    try:
        return _shared_hit(bucket, window)
    except Exception as error:  # any failure of the cache backend (redis ConnectionError, TimeoutError, …)
        _warn_cache_down(error)
        return local_windows.hit(bucket, expires_at=(number + 1) * window, now=now)


def rate_limit_hit(*, key: str, limit: int, window: int) -> None:
    """Count one hit for `key`; refuse with `rate_limited` past `limit` hits in the window."""
    rate_limit_hits([Limit(key, limit, window)])


def rate_limit_hits(limits: Iterable[Limit]) -> None:
    """Count one hit on every key; refuse with `rate_limited` when any of them is past its limit.
    Every key counts the hit, refused or not, so hammering one family also uses up the address's
    ceiling and a flood from one address cannot slip through by spreading over families."""
    over = False
    for key, limit, window in limits:
        if _hit(key, window) > limit:
            over = True
    if over:
        raise Refusal("rate_limited")


_KEY_LABEL = b"indigo.ratelimit: personal values in rate-limit keys"


def hashed(value: str) -> str:
    """A key part for a personal value (an IIN, a phone): keyed, so a cache dump names nobody."""
    return hmac.new(derived_key(setting="SECRET_KEY", label=_KEY_LABEL), value.encode(), hashlib.sha256).hexdigest()[:32]


def client_key(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def address_limit(request: HttpRequest, scope: str) -> Limit:
    """The generous per-address ceiling of a scope (read at call time: tests lower it)."""
    return Limit(f"{scope}:ip:{client_key(request)}", ADDRESS_CEILING, ADDRESS_WINDOW)


def rate_limited_per(scope: str, *, limits: Callable[..., list[Limit]], methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Decorator for views: `limits(request, *args, **kwargs)` names the family's keys (cabinet,
    application, hashed identifier); the address ceiling of the scope is added. 429 with a page in
    the user's language."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods:
                try:
                    rate_limit_hits([*limits(request, *args, **kwargs), address_limit(request, scope)])
                except Refusal as refusal:
                    return render(request, "rate_limited.html", {"message": refusal.message}, status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def rate_limited(scope: str, *, limit: int, window: int = 60, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Decorator for views: per client address only (for what families do there, prefer
    `rate_limited_per`); answers 429 with a page in the user's language."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods:
                try:
                    rate_limit_hit(key=f"{scope}:{client_key(request)}", limit=limit, window=window)
                except Refusal as refusal:
                    return render(request, "rate_limited.html", {"message": refusal.message}, status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
