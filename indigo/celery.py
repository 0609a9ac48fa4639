"""The Celery app. The beat schedule lives in code (STYLE.md), in Astana time."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")

app = Celery("indigo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
import core.logs  # noqa: E402, F401  (request ids in tasks, the worker keeps settings.LOGGING)
from core import metrics as _metrics  # noqa: E402, F401  (Celery task outcomes counted for /metrics)

app.conf.beat_schedule = {
    # SPEC §9: a message still queued 10 minutes after its try was due lost its task (broker down
    # at commit, worker killed): every 5 minutes, dispatch it again (delivery sends it once).
    "messages-resend-stuck-every-5-minutes": {"task": "operations.tasks.messages_resend_stuck", "schedule": crontab(minute="*/5")},
    # SPEC §5: the bulletin of released seats is published every day at 18:00 Astana time.
    "bulletin-publish-18-00": {"task": "placements.tasks.bulletin_publish", "schedule": crontab(hour=18, minute=0)},
    # SPEC §5: a priority seat becomes general at priority_until; the state column follows each minute.
    "seats-promote-every-minute": {"task": "placements.tasks.seats_promote", "schedule": crontab()},
    # SPEC §7: an active direction expires at valid_until; checked each minute.
    "directions-expire-every-minute": {"task": "placements.tasks.directions_expire", "schedule": crontab()},
    # SPEC §9: "direction expires tomorrow" — each hour, for directions whose deadline is within
    # 24 hours; once per direction and deadline (idempotent).
    "directions-remind-expiring-hourly": {"task": "placements.tasks.directions_remind_expiring", "schedule": crontab(minute=15)},
    # Documents of application wizards abandoned for a day are removed (private data kept no longer
    # than needed); daily at 03:30.
    "pending-documents-sweep-daily": {"task": "queues.tasks.pending_documents_sweep", "schedule": crontab(hour=3, minute=30)},
    # Used one-time form tokens (core/once.py) are kept as long as a token is valid, a day; daily at 03:40.
    "form-tokens-sweep-daily": {"task": "core.tasks.form_tokens_sweep", "schedule": crontab(hour=3, minute=40)},
    # Issue 10: retention — expired sessions, old codes, outbox SMS, message recipients masked, lockout
    # records (periods: RETENTION_* settings); it also runs the two sweeps above. Daily at 03:50, after them.
    "retention-run-daily": {"task": "operations.tasks.retention_run", "schedule": crontab(hour=3, minute=50)},
    # Issue 12: the open-data snapshot of the night, after the day's last changes and before the
    # 03:30 sweeps; a quiet hour. It keeps the last SNAPSHOT_KEEP_DAYS days (opendata/snapshot.py).
    "opendata-snapshot-02-30": {"task": "opendata.tasks.snapshot_take_nightly", "schedule": crontab(hour=2, minute=30)},
    # SPEC §10: the audit chain's head, signed with AUDIT_KEY, goes to a file outside the database
    # every 10 minutes, so audit_verify finds a truncated or rolled-back trail (audit/services.py).
    "audit-seal-every-10-minutes": {"task": "audit.tasks.audit_seal", "schedule": crontab(minute="*/10")},
    # Issue 9: the sequencer appends the audit records written since its last run to the chain;
    # every 5 seconds keeps the unchained tail short (a run while one is under way returns at once).
    "audit-chain-every-5-seconds": {"task": "audit.tasks.audit_chain", "schedule": 5.0},
    # Issue 10: the beat's heartbeat each minute; readiness fails when it is 3 minutes old.
    "health-heartbeat-every-minute": {"task": "operations.tasks.heartbeat", "schedule": crontab()},
    # Issue 10: the watchdog (bulletin late after 18:10, expiry behind) every 5 minutes; e-mails staff once a day per problem.
    "health-watchdog-every-5-minutes": {"task": "operations.tasks.watchdog", "schedule": crontab(minute="*/5")},
    # Issue 12: the fairness audit of the previous day, nightly at 02:30 (after the day's last
    # expiries and the 18:00 bulletin's catch-up); re-running a day replaces its result.
    "fairness-audit-daily": {"task": "fairness.tasks.fairness_audit_yesterday", "schedule": crontab(hour=2, minute=30)},
    # SPEC §3: over-age archival when E changes at 00:00 on 1 June; running it daily is harmless
    # (idempotent) and catches up a missed 1 June.
    "applications-archive-over-age-daily": {
        "task": "queues.tasks.applications_archive_over_age",
        "schedule": crontab(hour=0, minute=0),
    },
}
