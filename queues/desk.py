"""The education department's desk (issue 11, item 6): a clerk files a walk-in application, and
corrects an application's phones or IINs with a reason. Every rule of the filing is
queues.services.application_file's; this module adds only what the desk proves in person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files import File
from django.db import transaction

from accounts.cabinets import cabinet_ensure
from accounts.models import Cabinet
from accounts.otp import code_consume, code_issue, code_verify
from audit.services import audit_record
from core.calendar import local
from core.errors import Refusal
from core.iin import iin_birth_date, iin_is_valid
from core.phones import phone_masked, phone_normalize
from queues.documents import benefit_document_attach
from queues.models import Application
from queues.services import application_file, application_phone_change

DESK_PURPOSE = "desk_filing"


def iin_masked(iin: str) -> str:
    """`1234********`, as a cabinet shows itself: an audit record says that an IIN changed, not which."""
    return f"{iin[:4]}********" if iin else ""


def _cabinet_phones(cabinet: Cabinet) -> set[str]:
    return {number for _slot, number in cabinet.phone_slots()}


def desk_phones_to_confirm(*, applicant_iin: str, phone: str, phone2: str = "") -> list[str]:
    """The phones whose codes the parent reads out to the clerk: the application's, plus the first
    phone of the applicant's cabinet when it has one and neither phone is the cabinet's (issue 8:
    only the holder of a cabinet may file for its IIN, as in the wizard's proof step)."""
    phones = [phone_normalize(p) for p in (phone, phone2) if p]
    cabinet = Cabinet.objects.filter(iin=applicant_iin).first()
    if cabinet is not None and cabinet.phone and not (_cabinet_phones(cabinet) & set(phones)):
        phones.append(cabinet.phone)
    return phones


def desk_code_send(*, phone: str, language: str, now: dt.datetime) -> None:
    """One code to one phone; SPEC §9's limits apply (code_too_soon, code_limit)."""
    code_issue(phone=phone, purpose=DESK_PURPOSE, now=now, language=language)


def _desk_cabinet_check(*, applicant_iin: str, confirmed: Iterable[str], now: dt.datetime) -> None:
    """Issue 8 at the desk: an IIN with a cabinet is filed for only by whoever read out a code sent
    to one of the cabinet's phones; a blocked cabinet files nothing. A cabinet without phones (an
    old one) gets this filing's phones, seen in person (accounts.cabinets.cabinet_ensure)."""
    cabinet = Cabinet.objects.select_for_update().filter(iin=applicant_iin).first()
    if cabinet is None:
        return
    if cabinet.is_blocked(now):
        raise Refusal("cabinet_blocked", until=local(cabinet.blocked_until).strftime("%d.%m.%Y"), reason=cabinet.block_reason)
    if cabinet.phone and not (_cabinet_phones(cabinet) & set(confirmed)):
        raise Refusal("cabinet_exists")


def application_file_at_desk(*, filing: dict[str, Any], codes: dict[str, str], documents: Iterable[File] = (), now: dt.datetime) -> Application:
    """File `filing` (application_file's arguments) for a walk-in parent, once every phone of
    desk_phones_to_confirm has its code right. Codes are checked first, outside the transaction,
    so wrong tries count (SPEC §9); they are used up only if the filing succeeds. A refused code
    carries `.phone`, the number it was for."""
    phones = desk_phones_to_confirm(applicant_iin=filing["applicant_iin"], phone=filing["phone"], phone2=filing.get("phone2", ""))
    verified: dict[str, int] = {}
    for phone in phones:
        try:
            verified[phone] = code_verify(phone=phone, purpose=DESK_PURPOSE, code=codes.get(phone, ""), now=now, consume=False)
        except Refusal as refusal:
            refusal.phone = phone
            raise
    with transaction.atomic():
        _desk_cabinet_check(applicant_iin=filing["applicant_iin"], confirmed=verified, now=now)
        application = application_file(now=now, **filing)
        attached = [benefit_document_attach(application=application, upload=document, now=now) for document in documents]
        for otp_id in verified.values():
            code_consume(otp_id=otp_id, now=now)
        audit_record(
            action="application.desk_filing",
            obj=application,
            now=now,
            details={"channel": "desk", "number": application.number, "documents": len(attached), "phones_confirmed": len(verified)},
        )
    return application


def application_contacts_correct(
    *,
    application: Application,
    reason: str,
    now: dt.datetime,
    phone: str | None = None,
    phone2: str | None = None,
    child_iin: str | None = None,
    applicant_iin: str | None = None,
) -> Application:
    """Staff correct the phones or IINs of an application (a typing error, a new number), with a
    reason, audited with the values masked. None leaves a field as it is.

    Checks: a valid child's IIN that encodes the same birth date (the child's place in the queue
    stays) and no other live application of that child (SPEC §3); a valid applicant's IIN whose
    cabinet, if it has one, shares a phone with the application (else the application would move
    into another family's cabinet, issue 8); Kazakhstan mobile phones, two different ones. A phone
    change goes through application_phone_change: the family is told at the number it had."""
    reason = (reason or "").strip()
    if not reason:
        raise Refusal("reason_required")
    today = local(now).date()
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        child_iin = (child_iin or "").strip() or application.child_iin
        applicant_iin = application.applicant_iin if applicant_iin is None else applicant_iin.strip()
        new_phone = phone_normalize(phone) if phone and phone.strip() else application.phone
        # A second phone is corrected, never dropped: a blank one keeps it (application_phone_change).
        new_phone2 = phone_normalize(phone2) if phone2 and phone2.strip() else application.phone2
        if not new_phone:
            raise Refusal("invalid_phone")
        if new_phone == new_phone2:
            raise Refusal("same_phones")
        changes: dict[str, tuple[str, str]] = {}
        if child_iin != application.child_iin:
            if not iin_is_valid(child_iin, today=today):
                raise Refusal("invalid_iin")
            if iin_birth_date(child_iin) != application.child_birth_date:
                raise Refusal("birth_date_mismatch")
            others = Application.objects.filter(child_iin=child_iin, status__in=Application.LIVE_STATUSES).exclude(pk=application.pk)
            if application.status in Application.LIVE_STATUSES and others.exists():
                raise Refusal("duplicate")
            changes["child_iin"] = (iin_masked(application.child_iin), iin_masked(child_iin))
        if applicant_iin != application.applicant_iin:
            if not iin_is_valid(applicant_iin, today=today):
                raise Refusal("invalid_applicant_iin")
            cabinet = Cabinet.objects.filter(iin=applicant_iin).first()
            if cabinet is not None and cabinet.phone and not (_cabinet_phones(cabinet) & {new_phone, new_phone2}):
                raise Refusal("cabinet_other_family")
            changes["applicant_iin"] = (iin_masked(application.applicant_iin), iin_masked(applicant_iin))
        phones_changed = (new_phone, new_phone2) != (application.phone, application.phone2)
        if not changes and not phones_changed:
            raise Refusal("nothing_changed")
        if changes:
            application.child_iin, application.applicant_iin = child_iin, applicant_iin
            application.save(update_fields=["child_iin", "applicant_iin"])
        if phones_changed:
            application_phone_change(application=application, phone=new_phone, phone2=new_phone2 or None, now=now)
            for field, before, after in (("phone", application.phone, new_phone), ("phone2", application.phone2, new_phone2)):
                if before != after:
                    changes[field] = (phone_masked(before) if before else "", phone_masked(after) if after else "")
        if "applicant_iin" in changes:
            cabinet_ensure(iin=applicant_iin, phone=new_phone, phone2=new_phone2, now=now)
        audit_record(action="application.contacts_correct", obj=application, now=now, changes=changes, details={"reason": reason})
        application.refresh_from_db()
    return application
