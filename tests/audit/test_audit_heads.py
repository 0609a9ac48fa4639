"""Every sealed head is published (open data, a staff page); a copy kept elsewhere catches a
rewrite of both the database and the seal file (issue 9)."""

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from audit.models import AuditLink
from audit.services import audit_seal, audit_verify, heads_published
from core.iin import iin_build
from queues.models import Locality
from queues.services import application_file

NOW = dt.datetime(2024, 5, 2, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def locality():
    return Locality.objects.create(code="temirtau", name="Темиртау")


def _file(locality, days) -> None:
    for day in days:
        application_file(child_iin=iin_build(dt.date(2022, 3, day)), locality_code=locality.code, now=NOW + dt.timedelta(minutes=day))


def _published(client) -> dict:
    response = client.get("/open/audit-heads.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def test_the_sealed_heads_are_public_newest_first(client, locality):
    assert _published(client) == {"heads": []}
    _file(locality, range(1, 4))
    audit_seal(now=NOW + dt.timedelta(minutes=10))
    _file(locality, range(4, 6))
    audit_seal(now=NOW + dt.timedelta(minutes=20))

    heads = _published(client)["heads"]  # anonymous: no login
    hashes = dict(AuditLink.objects.values_list("seq", "hash"))
    assert [(head["seq"], head["hash"]) for head in heads] == [(5, hashes[5]), (3, hashes[3])]
    assert heads[0]["at"] == (NOW + dt.timedelta(minutes=20)).astimezone(dt.UTC).isoformat()
    assert set(heads[0]) == {"seq", "hash", "at"}  # the seal's MAC stays private


def test_the_published_list_is_bounded_to_the_newest(locality, settings):
    _file(locality, [1])
    for minute in range(12):
        audit_seal(now=NOW + dt.timedelta(minutes=minute))
    heads = heads_published(limit=5)
    assert [head["at"] for head in heads] == [(NOW + dt.timedelta(minutes=m)).astimezone(dt.UTC).isoformat() for m in range(11, 6, -1)]


def test_staff_read_the_sealed_heads_in_the_admin(admin_client, client, locality):
    _file(locality, range(1, 3))
    seal = audit_seal(now=NOW)
    page = admin_client.get("/admin/audit/auditrecord/heads/")
    assert page.status_code == 200
    assert seal["hash"].encode() in page.content
    assert b"/admin/audit/auditrecord/heads/" in admin_client.get("/admin/audit/auditrecord/").content
    assert client.get("/admin/audit/auditrecord/heads/").status_code == 302  # to the login page
    clerk = User.objects.create_user("nobody", password="x-Long-Password-1", is_staff=True)
    client.force_login(clerk)  # staff without the audit trail's view permission
    assert client.get("/admin/audit/auditrecord/heads/").status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the attack goes around PostgreSQL's triggers")
def test_a_copy_of_the_published_heads_catches_a_rewrite_of_the_database_and_the_seal_file(client, locality, tmp_path):
    _file(locality, range(1, 6))
    audit_seal(now=NOW + dt.timedelta(minutes=10))
    copy = tmp_path / "audit-heads-kept-by-a-journalist.json"
    copy.write_text(json.dumps(_published(client)))

    # The owner empties both tables and removes the seal file; the portal goes on appending.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_no_truncate")
        cursor.execute("ALTER TABLE audit_auditlink DISABLE TRIGGER audit_link_no_truncate")
        cursor.execute("TRUNCATE audit_auditlink, audit_auditrecord")
    (Path(settings.AUDIT_SEAL_DIR) / "seals.jsonl").unlink()
    _file(locality, range(11, 18))

    assert audit_verify() == (7, None)  # the database and the seal file alone are fooled
    checked, problem = audit_verify(published=str(copy))
    assert checked == 4
    assert "record #5 was rewritten: its hash differs from the one published at" in problem
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", published=str(copy))
    assert exit_info.value.code == 1


def test_a_published_head_the_chain_no_longer_reaches_is_reported(client, locality, tmp_path):
    _file(locality, range(1, 4))
    audit_seal(now=NOW)
    copy = tmp_path / "heads.json"
    copy.write_text(json.dumps(_published(client)))
    heads = json.loads(copy.read_text())
    heads["heads"].insert(0, {"seq": 9, "hash": "f" * 64, "at": "2024-05-02T05:00:00+00:00"})
    copy.write_text(json.dumps(heads))
    checked, problem = audit_verify(published=str(copy))
    assert checked == 3
    assert "records after #3 are missing: the trail was published at #9" in problem


def test_an_intact_trail_verifies_against_its_published_copy(client, locality, tmp_path, capsys):
    _file(locality, range(1, 4))
    audit_seal(now=NOW)
    copy = tmp_path / "heads.json"
    copy.write_text(json.dumps(_published(client)))
    _file(locality, range(4, 6))
    call_command("audit_verify", published=str(copy))
    assert "audit chain intact: 5 record(s), consistent with 1 sealed head(s) and the published heads" in capsys.readouterr().out
    assert "cannot be read" in audit_verify(published=str(tmp_path / "missing.json"))[1]
