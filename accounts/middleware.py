"""Who is asking: the kiosk (cookie), the parent cabinet (session), staff/operators (auth).

Sets `request.kiosk`, `request.cabinet` and the audit actor; ends sessions of a replaced device,
a blocked cabinet, an idle kiosk or a kiosk's session seen off that kiosk; and marks private pages
`Cache-Control: no-store`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.cache import patch_cache_control

from accounts.kiosks import KIOSK_COOKIE, KIOSK_IDLE_SECONDS, kiosk_by_token, kiosk_seen
from accounts.models import Cabinet
from audit.context import Actor, acting_as
from core.net import client_ip

SESSION_CABINET = "cabinet_id"
SESSION_DEVICE = "cabinet_device"
SESSION_KIOSK = "kiosk_id"  # the kiosk a session began on: it lives on that kiosk only
SESSION_KIOSK_SEEN = "kiosk_seen"  # the last input on the kiosk, a POSIX timestamp
POLL_HEADER = "HTTP_X_INDIGO_POLL"


def _kiosk_session_check(request, now: dt.datetime) -> None:
    """SPEC §10: no session survives the family walking away from a kiosk. A session begun there is
    valid only with that kiosk's cookie (its session cookie copied elsewhere is worth nothing), and
    90 s without input end it whatever the request carries."""
    session = request.session
    bound = session.get(SESSION_KIOSK)
    if (bound is not None or session.get(SESSION_DEVICE) == "kiosk") and (request.kiosk is None or request.kiosk.pk != bound):
        session.flush()
    seen = session.get(SESSION_KIOSK_SEEN)
    if seen is not None and now.timestamp() - seen > KIOSK_IDLE_SECONDS:
        session.flush()  # the family walked away: nothing of theirs survives
    if request.kiosk is not None:
        if session.get(SESSION_KIOSK) != request.kiosk.pk:  # unchanged: a poll saves nothing
            session[SESSION_KIOSK] = request.kiosk.pk
        if not request.META.get(POLL_HEADER):  # the countdown's polling is not input
            session[SESSION_KIOSK_SEEN] = now.timestamp()


def _cabinet_for(request, now) -> Cabinet | None:
    cabinet_id = request.session.get(SESSION_CABINET)
    if not cabinet_id:
        return None
    cabinet = Cabinet.objects.filter(pk=cabinet_id).first()
    on_kiosk = request.session.get(SESSION_DEVICE) == "kiosk"
    # A new device's login replaced this one, or staff blocked the cabinet: the session ends.
    if cabinet is None or cabinet.is_blocked(now) or (not on_kiosk and request.session.get(SESSION_DEVICE) != cabinet.device_token_hash):
        request.session.flush()
        return None
    return cabinet


class CabinetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now()
        request.kiosk = kiosk_by_token(request.COOKIES.get(KIOSK_COOKIE))
        if request.kiosk is not None:
            kiosk_seen(kiosk=request.kiosk, now=now)
        _kiosk_session_check(request, now)
        request.cabinet = _cabinet_for(request, now)
        response_actor = self._actor(request)
        with acting_as(response_actor):
            response = self.get_response(request)
        if request.kiosk is not None or request.cabinet is not None or request.path.startswith(("/cabinet/", "/kiosk/", "/operator/")):
            patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
        return response

    @staticmethod
    def _actor(request) -> Actor:
        ip = client_ip(request)
        if request.kiosk is not None:
            label = f"kiosk {request.kiosk.code}"
            if request.cabinet is not None:
                label += f" / cabinet {request.cabinet.pk}"
            return Actor(kind="kiosk", label=label, ip=ip, device=f"kiosk:{request.kiosk.code}")
        if request.cabinet is not None:
            return Actor(kind="parent", label=f"cabinet {request.cabinet.pk}", ip=ip, device=f"device:{request.cabinet.device_token_hash[:12]}")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            kind = "staff" if user.is_staff else "operator"
            return Actor(kind=kind, label=user.get_username(), ip=ip, device=request.META.get("HTTP_USER_AGENT", "")[:200])
        return Actor(kind="public", label="anonymous", ip=ip, device=request.META.get("HTTP_USER_AGENT", "")[:200])
