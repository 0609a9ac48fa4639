"""What staff or the family do to a whole application that may hold a direction (SPEC §7): a
claimed benefit confirmed or rejected, the application withdrawn. The direction is decided first,
under the application's lock (placements.directions.direction_active_locked): one already past
valid_until expires with its strike before anything else happens (issue 13)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from audit.services import audit_record
from core.errors import Refusal
from notifications.services import message_enqueue
from placements.directions import application_direction_locked, direction_active_locked, direction_end
from placements.grants import grants_end
from placements.models import Direction
from queues.models import Application, BenefitStatus
from queues.services import application_locked, application_requeue


def benefit_confirm(*, application: Application, now: dt.datetime, reason: str = "") -> Application:
    """Staff confirm a claimed benefit; a direction waiting for it becomes `issued` (SPEC §7). A
    direction already past valid_until expires instead (placements.directions.direction_active_locked)."""

    with transaction.atomic():
        application, direction = application_direction_locked(application, now)
        refusal = None if application.benefit_status == BenefitStatus.CLAIMED else Refusal("benefit_not_pending")
        if refusal is None:  # raised after the commit: an expiry just made must stay (issue 13)
            application.benefit_status = BenefitStatus.CONFIRMED
            application.benefit_decision_reason = reason
            application.save(update_fields=["benefit_status", "benefit_decision_reason"])
            issued = (
                direction is not None
                and Direction.objects.filter(pk=direction.pk, status=Direction.Status.BENEFIT_CHECK).update(status=Direction.Status.ISSUED) == 1
            )
            audit_record(
                action="benefit.confirm",
                obj=application,
                now=now,
                changes={"benefit_status": (BenefitStatus.CLAIMED, BenefitStatus.CONFIRMED)}
                | ({"direction.status": (Direction.Status.BENEFIT_CHECK, Direction.Status.ISSUED)} if issued else {}),
                details={"reason": reason} | ({"direction": direction.number} if issued else {}),
            )
    if refusal is not None:
        raise refusal
    return application


def benefit_reject(*, application: Application, now: dt.datetime, reason: str = "") -> Application:
    """Staff reject a claimed benefit: it counts as none; an active direction is revoked and the
    application returns to the queue on general grounds, with no strike (SPEC §7). A direction
    already past valid_until is expired first, with its strike, and nothing is revoked (issue 13)."""

    with transaction.atomic():
        application, direction = application_direction_locked(application, now)
        refusal = None if application.benefit_status == BenefitStatus.CLAIMED else Refusal("benefit_not_pending")
        if refusal is None:  # raised after the commit: an expiry just made must stay
            application.benefit_status = BenefitStatus.REJECTED
            application.benefit_decision_reason = reason
            application.save(update_fields=["benefit_status", "benefit_decision_reason"])
            audit_record(
                action="benefit.reject",
                obj=application,
                now=now,
                changes={"benefit_status": (BenefitStatus.CLAIMED, BenefitStatus.REJECTED)},
                details={"reason": reason},
            )
            message_enqueue(application=application, event="benefit_rejected", now=now, context={"number": application.number, "reason": reason})
            if direction is not None:
                direction_end(direction=direction, application=application, status=Direction.Status.REVOKED, now=now)
                application_requeue(application=application, now=now, strike=False)
    if refusal is not None:
        raise refusal
    return application


def application_withdraw(*, application: Application, now: dt.datetime) -> Application:
    """The parent withdraws (SPEC §7): an active direction is cancelled, its seat released; no strike.
    A direction already past valid_until is expired first, with its strike (issue 13)."""

    with transaction.atomic():
        application = application_locked(application)
        direction = direction_active_locked(application=application, now=now) if application.status == Application.Status.DIRECTED else None
        # After an expiry the application is queued again, or archived by its second strike.
        refusal = None if application.status in (Application.Status.QUEUED, Application.Status.DIRECTED) else Refusal("not_active")
        if refusal is None:  # raised after the commit: an expiry just made must stay
            if direction is not None:
                direction_end(direction=direction, application=application, status=Direction.Status.CANCELLED, now=now)
            before = application.status
            application.status = Application.Status.WITHDRAWN
            application.status_changed_at = now
            application.save(update_fields=["status", "status_changed_at"])
            grants_ended = grants_end(application_ids=[application.pk], now=now)
            audit_record(
                action="application.withdraw",
                obj=application,
                now=now,
                changes={"status": (before, Application.Status.WITHDRAWN)},
                details={"grants_ended": grants_ended} if grants_ended else None,
            )
            message_enqueue(application=application, event="application_withdrawn", now=now, context={"number": application.number})
    if refusal is not None:
        raise refusal
    return application
