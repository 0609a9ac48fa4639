"""Every state change appears in the audit trail, bulk ones included (issue 13, item 4): a batch
writes one record that names the seats, directions, grants or applications it changed."""

import datetime as dt

import pytest

from audit.models import AuditRecord
from placements.application_actions import application_withdraw, benefit_confirm
from placements.claims import seat_claim
from placements.directions import direction_cancel, direction_enroll
from placements.expiry import directions_expire
from placements.models import Grant
from placements.seats import seats_promote
from queues.services import applications_archive_over_age
from tests.factories import OPEN_AT, PRIORITY_UNTIL, ApplicationFactory, GroupFactory, LocalityFactory, astana, direction_issue, reloaded, seats_publish

pytestmark = pytest.mark.django_db

VALID_UNTIL = astana(2024, 6, 13, 7)  # direction_issue claims on Thursday 6 June 07:00: 5 working days


def _record(action: str) -> AuditRecord:
    [record] = AuditRecord.objects.filter(action=action)
    return record


def test_the_promotion_of_priority_seats_names_every_seat_it_made_general():
    group = GroupFactory()
    seats = seats_publish(group=group, count=3)
    assert seats_promote(now=PRIORITY_UNTIL) == 3
    record = _record("seat.promote")
    assert record.details == {"count": 3, "seats": [s.pk for s in seats]}
    assert record.changes == {"state": ["priority", "general"]}
    assert seats_promote(now=PRIORITY_UNTIL) == 0  # idempotent: no second record
    assert AuditRecord.objects.filter(action="seat.promote").count() == 1


def test_the_minute_jobs_expiry_names_the_directions_and_the_seats_it_released():
    applications = [ApplicationFactory() for _ in range(2)]
    directions = [direction_issue(application=a) for a in applications]
    assert directions_expire(now=VALID_UNTIL) == 2
    record = _record("direction.expired")
    assert sorted(pk for pk, _, _ in record.details["directions"]) == sorted(d.pk for d in directions)
    assert record.details["seats"] == sorted(d.seat_id for d in directions)
    requeue = _record("application.requeue")
    assert sorted(requeue.details["numbers"]) == sorted(a.number for a in applications)


def test_a_claim_names_the_grants_it_ends():
    group = GroupFactory()
    holder = ApplicationFactory(locality=group.kindergarten.locality)
    seats_publish(group=group)
    [grant] = Grant.objects.filter(application=holder)
    direction = seat_claim(application=holder, group=group, now=OPEN_AT)
    assert reloaded(grant).ended_at == OPEN_AT
    record = AuditRecord.objects.get(action="seat.claim", object_id=str(direction.pk))
    assert record.details["grants_ended"] == [grant.pk]
    assert record.details["seat"] == direction.seat_id


def test_a_withdrawal_names_the_grants_it_ends():
    group = GroupFactory()
    holder = ApplicationFactory(locality=group.kindergarten.locality)
    seats_publish(group=group)
    [grant] = Grant.objects.filter(application=holder)
    application_withdraw(application=holder, now=OPEN_AT)
    assert reloaded(grant).ended_at == OPEN_AT
    record = AuditRecord.objects.get(action="application.withdraw", object_id=str(holder.pk))
    assert record.details == {"grants_ended": [grant.pk]}
    assert record.changes == {"status": ["queued", "withdrawn"]}


def test_confirming_a_benefit_records_the_direction_it_makes_issued():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    assert direction.status == "benefit_check"
    benefit_confirm(application=application, now=astana(2024, 6, 7, 10), reason="documents seen")
    assert reloaded(direction).status == "issued"
    record = _record("benefit.confirm")
    assert record.changes == {"benefit_status": ["claimed", "confirmed"], "direction.status": ["benefit_check", "issued"]}
    assert record.details == {"reason": "documents seen", "direction": direction.number}


def test_confirming_a_benefit_past_valid_until_expires_the_direction_instead():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    benefit_confirm(application=application, now=VALID_UNTIL)
    direction, application = reloaded(direction, application)
    assert (direction.status, application.status, application.strikes, application.benefit_status) == ("expired", "queued", 1, "confirmed")
    assert "direction.status" not in _record("benefit.confirm").changes


def test_an_enrollment_records_the_seat_and_the_application_it_changes():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_enroll(application=application, now=astana(2024, 6, 7, 10))
    record = AuditRecord.objects.get(action="direction.enroll", object_id=str(direction.pk))
    assert record.changes == {"status": ["issued", "enrolled"], "seat.state": ["claimed", "enrolled"], "application.status": ["directed", "enrolled"]}
    assert (record.details["seat"], record.details["application"]) == (direction.seat_id, application.number)


def test_a_cancellation_records_the_seat_it_releases():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_cancel(application=application, now=astana(2024, 6, 7, 10))
    record = AuditRecord.objects.get(action="direction.cancelled", object_id=str(direction.pk))
    assert record.changes == {"status": ["issued", "cancelled"], "seat.state": ["claimed", "released"]}
    assert record.details == {"direction": direction.number, "seat": direction.seat_id, "application": application.number}


def test_the_over_age_archive_names_the_applications_and_their_change():
    locality = LocalityFactory()
    over = ApplicationFactory(locality=locality, child_birth_date=dt.date(2018, 6, 15))
    ApplicationFactory(locality=locality, child_birth_date=dt.date(2022, 3, 4))
    assert applications_archive_over_age(now=astana(2024, 6, 1)) == 1
    record = _record("application.archive_over_age")
    assert record.details["numbers"] == [over.number]
    assert record.changes == {"status": ["queued", "archived"], "archive_reason": [None, "over_age"]}
