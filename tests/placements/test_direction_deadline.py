"""SPEC §7: every action on a direction decides by `valid_until > now` itself (issue 13, item 2),
here without contention, on every database (the same under a held lock:
tests/placements/test_direction_deadline_under_lock.py)."""

import pytest

from audit.models import AuditRecord
from core.errors import Refusal
from placements.directions import direction_flag_documents
from tests.factories import ApplicationFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

VALID_UNTIL = astana(2024, 6, 13, 7)  # direction_issue claims on Thursday 6 June 07:00: 5 working days


def test_flagging_documents_past_valid_until_expires_the_direction_and_is_refused():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    with pytest.raises(Refusal) as refused:
        direction_flag_documents(direction=direction, note="no certificate", now=VALID_UNTIL)
    assert refused.value.code == "direction_not_active"
    direction, application = reloaded(direction, application)
    assert (direction.status, direction.documents_missing_note) == ("expired", "")
    assert (application.status, application.strikes) == ("queued", 1)
    assert not AuditRecord.objects.filter(action="direction.flag_documents").exists()


def test_flagging_documents_a_minute_before_valid_until_flags_them():
    application = ApplicationFactory(benefit="priority")
    direction = direction_issue(application=application)
    direction_flag_documents(direction=direction, note="no certificate", now=astana(2024, 6, 13, 6, 59))
    direction = reloaded(direction)
    assert (direction.status, direction.documents_missing_note) == ("benefit_check", "no certificate")
