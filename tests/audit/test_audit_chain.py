"""Appending takes no lock another transaction waits for; the sequencer chains every record once,
one run at a time (issue 9). Real connections, one per thread, on PostgreSQL."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from audit.context import Actor, acting_as
from audit.models import AuditLink, AuditRecord
from audit.services import _SEQUENCER_LOCK, audit_chain, audit_record, audit_verify, audit_waiting

NOW = dt.datetime(2024, 5, 2, 7, 0, tzinfo=ZoneInfo("Asia/Almaty"))
WAIT = 60  # seconds: only a guard against hanging forever when a thread is blocked, never a measure

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency with several connections is PostgreSQL's"),
]


def _append(label: str) -> AuditRecord:
    with acting_as(Actor(kind="parent", label=label)), transaction.atomic():
        return audit_record(action="seat.claim", now=NOW)


def _in_thread(target, *args) -> threading.Thread:
    def run():
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _chain_is_every_record_once(expected: int) -> None:
    links = list(AuditLink.objects.order_by("seq").values_list("seq", "record_id"))
    assert [seq for seq, _ in links] == list(range(1, expected + 1))
    assert sorted(record_id for _, record_id in links) == sorted(AuditRecord.objects.values_list("id", flat=True))
    assert audit_verify(now=NOW) == (expected, None)


def test_appends_do_not_wait_for_a_transaction_left_open_after_appending():
    appended, release = threading.Event(), threading.Event()
    holder_state = {}

    def holder():
        with transaction.atomic():
            holder_state["id"] = _append("family 0").pk
            appended.set()
            holder_state["released"] = release.wait(WAIT)  # the transaction stays open until then

    holder_thread = _in_thread(holder)
    assert appended.wait(WAIT)
    ids: list[int] = []
    families = [_in_thread(lambda n: ids.append(_append(f"family {n}").pk), n) for n in range(1, 17)]
    for family in families:
        family.join(WAIT)
    # All 16 committed while the first family's transaction was still open: nobody queued behind it.
    assert not any(family.is_alive() for family in families)
    assert holder_thread.is_alive() and not release.is_set()
    assert len(ids) == 16

    assert audit_chain(now=NOW) == 16  # the open transaction's record is not visible yet
    release.set()
    holder_thread.join(WAIT)
    assert holder_state["released"]

    # It commits late, so it is chained late: the lowest id, the last number.
    assert audit_chain(now=NOW) == 1
    assert holder_state["id"] < min(ids)
    assert AuditLink.objects.get(record_id=holder_state["id"]).seq == 17
    assert audit_waiting() == 0
    _chain_is_every_record_once(17)


def test_a_second_sequencer_returns_at_once_while_one_runs():
    for n in range(5):
        _append(f"family {n}")
    locked, release = threading.Event(), threading.Event()

    def running_sequencer():  # holds the sequencer's lock as a run under way does
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCER_LOCK])
            locked.set()
            release.wait(WAIT)

    holder = _in_thread(running_sequencer)
    assert locked.wait(WAIT)
    second: list[int] = []
    second_run = _in_thread(lambda: second.append(audit_chain(now=NOW)))
    second_run.join(WAIT)
    assert not second_run.is_alive() and second == [0]  # returned while the lock was held
    assert not release.is_set()
    release.set()
    holder.join(WAIT)
    assert audit_chain(now=NOW) == 5
    _chain_is_every_record_once(5)


def test_two_sequencers_at_once_make_one_chain_and_a_rerun_changes_nothing():
    for n in range(40):
        _append(f"family {n}")
    start = threading.Barrier(2)
    counts: list[int] = []

    def sequencer():
        start.wait(WAIT)
        counts.append(audit_chain(now=NOW, batch=7))

    runs = [_in_thread(sequencer) for _ in range(2)]
    for run in runs:
        run.join(WAIT)
    assert sum(counts) == 40
    assert audit_chain(now=NOW) == 0  # idempotent
    _chain_is_every_record_once(40)


def test_records_appended_between_runs_join_the_same_chain():
    for n in range(12):
        _append(f"family {n}")
    assert audit_chain(now=NOW, batch=5) == 12  # three batches
    for n in range(3):
        _append(f"late family {n}")
    assert audit_chain(now=NOW, batch=5) == 3
    _chain_is_every_record_once(15)
