"""The audit trail: every state change is recorded, chained, and tampering is found."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.context import Actor, acting_as
from audit.models import AuditLink, AuditRecord
from audit.services import audit_chain, audit_seal, audit_verify
from core.iin import iin_build
from placements.application_actions import application_withdraw
from queues.models import Locality
from queues.services import application_file

ASTANA = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2024, 5, 2, 10, 0, tzinfo=ASTANA)

pytestmark = pytest.mark.django_db


@pytest.fixture
def locality():
    return Locality.objects.create(code="temirtau", name="Темиртау")


def _file(locality, day=4):
    return application_file(child_iin=iin_build(dt.date(2022, 3, day)), locality_code=locality.code, now=NOW)


def test_a_parent_action_is_recorded_with_who_when_what_and_device(locality):
    actor = Actor(kind="parent", label="cabinet 7 (8803***)", ip="10.1.2.3", device="device a1b2")
    with acting_as(actor):
        application = _file(locality)
        application_withdraw(application=application, now=NOW + dt.timedelta(hours=1))
    withdraw = AuditRecord.objects.get(action="application.withdraw")
    assert (withdraw.actor_kind, withdraw.actor, withdraw.ip, withdraw.device) == ("parent", actor.label, "10.1.2.3", "device a1b2")
    assert withdraw.object_type == "queues.application"
    assert withdraw.object_id == str(application.pk)
    assert withdraw.changes == {"status": ["queued", "withdrawn"]}
    assert withdraw.at == NOW + dt.timedelta(hours=1)


def test_scheduled_work_is_recorded_as_the_system(locality):
    _file(locality)
    record = AuditRecord.objects.get(action="application.file")
    assert record.actor_kind == "system"


def test_intact_chain_verifies(locality):
    for day in range(1, 6):
        _file(locality, day)
    assert audit_verify() == (5, None)
    call_command("audit_verify")


def _tamper(*statements):
    """As the tables' owner: the append-only triggers off, the statements run, the triggers on."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending foreign-key checks
        for table in ("audit_auditrecord", "audit_auditlink") if postgresql else ():
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for sql, params in statements:
            cursor.execute(sql, params)
        for table in ("audit_auditrecord", "audit_auditlink") if postgresql else ():
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


RECORD_OF = "(SELECT record_id FROM audit_auditlink WHERE seq = %s)"


def test_verify_reports_the_first_altered_record(locality):
    for day in range(1, 6):
        _file(locality, day)
    audit_chain(now=NOW)
    _tamper((f"UPDATE audit_auditrecord SET actor = %s WHERE id = {RECORD_OF}", ["someone else", 3]))
    checked, problem = audit_verify()
    assert checked == 2
    assert "#3 was altered" in problem
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    assert exit_info.value.code == 1


def test_verify_reports_a_removed_record(locality):
    for day in range(1, 6):
        _file(locality, day)
    audit_chain(now=NOW)
    record_id = AuditLink.objects.get(seq=4).record_id
    _tamper(("DELETE FROM audit_auditlink WHERE seq = %s", [4]), ("DELETE FROM audit_auditrecord WHERE id = %s", [record_id]))
    checked, problem = audit_verify()
    assert checked == 3
    assert "#4 is missing" in problem


@pytest.mark.skipif(connection.vendor != "postgresql", reason="goes around PostgreSQL's foreign-key triggers")
def test_verify_reports_a_record_removed_under_its_link(locality):
    for day in range(1, 6):
        _file(locality, day)
    audit_chain(now=NOW)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER ALL")  # the foreign key's too: a superuser
        cursor.execute(f"DELETE FROM audit_auditrecord WHERE id = {RECORD_OF}", [2])
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER ALL")
    assert audit_verify() == (1, "record #2 is missing (removed): its chain link remains")


def test_verify_reports_removed_records_at_the_end_once_sealed(locality):
    for day in range(1, 4):
        _file(locality, day)
    audit_seal(now=NOW)
    record_id = AuditLink.objects.get(seq=3).record_id
    _tamper(("DELETE FROM audit_auditlink WHERE seq = %s", [3]), ("DELETE FROM audit_auditrecord WHERE id = %s", [record_id]))
    checked, problem = audit_verify()
    assert checked == 2
    assert "records after #2 are missing: the trail was sealed at #3" in problem


def test_a_record_altered_before_the_sequencer_chained_it_is_reported(locality):
    _file(locality, 1)
    record = AuditRecord.objects.get()
    assert not AuditLink.objects.exists()  # appended, not chained yet
    _tamper(("UPDATE audit_auditrecord SET actor = %s WHERE id = %s", ["someone else", record.pk]))
    assert "record #1 was altered: its content does not match its MAC" in audit_verify()[1]


def test_the_database_refuses_to_change_a_record_on_postgresql(locality):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    _file(locality)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.update(actor="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.all().delete()
    audit_chain(now=NOW)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLink.objects.update(hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLink.objects.all().delete()


def test_nobody_can_edit_the_trail_in_the_admin(admin_client, locality):
    _file(locality)
    record = AuditRecord.objects.get()
    waiting = admin_client.get("/admin/audit/auditrecord/")  # listed before the sequencer chains it
    assert waiting.status_code == 200 and b"application.file" in waiting.content
    audit_chain(now=NOW)
    assert admin_client.get("/admin/audit/auditrecord/").status_code == 200
    page = admin_client.get(f"/admin/audit/auditrecord/{record.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(f"/admin/audit/auditrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
