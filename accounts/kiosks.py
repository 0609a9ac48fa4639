"""Kiosks (SPEC §10): a screen known by a token in its cookie, paired by staff in the admin.

Issue 11: nobody types a 43-character token on a touch screen. A new screen shows a short code
(`kiosk_pairing_start`), valid PAIRING_MINUTES; staff type or scan it in the admin and pick the
kiosk (`kiosk_pairing_confirm`); the screen, polling, takes its token (`kiosk_pairing_complete`).
The token is made on the screen's own request and goes only into its cookie: nobody ever sees it."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils.text import slugify

from accounts.models import Kiosk, KioskPairing
from accounts.services import new_token, token_hash
from audit.services import audit_record
from core.errors import Refusal

KIOSK_COOKIE = "indigo_kiosk"
KIOSK_PAIRING_COOKIE = "indigo_kiosk_pairing"
KIOSK_IDLE_SECONDS = 90
PAIRING_MINUTES = 10
PAIRING_CODE_LENGTH = 8
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: what staff read off a screen is what they type.
PAIRING_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def kiosk_register(*, kiosk: Kiosk, now: dt.datetime) -> str:
    """Give a (new or existing) kiosk a fresh token; the old one stops working. Stored hashed."""
    token = new_token()
    with transaction.atomic():
        kiosk.token_hash = token_hash(token)
        kiosk.active = True
        kiosk.save()
        audit_record(action="kiosk.register", obj=kiosk, now=now, details={"kindergarten": kiosk.kindergarten_id})
    return token


def kiosk_by_token(token: str | None) -> Kiosk | None:
    if not token:
        return None
    return Kiosk.objects.select_related("kindergarten").filter(token_hash=token_hash(token), active=True).first()


SEEN_EVERY = dt.timedelta(minutes=5)


def kiosk_seen(*, kiosk: Kiosk, now: dt.datetime) -> None:
    """Kiosk.last_seen_at (shown in the admin's kiosk list: is that screen still on?), written at most
    once every SEEN_EVERY, so a kiosk's polling costs no write per request."""
    if kiosk.last_seen_at is not None and now - kiosk.last_seen_at < SEEN_EVERY:
        return
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=now)
    kiosk.last_seen_at = now


def pairing_code_normalize(code: str) -> str:
    """What staff typed: any case, with spaces or a dash in the middle."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def kiosk_pairing_start(*, now: dt.datetime) -> tuple[KioskPairing, str]:
    """A new pairing for a screen: (the pairing, with its code to show; the secret for its cookie)."""
    secret = new_token()
    for _ in range(5):  # a clash of 25^8 codes is rare; the unique index is the judge
        code = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))
        if not KioskPairing.objects.filter(code=code).exists():
            break
    pairing = KioskPairing.objects.create(code=code, secret_hash=token_hash(secret), created_at=now, expires_at=now + dt.timedelta(minutes=PAIRING_MINUTES))
    return pairing, secret


def kiosk_pairing_by_secret(secret: str | None, *, now: dt.datetime) -> KioskPairing | None:
    """The screen's pairing, while it is still of use: pending and not expired, or confirmed and not yet completed."""
    if not secret:
        return None
    pairing = KioskPairing.objects.select_related("kiosk__kindergarten").filter(secret_hash=token_hash(secret), completed_at__isnull=True).first()
    if pairing is None or (pairing.confirmed_at is None and pairing.expires_at <= now):
        return None
    return pairing


def kiosk_pairing_confirm(*, code: str, kiosk: Kiosk, now: dt.datetime, by=None) -> KioskPairing:
    """Staff confirm the code a screen shows, for `kiosk` (saved first if new). A conditional update
    decides: a code unknown, expired or already confirmed is `pairing_code_unknown`."""
    code = pairing_code_normalize(code)
    with transaction.atomic():
        if kiosk.pk is None:
            kiosk.token_hash = token_hash(new_token())  # no screen holds it: inactive until paired
            kiosk.save()
        changed = KioskPairing.objects.filter(code=code, confirmed_at__isnull=True, completed_at__isnull=True, expires_at__gt=now).update(
            kiosk=kiosk, confirmed_at=now, confirmed_by=by
        )
        if changed != 1:
            raise Refusal("pairing_code_unknown")
        pairing = KioskPairing.objects.get(code=code)
        audit_record(action="kiosk.pair", obj=kiosk, now=now, details={"kindergarten": kiosk.kindergarten_id, "pairing": pairing.pk})
    return pairing


def kiosk_pairing_complete(*, pairing: KioskPairing, now: dt.datetime) -> str | None:
    """The screen asks again: once its pairing is confirmed, it gets a new token of its kiosk (the
    kiosk's previous screen, if any, stops working). None while not confirmed; once only."""
    with transaction.atomic():
        changed = KioskPairing.objects.filter(pk=pairing.pk, confirmed_at__isnull=False, completed_at__isnull=True).update(completed_at=now)
        if changed != 1:
            return None
        kiosk = Kiosk.objects.select_for_update().get(pk=pairing.kiosk_id)
        return kiosk_register(kiosk=kiosk, now=now)


def kiosk_code_for(kindergarten, pairing_code: str) -> str:
    """A new kiosk's slug: its kindergarten's code and the pairing code (unique, readable)."""
    return slugify(f"{kindergarten.code}-{pairing_code}")[:64]
