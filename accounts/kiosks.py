"""Kiosks (SPEC §10): registered by staff, known by a token in the device's cookie."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import Kiosk
from accounts.services import new_token, token_hash
from audit.services import audit_record

KIOSK_COOKIE = "indigo_kiosk"
KIOSK_IDLE_SECONDS = 90


def kiosk_register(*, kiosk: Kiosk, now: dt.datetime) -> str:
    """Give a (new or existing) kiosk a fresh token; the token is shown once and stored hashed."""
    token = new_token()
    with transaction.atomic():
        kiosk.token_hash = token_hash(token)
        kiosk.save()
        audit_record(action="kiosk.register", obj=kiosk, now=now, details={"kindergarten": kiosk.kindergarten_id})
    return token


def kiosk_by_token(token: str | None) -> Kiosk | None:
    if not token:
        return None
    return Kiosk.objects.select_related("kindergarten").filter(token_hash=token_hash(token), active=True).first()
