"""The owner of the database wipes or rewrites the audit trail; audit_verify still finds out (issue 8, item 15).

Both attacks passed `audit_verify` when the chain was plain SHA-256 with nothing outside the
database: (a) TRUNCATE and a reset of the chain head; (b) triggers off, a row changed, the hashes
after it recomputed. Records and their chain links are now keyed (AUDIT_KEY, not in the database)
and the chain's head is sealed to a file outside the database (issue 9: records are appended with
their own MAC and chained a moment later by the sequencer, `audit_chain`).
"""

import collections
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
from audit.models import AuditLink, AuditRecord
from audit.services import (
    GENESIS,
    SCHEME_HMAC,
    SCHEME_SHA256,
    _canonical,
    _content,
    audit_chain,
    audit_record,
    audit_seal,
    audit_verify,
    legacy_hash,
    link_hash,
    record_mac,
)
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


def _plain_mac(record: AuditRecord) -> str:
    """What an attacker without the key can compute: the same payload, plain SHA-256."""
    payload = {"id": record.pk, **_content(record), "scheme": record.scheme}
    return hashlib.sha256(b"record:" + _canonical(payload)).hexdigest()


def _plain_link(*, seq, record_id, mac, prev_hash) -> str:
    payload = {"seq": seq, "record": record_id, "mac": mac, "prev_hash": prev_hash}
    return hashlib.sha256(b"link:" + _canonical(payload)).hexdigest()


GUESSED = b"a guessed key"


def _guessed_mac(record: AuditRecord) -> str:
    return record_mac(record, key=GUESSED)


def _guessed_link(**fields) -> str:
    return link_hash(**fields, key=GUESSED)


def _legacy_link(record: AuditRecord, *, seq, prev_hash) -> str:
    """A record passed off as written before the key: plain SHA-256 over the old chain payload."""
    return legacy_hash(record, seq=seq, prev_hash=prev_hash)


def _rewrite(*, first: int, change: dict, mac=None, link=None, scheme: int | None = None) -> None:
    """As the tables' owner: triggers off, record `first` changed, every MAC and link hash from it on
    recomputed with what the attacker has (`mac`/`link`, or plain SHA-256 as scheme 1)."""
    audit_chain(now=NOW)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending foreign-key checks
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        cursor.execute("ALTER TABLE audit_auditlink DISABLE TRIGGER audit_link_append_only")
        prev_hash = AuditLink.objects.get(seq=first - 1).hash if first > 1 else GENESIS
        for chain_link in AuditLink.objects.filter(seq__gte=first).order_by("seq").select_related("record"):
            record = chain_link.record
            if chain_link.seq == first:
                for name, value in change.items():
                    setattr(record, name, value)
            record.scheme = scheme or record.scheme
            if record.scheme == SCHEME_SHA256:
                record.mac = ""
                hash_ = _legacy_link(record, seq=chain_link.seq, prev_hash=prev_hash)
            else:
                record.mac = mac(record)
                hash_ = link(seq=chain_link.seq, record_id=record.pk, mac=record.mac, prev_hash=prev_hash)
            cursor.execute("UPDATE audit_auditrecord SET actor = %s, mac = %s, scheme = %s WHERE id = %s", [record.actor, record.mac, record.scheme, record.pk])
            cursor.execute("UPDATE audit_auditlink SET prev_hash = %s, hash = %s WHERE seq = %s", [prev_hash, hash_, chain_link.seq])
            prev_hash = hash_
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_append_only")
        cursor.execute("ALTER TABLE audit_auditlink ENABLE TRIGGER audit_link_append_only")


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


def test_new_records_are_keyed_and_an_append_is_one_insert_without_a_shared_row(locality, django_assert_num_queries):
    connection.__dict__.pop("_audit_id_block", None)
    audit_record(action="test.first", now=NOW)  # takes a block of ids from the sequence (on PostgreSQL)
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2) as queries:  # the insert (SQLite: the id, the insert)
        record = audit_record(action="test.second", now=NOW)
    assert not any("UPDATE" in query["sql"].upper() or "FOR UPDATE" in query["sql"].upper() for query in queries.captured_queries)
    assert record.scheme == 3
    assert record.mac != _plain_mac(record)
    assert record.mac == record_mac(record)
    assert not AuditLink.objects.exists()  # chained a moment later, by the sequencer
    assert audit_chain(now=NOW) == 2
    assert list(AuditLink.objects.order_by("seq").values_list("seq", "record__action")) == [(1, "test.first"), (2, "test.second")]


@on_postgresql
def test_a_block_of_ids_is_never_used_on_another_connection(locality):
    """The ids a connection took from one database's sequence are not spent on another's (the
    bench and the tests switch databases; a forked worker inherits its parent's memory)."""
    first = audit_record(action="test.first", now=NOW)
    owner, _ids = connection._audit_id_block
    connection._audit_id_block = (("another process", owner[1], owner[2]), collections.deque([first.pk]))
    second = audit_record(action="test.second", now=NOW)
    assert second.pk != first.pk


def test_a_copied_record_does_not_verify(locality):
    _file(locality, range(1, 3))
    audit_chain(now=NOW)
    original = AuditRecord.objects.order_by("id").first()
    copy = AuditRecord.objects.get(pk=original.pk)
    copy.pk = None  # a new id, the same content and MAC: the MAC covers the id
    copy.save(force_insert=True)

    checked, problem = audit_verify()
    assert (checked, "record #3 was altered: its content does not match its MAC" in problem) == (2, True)


@on_postgresql
def test_the_database_refuses_truncate(locality):
    _file(locality, [1])
    with connection.cursor() as cursor:
        # On as migrated; the test database has it off for the flushes (tests/conftest.py).
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_no_truncate")
        cursor.execute("ALTER TABLE audit_auditlink ENABLE TRIGGER audit_link_no_truncate")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE audit_auditlink, audit_auditrecord")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE audit_auditlink")
    assert AuditRecord.objects.count() == 1


def _truncate_and_reset_head() -> None:
    """Attack (a), as the owner: the TRUNCATE triggers are switched off first (no head row is left to reset)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending foreign-key checks
        cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_no_truncate")
        cursor.execute("ALTER TABLE audit_auditlink DISABLE TRIGGER audit_link_no_truncate")
        cursor.execute("TRUNCATE audit_auditlink, audit_auditrecord")
        cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_no_truncate")
        cursor.execute("ALTER TABLE audit_auditlink ENABLE TRIGGER audit_link_no_truncate")


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
    _rewrite(first=3, change={"actor": "someone else"}, mac=_plain_mac, link=_plain_link)

    checked, problem = audit_verify()
    assert checked == 2
    assert "record #3 was altered" in problem
    _verify_command_fails()


@on_postgresql
def test_a_rewrite_with_hashes_under_another_key_is_reported(locality):
    _file(locality, range(1, 6))
    _rewrite(first=3, change={"actor": "someone else"}, mac=_guessed_mac, link=_guessed_link)

    checked, problem = audit_verify()
    assert (checked, "record #3 was altered" in problem) == (2, True)
    _verify_command_fails()


@on_postgresql
def test_a_rewrite_passed_off_as_records_from_before_the_key_is_reported(locality):
    _file(locality, range(1, 6))
    _rewrite(first=3, change={"actor": "someone else"}, scheme=SCHEME_SHA256)

    checked, problem = audit_verify()
    assert (checked, "record #3 was rewritten: its hash scheme 1 is older" in problem) == (2, True)


@on_postgresql
def test_a_whole_trail_rewritten_as_records_from_before_the_key_is_caught_by_the_seal(locality):
    _file(locality, range(1, 6))
    audit_seal(now=NOW + dt.timedelta(minutes=10))
    _rewrite(first=1, change={"actor": "someone else"}, scheme=SCHEME_SHA256)

    checked, problem = audit_verify()
    assert (checked, "record #5 was rewritten: its hash differs from the one sealed" in problem) == (4, True)


def _legacy_append(schemes: list[int]) -> None:
    """Records as the portal wrote them before issue 9 (chained at append, scheme 1 or 2), with the
    links migration 0004 made of their seq, prev_hash and hash columns."""
    prev_hash = GENESIS
    for seq, scheme in enumerate(schemes, start=1):
        record = AuditRecord.objects.create(at=NOW, actor_kind="system", actor="scheduler", action="legacy", scheme=scheme, mac="")
        hash_ = legacy_hash(record, seq=seq, prev_hash=prev_hash)
        AuditLink.objects.create(seq=seq, record=record, prev_hash=prev_hash, hash=hash_, chained_at=NOW)
        prev_hash = hash_


def test_records_written_before_the_key_and_before_the_sequencer_still_verify(locality):
    _legacy_append([SCHEME_SHA256, SCHEME_SHA256, SCHEME_HMAC])
    with acting_as(Actor(kind="staff", label="chief")):
        _file(locality, [1, 2])
    audit_seal(now=NOW + dt.timedelta(minutes=10))

    assert list(AuditLink.objects.order_by("seq").values_list("record__scheme", flat=True)) == [1, 1, 2, 3, 3]
    assert audit_verify() == (5, None)


def test_a_rewritten_record_from_before_the_sequencer_is_reported(locality):
    _legacy_append([SCHEME_SHA256, SCHEME_HMAC, SCHEME_HMAC])
    _file(locality, [1])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        cursor.execute(f"UPDATE audit_auditrecord SET actor = 'someone else' WHERE id = {AuditLink.objects.get(seq=2).record_id}")
    checked, problem = audit_verify()
    assert (checked, "record #2 was altered: its content does not match its hash" in problem) == (1, True)


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
    assert app.conf.beat_schedule["audit-chain-every-5-seconds"]["task"] == "audit.tasks.audit_chain"
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
