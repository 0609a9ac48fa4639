"""Who is connecting: the one place that turns a request into the client's address.

Rate limits (core/ratelimit.py), the audit actor (accounts/middleware.py) and the staff login
lockout (django-axes, AXES_CLIENT_IP_CALLABLE) all call `client_ip`, so they agree on who is who.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from ipware.ip import get_client_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies of our own the
    X-Forwarded-For entry the outermost of them appended (anything left of it is the client's word).

    Without trusted proxies X-Forwarded-For is ignored: anyone can send it. A request whose header
    has fewer entries than there are proxies did not come through them: its REMOTE_ADDR counts.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        # ipware counts the proxies inside the header; the last of ours is REMOTE_ADDR, not in it.
        ip, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=("HTTP_X_FORWARDED_FOR",),
            strict=False,
        )
        if ip:
            return ip
    return request.META.get("REMOTE_ADDR") or None


def safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    """Where to go back to: `value` only when it points into this site (no open redirect), else `default`."""
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return default
