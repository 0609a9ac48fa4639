"""The owner of the database wipes or rewrites the audit trail; audit_verify still finds out (issue 8, item 15).

Both attacks passed `audit_verify` when the chain was plain SHA-256 with nothing outside the
database: (a) TRUNCATE and a reset of the chain head; (b) triggers off, a row changed, the hashes
after it recomputed. The chain is now keyed (AUDIT_KEY, not in the database) and its head is
sealed to a file outside the database.
"""

import datetime as dt
import hashlib
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.context import Actor, acting_as
from audit.models import AuditHead, AuditRecord
from audit.services import GENESIS, SCHEME_SHA256, audit_record, audit_seal, audit_verify, record_hash
from core.iin import iin_build
from queues.models import Locality
from queues.services import application_file

ASTANA = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2024, 5, 2, 10, 0, tzinfo=ASTANA)

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the attacks go around PostgreSQL's triggers")


@pytest.fixture
def locality():
    return Locality.objects.create(code="temirtau", name="Темиртау")


def _file(locality, days) -> None:
    for day in days:
        application_file(child_iin=iin_build(dt.date(2022, 3, day)), locality_code=locality.code, now=NOW + dt.timedelta(minutes=day))


def _old_plain_sha256(record: AuditRecord) -> str:
    """The chain's hash as it was before the key: public, so anyone could recompute it."""
    payload = {
        "seq": record.seq,
        "at": record.at.astimezone(dt.UTC).isoformat(),
        "actor_kind": record.actor_kind,
        "actor": record.actor,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "changes": record.changes,
        "details": record.details,
        "ip": record.ip,
        "device": record.device,
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _rewrite(*, first: int, change: dict, rehash, scheme: int | None = None) -> None:
    """As the table's owner: triggers off, record `first` changed, every hash from it on recomputed, head moved."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        prev_hash = AuditRecord.objects.get(seq=first - 1).hash if first > 1 else GENESIS
        for record in AuditRecord.objects.filter(seq__gte=first).order_by("seq"):
            if record.seq == first:
                for name, value in change.items():
                    setattr(record, name, value)
            record.prev_hash = prev_hash
            record.scheme = scheme or record.scheme
            record.hash = prev_hash = rehash(record)
            cursor.execute(
                "UPDATE audit_auditrecord SET actor = %s, prev_hash = %s, hash = %s, scheme = %s WHERE seq = %s",
                [record.actor, record.prev_hash, record.hash, record.scheme, record.seq],
            )
        cursor.execute("UPDATE audit_audithead SET hash = %s WHERE id = 1", [prev_hash])
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_append_only")


def _verify_command_fails() -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    assert exit_info.value.code == 1


def test_a_clean_sealed_trail_verifies(locality, capsys):
    _file(locality, range(1, 4))
    audit_seal(now=NOW + dt.timedelta(minutes=10))
    _file(locality, range(4, 6))
    audit_seal(now=NOW + dt.timedelta(minutes=20))
    _file(locality, range(6, 8))  # after the last seal: fine

    assert audit_verify() == (7, None)
    call_command("audit_verify")
    assert "audit chain intact: 7 record(s), consistent with 2 sealed head(s)" in capsys.readouterr().out


def test_new_records_are_keyed_and_an_append_costs_no_extra_query(locality, django_assert_num_queries):
    audit_record(action="test.first", now=NOW)  # creates the head row
    with django_assert_num_queries(3):  # the head's number, the insert, the head's hash: as before
        record = audit_record(action="test.second", now=NOW)
    assert record.scheme == 2
    assert record.hash != _old_plain_sha256(record)
    assert record.hash == record_hash(record)


@on_postgresql
def test_the_database_refuses_truncate(locality):
    _file(locality, [1])
    with connection.cursor() as cursor:
        # On as migrated; the test database has it off for the flushes (tests/conftest.py).
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_no_truncate")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE audit_auditrecord")
    assert AuditRecord.objects.count() == 1


def _truncate_and_reset_head() -> None:
    """Attack (a), as the owner: the TRUNCATE trigger is switched off first."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_no_truncate")
        cursor.execute("TRUNCATE audit_auditrecord")
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_no_truncate")
        cursor.execute("UPDATE audit_audithead SET seq = 0, hash = %s WHERE id = 1", [GENESIS])


@on_postgresql
def test_a_truncated_trail_with_its_head_reset_is_reported(locality):
    _file(locality, range(1, 6))
    audit_seal(now=NOW + dt.timedelta(minutes=10))

    _truncate_and_reset_head()

    checked, problem = audit_verify()
    assert checked == 0
    assert "records after #0 are missing: the trail was sealed at #5" in problem
    _verify_command_fails()


@on_postgresql
def test_a_truncated_trail_that_grew_again_is_reported(locality):
    _file(locality, range(1, 4))
    audit_seal(now=NOW + dt.timedelta(minutes=10))
    _truncate_and_reset_head()
    _file(locality, range(11, 16))  # the portal goes on appending: a new, well-formed chain #1..#5

    checked, problem = audit_verify()
    assert checked == 2
    assert "record #3 was rewritten: its hash differs from the one sealed at" in problem
    _verify_command_fails()


@on_postgresql
def test_a_rewrite_with_recomputed_plain_hashes_is_reported(locality):
    _file(locality, range(1, 6))
    _rewrite(first=3, change={"actor": "someone else"}, rehash=_old_plain_sha256)

    checked, problem = audit_verify()
    assert checked == 2
    assert "record #3 was altered" in problem
    _verify_command_fails()


@on_postgresql
def test_a_rewrite_with_hashes_under_another_key_is_reported(locality):
    _file(locality, range(1, 6))
    _rewrite(first=3, change={"actor": "someone else"}, rehash=lambda record: record_hash(record, key=b"a guessed key"))

    checked, problem = audit_verify()
    assert (checked, "record #3 was altered" in problem) == (2, True)
    _verify_command_fails()


@on_postgresql
def test_a_rewrite_passed_off_as_records_from_before_the_key_is_reported(locality):
    _file(locality, range(1, 6))
    _rewrite(first=3, change={"actor": "someone else"}, rehash=_old_plain_sha256, scheme=SCHEME_SHA256)

    checked, problem = audit_verify()
    assert (checked, "record #3 was rewritten: its hash scheme 1 is older" in problem) == (2, True)


@on_postgresql
def test_a_whole_trail_rewritten_as_records_from_before_the_key_is_caught_by_the_seal(locality):
    _file(locality, range(1, 6))
    audit_seal(now=NOW + dt.timedelta(minutes=10))
    _rewrite(first=1, change={"actor": "someone else"}, rehash=_old_plain_sha256, scheme=SCHEME_SHA256)

    checked, problem = audit_verify()
    assert (checked, "record #5 was rewritten: its hash differs from the one sealed" in problem) == (4, True)


def _legacy_append(count: int) -> None:
    """Records as the portal wrote them before the key (scheme 1), for the upgrade test."""
    head, _ = AuditHead.objects.get_or_create(pk=1)
    for _ in range(count):
        record = AuditRecord(seq=head.seq + 1, at=NOW, actor_kind="system", actor="scheduler", action="legacy", prev_hash=head.hash, scheme=SCHEME_SHA256)
        record.hash = _old_plain_sha256(record)
        record.save(force_insert=True)
        head.seq, head.hash = record.seq, record.hash
    head.save()


def test_records_written_before_the_key_still_verify(locality):
    _legacy_append(3)
    with acting_as(Actor(kind="staff", label="chief")):
        _file(locality, [1, 2])
    audit_seal(now=NOW + dt.timedelta(minutes=10))

    assert list(AuditRecord.objects.order_by("seq").values_list("scheme", flat=True)) == [1, 1, 1, 2, 2]
    assert audit_verify() == (5, None)


def test_a_seal_changed_without_the_key_is_reported(locality):
    _file(locality, range(1, 4))
    audit_seal(now=NOW + dt.timedelta(minutes=10))
    seal_file = Path(settings.AUDIT_SEAL_DIR) / "seals.jsonl"
    seal = json.loads(seal_file.read_text())
    seal_file.write_text(json.dumps({**seal, "seq": 2}) + "\n")

    assert "seal file line 1 is not a seal signed with the audit key" in audit_verify()[1]


def test_another_key_fails_verification_with_a_hint(locality, settings):
    _file(locality, range(1, 3))
    settings.AUDIT_KEY = "not the key the trail was written with"

    checked, problem = audit_verify()
    assert checked == 0
    assert "record #1 was altered" in problem and "AUDIT_KEY" in problem


def test_the_seal_is_signed_and_appended_every_10_minutes_by_beat(locality):
    from audit.tasks import audit_seal as audit_seal_task
    from indigo.celery import app

    assert app.conf.beat_schedule["audit-seal-every-10-minutes"]["task"] == "audit.tasks.audit_seal"
    assert audit_seal_task.delay().get() == 0  # nothing to seal yet
    _file(locality, range(1, 3))
    assert audit_seal_task.delay().get() == 2
    assert audit_seal_task.delay().get() == 2  # twice is harmless
    lines = (Path(settings.AUDIT_SEAL_DIR) / "seals.jsonl").read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [2, 2]
    assert set(json.loads(lines[0])) == {"seq", "hash", "at", "mac"}


def test_the_deploy_check_asks_for_an_audit_key_of_its_own(settings):
    from django.core.checks import Tags, run_checks

    def warnings() -> set[str]:
        return {message.id for message in run_checks(include_deployment_checks=True, tags=[Tags.security])}

    settings.AUDIT_KEY = ""
    assert "audit.W001" in warnings()
    settings.AUDIT_KEY = "a long random string of its own"
    assert "audit.W001" not in warnings()
