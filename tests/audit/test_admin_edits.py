"""Staff edits in the admin are recorded in the audit trail with before and after."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from audit.models import AuditRecord
from core.models import CalendarOverride
from queues.models import Locality

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("supervisor1", password="x-Long-Password-1")
    client.force_login(user)
    return client


def test_a_calendar_override_added_in_the_admin_is_recorded(staff):
    response = staff.post(
        "/admin/core/calendaroverride/add/", {"date": "2026-12-31", "kind": "day_off", "decree": "Постановление №1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302, response.content.decode()[:500]
    override = CalendarOverride.objects.get()
    record = AuditRecord.objects.get(action="admin.add")
    assert (record.actor_kind, record.actor) == ("staff", "supervisor1")
    assert record.object_id == str(override.pk)
    assert record.changes["date"] == [None, "2026-12-31"]


def test_a_change_records_the_fields_before_and_after(staff):
    locality = Locality.objects.create(code="aktau", name="Актау")
    response = staff.post(f"/admin/queues/locality/{locality.pk}/change/", {"code": "aktau", "name": "Актау (пос.)", "name_kk": "Ақтау"})
    assert response.status_code == 302
    record = AuditRecord.objects.get(action="admin.change")
    assert record.changes == {"name": ["Актау", "Актау (пос.)"], "name_kk": ["", "Ақтау"]}


def test_a_deletion_is_recorded(staff):
    override = CalendarOverride.objects.create(date=dt.date(2026, 12, 31), kind="day_off")
    response = staff.post(f"/admin/core/calendaroverride/{override.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditRecord.objects.filter(action="admin.delete", object_id=str(override.pk)).exists()
