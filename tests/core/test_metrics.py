"""Issue 10: Prometheus metrics at /metrics — closed to strangers, business events counted where
they happen (in Redis, shared by every process; in memory without Redis), gauges read from the
database, request latency by view name, and a dead Redis that costs nobody a claim."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from core import metrics
from core.errors import Refusal
from notifications.delivery import message_deliver
from notifications.models import Message
from notifications.services import deliveries_suspended, sms_send_code
from placements import tasks as placement_tasks
from placements.claims import seat_claim
from tests.factories import OPEN_AT, ApplicationFactory, GroupFactory, astana, seats_publish, seats_release
from tests.notifications.conftest import fake_mobizon, mobizon  # noqa: F401  (the fake SMS gateway)

pytestmark = pytest.mark.django_db

TOKEN = "scrape-me-0123456789abcdef"
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _metrics_empty(settings):
    """Every test starts with no counted events: this process's memory and the shared hash."""
    settings.METRICS_TOKEN = TOKEN
    settings.DEBUG = False
    metrics.store.reset()
    if django_settings.REDIS_URL:
        metrics._redis().delete(metrics.HASH_KEY)
    yield
    metrics.store.reset()


def scrape(client: Client | None = None) -> dict[str, list]:
    """/metrics as {sample name: [(labels, value), ...]}, parsed as Prometheus parses it."""
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict[str, list], name: str, **labels: str) -> float | None:
    found = [v for sample_labels, v in samples.get(name, []) if all(sample_labels.get(k) == w for k, w in labels.items())]
    assert len(found) <= 1, f"{name}{labels} matches several series"
    return found[0] if found else None


# --- access ---------------------------------------------------------------------------------------


def test_metrics_are_not_found_without_the_token_or_with_a_wrong_one():
    client = Client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404  # the scheme is required


def test_the_scraper_with_the_token_gets_the_exposition_uncached():
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")  # what any Prometheus reads
    assert "no-store" in response["Cache-Control"]
    assert "indigo_metrics_store_up 1.0" in response.content.decode()
    openmetrics = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.content.decode().endswith("# EOF\n")


def test_without_a_token_metrics_are_found_only_in_debug(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404
    settings.DEBUG = True
    assert Client().get("/metrics").status_code == 200


# --- business events ---------------------------------------------------------------------------------


@pytest.fixture
def group():
    return GroupFactory()


def test_a_claim_is_counted_ok_and_a_refused_one_by_its_refusal(group):
    holder = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 10))
    latecomer = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 11))
    seats_publish(group=group)  # one priority seat: the holder's grant, none for the latecomer

    with pytest.raises(Refusal):
        seat_claim(application=latecomer, group=group, now=OPEN_AT)  # no_access
    seat_claim(application=holder, group=group, now=OPEN_AT)
    with pytest.raises(Refusal):
        seat_claim(application=holder, group=group, now=OPEN_AT)  # not_queued: it holds a direction now

    samples = scrape()
    assert value(samples, "indigo_claims_total", outcome="ok") == 1
    assert value(samples, "indigo_claims_total", outcome="no_access") == 1
    assert value(samples, "indigo_claims_total", outcome="not_queued") == 1
    assert value(samples, "indigo_claims_total", outcome="no_seat") is None


def test_a_code_sent_is_counted_by_purpose(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sms_send_code(phone="+77011234567", code="482915", language="ru", now=OPEN_AT, purpose="login")
        sms_send_code(phone="+77011234567", code="193847", language="ru", now=OPEN_AT, purpose="claim")
        sms_send_code(phone="+77011234567", code="102938", language="ru", now=OPEN_AT, purpose="claim")

    samples = scrape()
    assert value(samples, "indigo_codes_sent_total", purpose="login") == 1
    assert value(samples, "indigo_codes_sent_total", purpose="claim") == 2
    # The codes were delivered (the outbox backend) and counted as sent SMS.
    assert value(samples, "indigo_message_deliveries_total", channel="sms", event="code", outcome="sent") == 3


def test_a_failed_and_a_retried_sms_are_counted(mobizon):  # noqa: F811
    with deliveries_suspended():
        application = ApplicationFactory(phone="+77011234567")
    message = Message.objects.get(application=application, event="registered")

    mobizon.reply(status=503)  # the gateway is down: a retry later
    assert message_deliver(message_id=message.pk, now=message.created_at).status == "retry"
    mobizon.reply(answer={"code": 1, "data": {"recipient": "bad number"}, "message": "Validation error"})  # refused: failed
    assert message_deliver(message_id=message.pk, now=message.created_at).status == "failed"

    samples = scrape()
    assert value(samples, "indigo_message_deliveries_total", channel="sms", event="registered", outcome="retry") == 1
    assert value(samples, "indigo_message_deliveries_total", channel="sms", event="registered", outcome="failed") == 1
    assert value(samples, "indigo_message_deliveries_total", channel="sms", event="registered", outcome="sent") is None


def test_the_bulletin_job_exports_its_runs_duration_and_seats(group):
    ApplicationFactory(locality=group.kindergarten.locality)
    seats_release(group=group, count=3)

    assert placement_tasks.bulletin_publish.delay().get() == 3
    assert placement_tasks.bulletin_publish.delay().get() == 0  # nothing left to publish

    samples = scrape()
    assert value(samples, "indigo_bulletin_runs_total", result="published") == 1
    assert value(samples, "indigo_bulletin_runs_total", result="nothing") == 1
    assert value(samples, "indigo_bulletin_seats_published_total") == 3
    assert value(samples, "indigo_bulletin_grants_total") == 1  # one application in the queue: one grant
    assert value(samples, "indigo_bulletin_duration_seconds_count") == 2
    assert value(samples, "indigo_bulletin_duration_seconds_sum") > 0
    assert value(samples, "indigo_bulletin_last_seats_published") == 0  # the second run
    assert value(samples, "indigo_bulletin_last_run_timestamp_seconds") > 1.7e9
    # Both runs were Celery tasks: their outcomes are counted by task name.
    assert value(samples, "indigo_celery_tasks_total", task="placements.tasks.bulletin_publish", state="success") == 2


def test_a_failing_task_is_counted_as_a_failure(monkeypatch):
    def broken(*, now):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(placement_tasks.seats, "seats_promote", broken)
    # As a worker runs it: the error is recorded, not raised into the caller (eager mode would raise
    # before Celery sends task_failure).
    assert placement_tasks.seats_promote.apply(throw=False).failed()

    assert value(scrape(), "indigo_celery_tasks_total", task="placements.tasks.seats_promote", state="failure") == 1


def test_a_replay_counts_nothing(group):
    holder = ApplicationFactory(locality=group.kindergarten.locality)
    seats_publish(group=group)
    with deliveries_suspended():  # what `simulate` and `load_demo` run under
        seat_claim(application=holder, group=group, now=OPEN_AT)
    assert value(scrape(), "indigo_claims_total", outcome="ok") is None


# --- gauges ----------------------------------------------------------------------------------------


def test_the_gauges_match_the_database(group):
    locality = group.kindergarten.locality
    holder = ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2, 10))
    ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2, 11))
    ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2, 12), queues=("general", "special"), sen_pmpk=True)
    seats_publish(group=group, count=2)  # 2024: their priority window is long over now
    seat_claim(application=holder, group=group, now=OPEN_AT)

    samples = scrape()
    # By hand: 3 filed, the holder directed; 2 queued, both in the general queue, 1 also in the special.
    assert value(samples, "indigo_applications", status="queued") == 2
    assert value(samples, "indigo_applications", status="directed") == 1
    assert value(samples, "indigo_applications", status="archived") == 0
    assert value(samples, "indigo_queue_applications", kind="general", queue_class="none") == 2
    assert value(samples, "indigo_queue_applications", kind="special", queue_class="none") == 1
    assert value(samples, "indigo_queue_applications", kind="sanatorium", queue_class="none") == 0
    # 2 seats: one claimed, the other priority in the column but general since priority_until passed.
    assert value(samples, "indigo_seats", state="claimed") == 1
    assert value(samples, "indigo_seats", state="general") == 1
    assert value(samples, "indigo_seats", state="priority") == 0
    assert value(samples, "indigo_directions", status="issued") == 1
    assert value(samples, "indigo_directions", status="expired") == 0
    # The direction's valid_until (June 2024) is long past and nothing expired it: expiry is behind.
    assert value(samples, "indigo_watchdog_problem", check="expiry") == 1
    assert value(samples, "indigo_watchdog_problem", check="bulletin") == 0


def test_the_gauges_are_computed_once_per_half_minute(group):
    ApplicationFactory(locality=group.kindergarten.locality)
    client = Client()
    assert value(scrape(client), "indigo_applications", status="queued") == 1
    ApplicationFactory(locality=group.kindergarten.locality)
    assert value(scrape(client), "indigo_applications", status="queued") == 1  # cached
    from django.core.cache import cache

    cache.delete("metrics:gauges:v1")
    assert value(scrape(client), "indigo_applications", status="queued") == 2


def test_the_beat_heartbeat_age_is_exported():
    from django.utils import timezone

    from operations.health import heartbeat_record

    heartbeat_record(now=timezone.now())
    age = value(scrape(), "indigo_beat_heartbeat_age_seconds")
    assert age is not None and 0 <= age < 60


# --- request latency -------------------------------------------------------------------------------


def test_request_latency_is_labelled_by_view_name_never_by_path():
    client = Client()
    client.get("/health/")
    client.get("/no-such-page-4711/")

    samples = scrape(client)
    assert value(samples, "indigo_http_request_duration_seconds_count", view="operations:health_live", method="GET", status="2xx") >= 1
    assert value(samples, "indigo_http_request_duration_seconds_count", view="unresolved", method="GET", status="4xx") >= 1
    views = {labels["view"] for labels, _ in samples["indigo_http_request_duration_seconds_count"]}
    assert not any("4711" in view for view in views)


def test_gunicorn_workers_latency_adds_up_in_multiprocess_mode(tmp_path: Path):
    """Two processes observe with PROMETHEUS_MULTIPROC_DIR set; a third exports both."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "indigo.settings_test"}
    observe = "import django; django.setup(); from core.metrics import REQUEST_LATENCY as h; h.labels('portal:home', 'GET', '2xx').observe(0.05)"
    export = (
        "import django; django.setup(); from prometheus_client import CollectorRegistry, generate_latest;"
        "from operations.metrics_export import latency_register; r = CollectorRegistry(); latency_register(r);"
        "print(generate_latest(r).decode())"
    )
    cwd = Path(django_settings.BASE_DIR)
    for _ in range(2):
        subprocess.run([sys.executable, "-c", observe], env=env, cwd=cwd, check=True, timeout=60)
    output = subprocess.run([sys.executable, "-c", export], env=env, cwd=cwd, check=True, timeout=60, capture_output=True, text=True).stdout
    samples = {(s.name, s.labels.get("view")): s.value for f in text_string_to_metric_families(output) for s in f.samples}
    assert samples[("indigo_http_request_duration_seconds_count", "portal:home")] == 2


# --- Redis down ------------------------------------------------------------------------------------


def test_a_dead_redis_costs_no_claim_and_warns_once(settings, group, caplog):
    settings.REDIS_URL = DEAD_REDIS
    caplog.set_level(logging.WARNING, logger="core.metrics")
    first = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 10))
    second = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 11))
    seats_publish(group=group, count=2)

    # Both hold a grant (two seats, two in the queue); both claims go through.
    assert seat_claim(application=first, group=group, now=OPEN_AT).pk is not None
    assert seat_claim(application=second, group=group, now=OPEN_AT).pk is not None

    warnings = [r for r in caplog.records if r.name == "core.metrics"]
    assert len(warnings) == 1
    assert "Redis unavailable" in warnings[0].getMessage()
    samples = scrape()  # the page still answers, and says the counters could not be read
    assert value(samples, "indigo_metrics_store_up") == 0
    assert "indigo_claims_total" not in samples
