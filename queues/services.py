"""Writing applications (SPEC §3; SPEC §7 returns to the queue, strikes and archiving). Every
caller passes `now`. What reaches a direction too — a benefit decision, a withdrawal — is in
placements.application_actions, above this module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.cabinets import cabinet_ensure
from audit.services import audit_record
from core.calendar import age_on, local, reference_date
from core.errors import Refusal
from core.iin import iin_birth_date, iin_is_valid
from core.phones import phone_masked, phone_normalize
from core.sequences import sequence_next
from notifications.services import message_enqueue, messages_enqueue
from placements.grants import grants_end
from queues.models import (
    EXTRAORDINARY_CATEGORIES,
    PRIORITY_CATEGORIES,
    Application,
    Benefit,
    BenefitStatus,
    Locality,
    QueueKind,
)

MAX_AGE = 6  # SPEC §3: 6 full years on R(t) is over age
STRIKES_TO_ARCHIVE = 2  # SPEC §7: with two strikes the application is archived (expired_twice)


def _is_over_age(birth_date: dt.date, sen_pmpk: bool, now: dt.datetime) -> bool:
    return not sen_pmpk and age_on(birth_date, reference_date(now)) >= MAX_AGE


def application_age_check(*, birth_date: dt.date, sen_pmpk: bool, now: dt.datetime) -> None:
    """SPEC §3 `over_age`: Refusal unless the child is under 6 on R(now) or SEN with a PMPK
    conclusion. The wizard asks it as soon as the child's IIN is typed (issue 11); application_file
    asks it again at the filing."""
    if _is_over_age(birth_date, sen_pmpk, now):
        raise Refusal("over_age")


def admission_birth_dates(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """(R(now), the earliest birth date queued without SEN and PMPK): a child born on R's day six
    years before turns 6 on R (SPEC §3), so the day after it is the first one accepted."""
    reference = reference_date(now)
    return reference, dt.date(reference.year - MAX_AGE, reference.month, reference.day) + dt.timedelta(days=1)


def application_file(
    *,
    child_iin: str,
    locality_code: str,
    now: dt.datetime,
    benefit: str = Benefit.NONE,
    benefit_category: str = "",
    queues: Iterable[str] = ("general",),
    sen_pmpk: bool = False,
    birth_date: dt.date | None = None,
    child_last_name: str = "",
    child_first_name: str = "",
    child_middle_name: str = "",
    birth_certificate: str = "",
    applicant_iin: str = "",
    applicant_last_name: str = "",
    applicant_first_name: str = "",
    applicant_middle_name: str = "",
    phone: str = "",
    phone2: str = "",
    email: str = "",
    address: str = "",
    channel: str = "sms",
    language: str = "ru",
    filed_at: dt.datetime | None = None,
    legacy_number: str = "",
    notify: bool = True,
) -> Application:
    """File an application; refusals in the order of SPEC §3, nothing saved on a refusal.

    For the import from the old portal (queues.importing): `filed_at` is the filing moment there —
    the checks and the place in the queue are as of then, while the audit record is at `now`, the
    import; `legacy_number` its number there; `notify=False` sends no "registered" message (the old
    portal told the family)."""
    filed_at = filed_at or now
    child_iin = (child_iin or "").strip()
    today = local(filed_at).date()
    if not iin_is_valid(child_iin, today=today):
        raise Refusal("invalid_iin")
    encoded = iin_birth_date(child_iin)
    if birth_date is not None and birth_date != encoded:
        raise Refusal("birth_date_mismatch")
    application_age_check(birth_date=encoded, sen_pmpk=sen_pmpk, now=filed_at)
    if Application.objects.filter(child_iin=child_iin, status__in=Application.LIVE_STATUSES).exists():
        raise Refusal("duplicate")
    locality = Locality.objects.filter(code=locality_code).first()
    if locality is None:
        raise Refusal("unknown_locality")
    kinds = set(queues) | {QueueKind.GENERAL}
    if kinds - {QueueKind.GENERAL} and not sen_pmpk:
        raise Refusal("pmpk_required")
    # Beyond the SPEC's table (form-level checks the simulator never triggers).
    if applicant_iin and not iin_is_valid(applicant_iin, today=today):
        raise Refusal("invalid_applicant_iin")
    # One spelling per number: codes, limits and "two different phones" compare these strings.
    phone, phone2 = (phone_normalize(p) if p else "" for p in (phone, phone2))
    if benefit_category and benefit_category not in (
        EXTRAORDINARY_CATEGORIES if benefit == Benefit.EXTRAORDINARY else PRIORITY_CATEGORIES if benefit == Benefit.PRIORITY else ()
    ):
        raise Refusal("invalid_benefit_category")
    try:
        with transaction.atomic():
            application = Application.objects.create(
                number=sequence_next("application"),
                child_iin=child_iin,
                child_last_name=child_last_name,
                child_first_name=child_first_name,
                child_middle_name=child_middle_name,
                child_birth_date=encoded,
                birth_year=encoded.year,
                birth_certificate=birth_certificate,
                applicant_iin=applicant_iin,
                applicant_last_name=applicant_last_name,
                applicant_first_name=applicant_first_name,
                applicant_middle_name=applicant_middle_name,
                phone=phone,
                phone2=phone2,
                email=email,
                address=address,
                locality=locality,
                benefit=benefit,
                benefit_category=benefit_category,
                benefit_status=None if benefit == Benefit.NONE else BenefitStatus.CLAIMED,
                sen_pmpk=sen_pmpk,
                wants_special=QueueKind.SPECIAL in kinds,
                wants_sanatorium=QueueKind.SANATORIUM in kinds,
                channel=channel,
                language=language,
                filed_at=filed_at,
                status=Application.Status.QUEUED,
                status_changed_at=filed_at,
                legacy_number=legacy_number or None,
            )
            if notify:
                message_enqueue(application=application, event="registered", now=now, context={"number": application.number})
            details = {"number": application.number, "benefit": benefit} | ({"filed_at": filed_at} if filed_at != now else {})
            details |= {"legacy_number": legacy_number} if legacy_number else {}
            audit_record(action="application.file", obj=application, now=now, details=details)
            # Every applicant has a cabinet (issue 8). A missing one opens with these phones, as
            # staff, the importer and the demo file (identity seen in person); the web wizard has
            # already proven or opened it (accounts.services.cabinet_for_filing).
            cabinet_ensure(iin=applicant_iin, phone=phone, phone2=phone2, now=now)
    except IntegrityError as exc:
        # Two filings for one child at the same instant: the partial unique index decides.
        raise Refusal("duplicate") from exc
    return application


def application_locked(application: Application) -> Application:
    """The application's row again, locked until the transaction ends: one family's actions, the
    staff's decisions and the jobs on it happen one after the other."""
    return Application.objects.select_for_update().get(pk=application.pk)


def _archive(application: Application, reason: str, now: dt.datetime) -> None:
    before = application.status
    application.status = Application.Status.ARCHIVED
    application.archive_reason = reason
    application.status_changed_at = now
    application.save(update_fields=["status", "archive_reason", "status_changed_at", "strikes"])
    grants_ended = grants_end(application_ids=[application.pk], now=now)
    message_enqueue(application=application, event="application_archived", now=now, context={"number": application.number, "reason": reason})
    audit_record(
        action="application.archive",
        obj=application,
        now=now,
        changes={"status": (before, Application.Status.ARCHIVED), "archive_reason": (None, reason)},
        details={"grants_ended": grants_ended} if grants_ended else None,
    )


def strike_consequence(*, application: Application, now: dt.datetime) -> str:
    """What the strike a direction's end is about to give means, for its message (issue 11): the
    variant of the expired/cancelled text — "strike_1" (back in the queue) or "strike_2" (archived);
    "" when it is archived for age instead (its own message says so). Call before the requeue."""
    if application.strikes + 1 >= STRIKES_TO_ARCHIVE:
        return f"strike_{STRIKES_TO_ARCHIVE}"
    if _is_over_age(application.child_birth_date, application.sen_pmpk, now):
        return ""
    return f"strike_{application.strikes + 1}"


def application_requeue(*, application: Application, now: dt.datetime, strike: bool) -> None:
    """SPEC §7: after a direction ends without enrollment. Two strikes archive; otherwise back to
    the queue with the original filed_at, unless over age by then (SPEC §3)."""
    if strike:
        application.strikes += 1
    if application.strikes >= STRIKES_TO_ARCHIVE:
        _archive(application, Application.ArchiveReason.EXPIRED_TWICE, now)
    elif _is_over_age(application.child_birth_date, application.sen_pmpk, now):
        _archive(application, Application.ArchiveReason.OVER_AGE, now)
    else:
        before = application.status
        application.status = Application.Status.QUEUED
        application.status_changed_at = now
        application.save(update_fields=["status", "strikes", "status_changed_at"])
        audit_record(
            action="application.requeue",
            obj=application,
            now=now,
            changes={"status": (before, Application.Status.QUEUED)},
            details={"strikes": application.strikes},
        )


def applications_requeue(*, applications: list[Application], now: dt.datetime, strike: bool) -> None:
    """`application_requeue` for a batch of locked applications, in a few statements (the minute
    job's expiry): the same outcomes (SPEC §7 strikes, SPEC §3 over age on return), messages in one
    insert, one audit record per outcome listing the applications."""
    for application in applications:
        application.strikes += int(strike)
    twice = [a for a in applications if a.strikes >= STRIKES_TO_ARCHIVE]
    over_age = [a for a in applications if a.strikes < STRIKES_TO_ARCHIVE and _is_over_age(a.child_birth_date, a.sen_pmpk, now)]
    archived_ids = {a.pk for a in twice + over_age}
    back = [a for a in applications if a.pk not in archived_ids]
    strikes = F("strikes") + int(strike)
    for reason, archived in ((Application.ArchiveReason.EXPIRED_TWICE, twice), (Application.ArchiveReason.OVER_AGE, over_age)):
        if not archived:
            continue
        ids = [a.pk for a in archived]
        Application.objects.filter(pk__in=ids).update(status=Application.Status.ARCHIVED, archive_reason=reason, status_changed_at=now, strikes=strikes)
        grants_ended = grants_end(application_ids=ids, now=now)
        messages_enqueue(applications=archived, event="application_archived", now=now, context_for=lambda a, r=reason: {"number": a.number, "reason": r})
        audit_record(
            action="application.archive",
            now=now,
            changes={"status": (Application.Status.DIRECTED, Application.Status.ARCHIVED), "archive_reason": (None, reason)},
            details={"numbers": [a.number for a in archived], "grants_ended": grants_ended},
        )
        for a in archived:
            a.status, a.archive_reason, a.status_changed_at = Application.Status.ARCHIVED, reason, now
    if back:
        Application.objects.filter(pk__in=[a.pk for a in back]).update(status=Application.Status.QUEUED, status_changed_at=now, strikes=strikes)
        audit_record(
            action="application.requeue",
            now=now,
            changes={"status": (Application.Status.DIRECTED, Application.Status.QUEUED)},
            details={"numbers": [a.number for a in back], "strikes": [a.strikes for a in back]},
        )
        for a in back:
            a.status, a.status_changed_at = Application.Status.QUEUED, now


def applications_archive_over_age(*, now: dt.datetime) -> int:
    """SPEC §3: queued children 6 or older on R(now), not SEN with PMPK, are archived. Idempotent."""
    ref = reference_date(now)
    try:
        cutoff = ref.replace(year=ref.year - MAX_AGE)
    except ValueError:  # pragma: no cover - R is always 1 September
        cutoff = ref.replace(year=ref.year - MAX_AGE, day=28)
    with transaction.atomic():
        qs = Application.objects.select_for_update().filter(status=Application.Status.QUEUED, sen_pmpk=False, child_birth_date__lte=cutoff)
        archived = list(qs)
        if not archived:
            return 0
        ids = [a.pk for a in archived]
        Application.objects.filter(pk__in=ids).update(
            status=Application.Status.ARCHIVED, archive_reason=Application.ArchiveReason.OVER_AGE, status_changed_at=now
        )
        grants_ended = grants_end(application_ids=ids, now=now)
        audit_record(
            action="application.archive_over_age",
            now=now,
            changes={"status": (Application.Status.QUEUED, Application.Status.ARCHIVED), "archive_reason": (None, Application.ArchiveReason.OVER_AGE)},
            details={"numbers": sorted(a.number for a in archived), "reference_date": ref, "grants_ended": grants_ended},
        )
        messages_enqueue(
            applications=archived,
            event="application_archived",
            now=now,
            context_for=lambda a: {"number": a.number, "reason": Application.ArchiveReason.OVER_AGE},
        )
    return len(archived)


def application_phone_change(*, application: Application, phone: str, phone2: str | None = None, now: dt.datetime) -> Application:
    """SPEC §3: the parent changes a mobile phone; the caller has verified a code sent to the new number.

    `phone2=None` keeps the second phone. The "phone changed" message is enqueued before the change,
    so it reaches the number on file until now: its owner learns if it was not them.
    """
    phone = phone_normalize(phone)
    with transaction.atomic():
        application = application_locked(application)
        if application.status not in Application.LIVE_STATUSES:
            raise Refusal("not_live")
        new_phone2 = application.phone2 if phone2 is None else phone_normalize(phone2)
        if phone == new_phone2:
            raise Refusal("same_phones")
        changes = {
            # Masked: the audit trail needs to show that a number changed, not the numbers.
            field: (phone_masked(before) if before else "", phone_masked(after))
            for field, before, after in (("phone", application.phone, phone), ("phone2", application.phone2, new_phone2))
            if before != after
        }
        if not changes:
            return application
        message_enqueue(application=application, event="phone_changed", now=now, context={"number": application.number})
        application.phone = phone
        application.phone2 = new_phone2
        application.save(update_fields=["phone", "phone2"])
        audit_record(action="application.phone_change", obj=application, now=now, changes=changes)
    return application
