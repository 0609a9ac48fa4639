"""A fixed-window rate limit in the shared cache (Redis in production; a file cache by default,
shared by the processes of one machine). Used for the public queue check and code sending."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import Refusal


def rate_limit_hit(*, key: str, limit: int, window: int) -> None:
    """Count one hit for `key`; refuse with `rate_limited` past `limit` hits in the window."""
    bucket = f"rl:{key}:{int(time.time() // window)}"
    cache.add(bucket, 0, timeout=window + 5)
    try:
        hits = cache.incr(bucket)
    except ValueError:  # the bucket expired between add and incr
        cache.set(bucket, 1, timeout=window + 5)
        hits = 1
    if hits > limit:
        raise Refusal("rate_limited")


def client_key(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def rate_limited(scope: str, *, limit: int, window: int = 60, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Decorator for views: per client IP; answers 429 with a page in the user's language."""

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
