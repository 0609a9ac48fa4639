"""Opening a cabinet for an application filed by staff, the importer or the demo (issue 8): the
applicant's identity was seen in person. Apart from accounts.services, which changes the
applications of a cabinet (queues.services), so that filing can open a cabinet without a cycle."""

from __future__ import annotations

import datetime as dt

from accounts.models import Cabinet
from audit.services import audit_record
from core.errors import Refusal
from core.phones import phone_normalize


def phones_normalized(*phones: str) -> tuple[str, ...]:
    """Each phone as phone_normalize writes it; "" when missing or malformed."""

    def normalized(value: str) -> str:
        try:
            return phone_normalize(value) if value else ""
        except Refusal:
            return ""

    return tuple(normalized(value) for value in phones)


def phones_for_cabinet(phone: str, phone2: str) -> tuple[str, str]:
    """An application's phones as a cabinet keeps them: normalized, "" when missing or malformed,
    and the second one dropped when it repeats the first."""
    phone, phone2 = phones_normalized(phone, phone2)
    if not phone:
        phone, phone2 = phone2, ""
    return phone, "" if phone2 == phone else phone2


def cabinet_ensure(*, iin: str, phone: str, phone2: str, now: dt.datetime) -> Cabinet | None:
    """Filing by staff (walk-in, import) or by the demo: the applicant's identity was seen in person.
    A missing cabinet is created with the application's phones; an existing one keeps its phones
    (it only gets them if it has none). No IIN (the simulator): no cabinet."""
    if not iin:
        return None
    phone, phone2 = phones_for_cabinet(phone, phone2)
    cabinet, created = Cabinet.objects.get_or_create(iin=iin, defaults={"phone": phone, "phone2": phone2, "created_at": now})
    if created:
        audit_record(action="cabinet.open", obj=cabinet, now=now, details={"via": "filing"})
    elif not cabinet.phone and phone:
        # A cabinet without a phone (an old one) cannot receive a code: this filing's phones, seen by
        # staff in person (the web wizard never gets here for it: proving it takes a code).
        Cabinet.objects.filter(pk=cabinet.pk, phone="").update(phone=phone, phone2=phone2, phone_changed_at=now)
        audit_record(action="cabinet.phone_change", obj=cabinet, now=now, details={"via": "filing"})
    return cabinet
