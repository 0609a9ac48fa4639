"""accounts.services.cabinet_phone_change (SPEC §3, issue 8): one of the cabinet's numbers changes,
and with it the same slot of every live application of its applicant, each audited and told."""

from __future__ import annotations

import pytest

from accounts.models import Cabinet
from accounts.services import cabinet_phone_change
from audit.models import AuditRecord
from core.errors import Refusal
from notifications.models import Message
from placements.application_actions import application_withdraw
from tests.cabinet.conftest import PARENT_IIN, PHONE, PHONE2, file_application
from tests.factories import FILED_AT, astana

pytestmark = pytest.mark.django_db

NEW_PHONE = "77475556677"
NOW = astana(2024, 5, 20, 12)


@pytest.fixture
def family(temirtau):
    """The cabinet (PHONE, PHONE2) and three applications: two live, one withdrawn."""
    first = file_application(locality=temirtau, applicant_iin=PARENT_IIN, phone=PHONE, phone2=PHONE2, serial=71)
    # Filed later with other numbers: the new one already second.
    second = file_application(locality=temirtau, applicant_iin=PARENT_IIN, phone=PHONE2, phone2=NEW_PHONE, serial=72, filed_at=FILED_AT.replace(hour=11))
    gone = file_application(locality=temirtau, applicant_iin=PARENT_IIN, phone=PHONE, phone2=PHONE2, serial=73, filed_at=FILED_AT.replace(hour=12))
    application_withdraw(application=gone, now=FILED_AT.replace(hour=13))
    return first, second, gone


def test_every_live_application_of_the_applicant_changes_with_the_cabinet(family):
    first, second, gone = family
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    cabinet_phone_change(cabinet=cabinet, slot="1", phone=NEW_PHONE, old_phone=PHONE, now=NOW)
    cabinet.refresh_from_db()
    for application in family:
        application.refresh_from_db()
    assert (cabinet.phone, cabinet.phone2, cabinet.phone_changed_at) == (NEW_PHONE, PHONE2, NOW)
    assert (first.phone, first.phone2) == (NEW_PHONE, PHONE2)
    assert (second.phone, second.phone2) == (NEW_PHONE, PHONE2)  # it had the new number second: the two swap
    assert (gone.phone, gone.phone2) == (PHONE, PHONE2)  # withdrawn: left as it was
    assert set(Message.objects.filter(event="phone_changed").values_list("application", flat=True)) == {first.pk, second.pk}
    assert AuditRecord.objects.filter(action="application.phone_change").count() == 2
    assert AuditRecord.objects.filter(action="cabinet.phone_change").count() == 1


@pytest.mark.parametrize(
    ("slot", "phone", "old_phone", "code"),
    [
        ("1", PHONE2, PHONE, "same_phones"),
        ("1", PHONE, PHONE, "phone_unchanged"),
        ("1", NEW_PHONE, "77019998877", "code_missing"),  # the codes went to a number the slot no longer holds
    ],
)
def test_a_refused_change_changes_nothing(family, slot, phone, old_phone, code):
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    with pytest.raises(Refusal) as refused:
        cabinet_phone_change(cabinet=cabinet, slot=slot, phone=phone, old_phone=old_phone, now=NOW)
    assert refused.value.code == code
    cabinet.refresh_from_db()
    assert (cabinet.phone, cabinet.phone2) == (PHONE, PHONE2)
    assert not Message.objects.filter(event="phone_changed").exists()
