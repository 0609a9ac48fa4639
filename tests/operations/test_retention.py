"""Retention (issue 10, operations/retention.py): each kind goes only past its period, the rest stays; a
second run changes nothing; the audit trail is kept and gains one record per run."""

import datetime as dt
import io
import os
import threading
import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection

from accounts.models import Kiosk, KioskPairing, OneTimeCode, PhoneThrottle
from audit.models import AuditRecord
from audit.services import audit_record
from core.calendar import ASTANA
from core.models import FormToken
from core.phones import recipient_masked
from indigo.celery import app as celery_app
from notifications.models import Message, OutboxSms
from operations.retention import _delete_batched, recipients_mask_old, retention_run
from queues.documents import pending_documents_dir
from tests.factories import KindergartenFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 3, 50, tzinfo=ASTANA)
DAY = dt.timedelta(days=1)
# What one run removes or masks from the `world` below, by hand: 2 codes (phone …01) and its lock,
# 2 axes logs (success, failure), 2 kiosk pairings, one of every other kind.
WORLD_COUNTS = {
    "sessions": 1,
    "codes": 2,
    "phone_locks": 1,
    "outbox_sms": 1,
    "recipients_masked": 2,
    "lockout_attempts": 1,
    "lockout_logs": 2,
    "pending_documents": 1,
    "form_tokens": 1,
    "kiosk_pairings": 2,
}
KINDS = tuple(WORLD_COUNTS)


@pytest.fixture(autouse=True)
def _periods(settings):
    # The defaults, spelled out: the tests below count days from them.
    settings.RETENTION_CODES_DAYS = 1
    settings.RETENTION_OUTBOX_DAYS = 7
    settings.RETENTION_RECIPIENT_DAYS = 90
    settings.RETENTION_LOCKOUT_DAYS = 30


def session(key: str, expire: dt.datetime) -> None:
    Session.objects.create(session_key=key, session_data="e30", expire_date=expire)


def code(phone: str, created: dt.datetime, *, used: bool = False) -> OneTimeCode:
    PhoneThrottle.objects.get_or_create(phone=phone)
    return OneTimeCode.objects.create(
        phone=phone,
        purpose="login",
        salt="s",
        code_hash="h",
        created_at=created,
        expires_at=created + dt.timedelta(minutes=5),
        used_at=created if used else None,
    )


def message(key: str, recipient: str, created: dt.datetime, status: str = Message.Status.SENT) -> Message:
    return Message.objects.create(
        event="registered",
        channel="email" if "@" in recipient else "sms",
        recipient=recipient,
        language="ru",
        idempotency_key=key,
        status=status,
        created_at=created,
    )


def attempt(model, username: str, at: dt.datetime):
    row = model.objects.create(username=username, ip_address="10.0.0.1", user_agent="test", **({"failures_since_start": 5} if model is AccessAttempt else {}))
    model.objects.filter(pk=row.pk).update(attempt_time=at)  # auto_now_add: set afterwards
    return row


def pending_document(name: str, age: dt.timedelta) -> None:
    path = pending_documents_dir() / name
    path.write_bytes(b"%PDF")
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))


@pytest.fixture
def world():
    """Of each kind, one row just past its period and one just inside it (or still needed)."""
    session("expired", NOW - dt.timedelta(seconds=1))
    session("live", NOW + DAY)

    code("77010000001", NOW - DAY - dt.timedelta(minutes=1), used=True)  # old, used: goes
    code("77010000001", NOW - DAY - dt.timedelta(minutes=2))  # old, expired unused: goes
    code("77010000002", NOW - DAY + dt.timedelta(minutes=1), used=True)  # inside the day: stays
    code("77010000003", NOW - dt.timedelta(minutes=2))  # the last hour, still valid: stays

    OutboxSms.objects.create(phone="77010000001", text="old", created_at=NOW - 7 * DAY - dt.timedelta(seconds=1))
    OutboxSms.objects.create(phone="77010000001", text="recent", created_at=NOW - 7 * DAY + dt.timedelta(seconds=1))

    old = NOW - 90 * DAY - dt.timedelta(seconds=1)
    message("sent-phone", "77011234567", old)
    message("failed-email", "aigerim@mail.kz", old, Message.Status.FAILED)
    message("queued", "77017654321", old, Message.Status.QUEUED)  # still to be tried: kept
    message("recent", "77019999999", NOW - 90 * DAY + dt.timedelta(seconds=1))
    message("nobody", "", old, Message.Status.FAILED)

    lockout = NOW - 30 * DAY
    attempt(AccessAttempt, "old", lockout - dt.timedelta(seconds=1))
    attempt(AccessAttempt, "recent", lockout + dt.timedelta(seconds=1))
    attempt(AccessLog, "old", lockout - dt.timedelta(seconds=1))
    attempt(AccessLog, "recent", lockout + dt.timedelta(seconds=1))
    attempt(AccessFailureLog, "old", lockout - dt.timedelta(seconds=1))
    attempt(AccessFailureLog, "recent", lockout + dt.timedelta(seconds=1))

    pending_document("abandoned.pdf", 2 * DAY)
    pending_document("fresh.pdf", dt.timedelta(minutes=5))

    FormToken.objects.create(token="old", used_at=NOW - 2 * DAY)
    FormToken.objects.create(token="recent", used_at=NOW - dt.timedelta(hours=1))

    kiosk = Kiosk.objects.create(code="hall", name="Hall", kindergarten=KindergartenFactory(), token_hash="t" * 64)
    for code_, created, confirmed, completed in (
        ("OLDUNCON", NOW - 2 * DAY, None, None),  # never confirmed, ended a day ago: goes
        ("NEWUNCON", NOW - dt.timedelta(minutes=5), None, None),  # still on a screen: stays
        ("OLDDONE1", NOW - 3 * DAY, NOW - 3 * DAY, NOW - 2 * DAY),  # collected by its screen long ago: goes
        ("WAITING1", NOW - 3 * DAY, NOW - 3 * DAY, None),  # confirmed, not yet collected: stays
    ):
        KioskPairing.objects.create(
            code=code_,
            secret_hash=code_ * 8,
            created_at=created,
            expires_at=created + dt.timedelta(minutes=10),
            kiosk=kiosk if confirmed else None,
            confirmed_at=confirmed,
            completed_at=completed,
        )

    audit_record(action="test.old", now=NOW - 3650 * DAY, details={"n": 1})
    audit_record(action="test.recent", now=NOW - dt.timedelta(minutes=1))


def test_each_kind_goes_only_past_its_period(world):
    counts = retention_run(now=NOW)

    assert counts == WORLD_COUNTS
    assert sorted(KioskPairing.objects.values_list("code", flat=True)) == ["NEWUNCON", "WAITING1"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert sorted(OneTimeCode.objects.values_list("phone", flat=True)) == ["77010000002", "77010000003"]
    assert sorted(PhoneThrottle.objects.values_list("phone", flat=True)) == ["77010000002", "77010000003"]
    assert list(OutboxSms.objects.values_list("text", flat=True)) == ["recent"]
    recipients = dict(Message.objects.values_list("idempotency_key", "recipient"))
    assert recipients == {
        "sent-phone": "7701*****67",
        "failed-email": "a***@mail.kz",
        "queued": "77017654321",
        "recent": "77019999999",
        "nobody": "",
    }
    # The delivery log keeps every row and its status.
    assert dict(Message.objects.values_list("idempotency_key", "status"))["failed-email"] == Message.Status.FAILED
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"]
    assert sorted(p.name for p in pending_documents_dir().iterdir()) == ["fresh.pdf"]
    assert list(FormToken.objects.values_list("token", flat=True)) == ["recent"]


def test_second_run_changes_nothing(world):
    retention_run(now=NOW)
    before = (
        set(Session.objects.values_list("pk", flat=True)),
        set(OneTimeCode.objects.values_list("pk", flat=True)),
        set(PhoneThrottle.objects.values_list("pk", flat=True)),
        set(OutboxSms.objects.values_list("pk", flat=True)),
        set(Message.objects.values_list("pk", "recipient", "status")),
        set(AccessAttempt.objects.values_list("pk", flat=True)),
        set(AccessLog.objects.values_list("pk", flat=True)),
        set(FormToken.objects.values_list("pk", flat=True)),
    )

    assert retention_run(now=NOW) == dict.fromkeys(KINDS, 0)

    after = (
        set(Session.objects.values_list("pk", flat=True)),
        set(OneTimeCode.objects.values_list("pk", flat=True)),
        set(PhoneThrottle.objects.values_list("pk", flat=True)),
        set(OutboxSms.objects.values_list("pk", flat=True)),
        set(Message.objects.values_list("pk", "recipient", "status")),
        set(AccessAttempt.objects.values_list("pk", flat=True)),
        set(AccessLog.objects.values_list("pk", flat=True)),
        set(FormToken.objects.values_list("pk", flat=True)),
    )
    assert after == before


def test_audit_trail_kept_and_one_record_with_the_counts_added(world):
    trail = list(AuditRecord.objects.order_by("pk").values_list("pk", "action", "at", "mac"))

    counts = retention_run(now=NOW)

    # Every earlier record is still there, unchanged. (Ids come from per-connection blocks of the
    # sequence, audit/services.py, so a new record's id need not be larger than the old ones'.)
    assert set(trail) <= set(AuditRecord.objects.values_list("pk", "action", "at", "mac"))
    added = AuditRecord.objects.exclude(pk__in=[row[0] for row in trail])
    assert added.count() == 1
    record = added.get()
    assert (record.action, record.at, record.details) == ("retention.run", NOW, counts)


def test_codes_of_the_last_hour_stay_whatever_the_setting(settings):
    """SPEC §9 counts the codes of the last hour (5 an hour): a period of 0 days still keeps them."""
    settings.RETENTION_CODES_DAYS = 0
    code("77010000001", NOW - dt.timedelta(minutes=59), used=True)
    code("77010000001", NOW - dt.timedelta(minutes=61), used=True)

    counts = retention_run(now=NOW)

    assert counts["codes"] == 1
    assert list(OneTimeCode.objects.values_list("created_at", flat=True)) == [NOW - dt.timedelta(minutes=59)]
    assert PhoneThrottle.objects.filter(phone="77010000001").exists()


def test_lockout_never_ends_before_its_cool_off(settings):
    settings.RETENTION_LOCKOUT_DAYS = 0
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    attempt(AccessAttempt, "locked", NOW - dt.timedelta(minutes=5))
    attempt(AccessAttempt, "cooled", NOW - dt.timedelta(minutes=16))

    assert retention_run(now=NOW)["lockout_attempts"] == 1
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["locked"]


def test_masked_recipient_reads_the_same_in_the_delivery_log():
    """The admin shows recipient_masked(recipient): a masked e-mail still shows its domain; a masked
    phone shows no digit at all."""
    message("phone", "77011234567", NOW - 91 * DAY)
    message("email", "aigerim@mail.kz", NOW - 91 * DAY)

    retention_run(now=NOW)

    masked = dict(Message.objects.values_list("idempotency_key", "recipient"))
    assert recipient_masked(masked["email"]) == "a***@mail.kz"
    assert "1234" not in recipient_masked(masked["phone"])


def test_batches_go_until_nothing_is_left():
    for n in range(7):
        OutboxSms.objects.create(phone="77010000001", text=str(n), created_at=NOW - 30 * DAY)
        message(f"m{n}", f"7701000000{n}", NOW - 100 * DAY)

    assert _delete_batched(OutboxSms.objects.all(), batch=2) == 7
    assert recipients_mask_old(now=NOW, batch=2) == 7
    assert not OutboxSms.objects.exists()
    assert not Message.objects.exclude(recipient__contains="*").exists()


def test_run_by_hand_and_on_the_beat(world):
    out = io.StringIO()
    call_command("run_job", "retention", "--at", NOW.isoformat(), stdout=out)
    assert "'sessions': 1" in out.getvalue()
    assert not Session.objects.filter(session_key="expired").exists()

    entries = [e for e in celery_app.conf.beat_schedule.values() if e["task"] == "operations.tasks.retention_run"]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert (schedule.hour, schedule.minute) == ({3}, {50})  # daily at 03:50, after the two sweeps


def test_task_runs_the_service_on_the_clock():
    from operations import tasks

    assert set(tasks.retention_run.delay().get()) == set(KINDS)
    assert AuditRecord.objects.filter(action="retention.run").count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and several connections")
def test_two_runs_at_once_do_the_work_once(world):
    """A second beat started by mistake: two runs at the same moment, each on its own connection,
    delete and mask each row once between them (the counts add up to one run's) and leave the same state."""
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = retention_run(now=NOW)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a run is stuck"

    assert {kind: results[0][kind] + results[1][kind] for kind in KINDS} == WORLD_COUNTS
    assert dict(Message.objects.values_list("idempotency_key", "recipient"))["sent-phone"] == "7701*****67"
    assert AuditRecord.objects.filter(action="retention.run").count() == 2
