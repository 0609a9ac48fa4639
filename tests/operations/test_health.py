"""Liveness, readiness and the watchdog (issue 10): what the orchestrator and the staff notice."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.utils import OperationalError
from django.utils import timezone

from indigo.celery import app as celery_app
from operations import health
from operations.health import heartbeat_record, readiness
from operations.watchdog import watchdog_run
from placements.bulletin import bulletin_publish
from placements.expiry import directions_expire
from placements.models import Direction
from tests.factories import ApplicationFactory, GroupFactory, astana, direction_issue, seats_release

pytestmark = pytest.mark.django_db

MONDAY_RELEASE = astana(2024, 6, 3, 12)
MONDAY_1811 = astana(2024, 6, 3, 18, 11)


@pytest.fixture
def staff(settings):
    settings.ADMINS = [("Ops", "ops@indigo.kz")]
    return get_user_model().objects.create_superuser("chief", "chief@indigo.kz", "a-long-password-1")


@pytest.fixture
def beat_alive():
    heartbeat_record(now=timezone.now())


def _ready(client):
    response = client.get("/health/ready/")
    return response.status_code, response.json()


def _failing(body) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


# Liveness ---------------------------------------------------------------------------------------


def test_liveness_answers_ok_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


# Readiness --------------------------------------------------------------------------------------


def test_readiness_ok_when_everything_answers(client, beat_alive):
    status, body = _ready(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "beat", "bulletin", "expiry"}
    assert _failing(body) == set()


def test_readiness_fails_and_names_the_database(client, beat_alive, monkeypatch):
    def database_down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_database", database_down)
    status, body = _ready(client)
    assert status == 503
    assert body["status"] == "fail"
    assert "database" in _failing(body)
    assert "OperationalError" in body["checks"]["database"]["detail"]


def test_readiness_fails_and_names_the_broker(client, beat_alive, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    status, body = _ready(client)
    assert status == 503
    assert _failing(body) == {"broker"}


def test_readiness_fails_and_names_the_cache(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    status, body = _ready(client)
    assert status == 503
    assert {"cache", "beat"} <= _failing(body)  # the heartbeat lives in the cache too


def test_readiness_fails_on_a_stale_heartbeat(client):
    heartbeat_record(now=timezone.now() - dt.timedelta(minutes=4))
    status, body = _ready(client)
    assert status == 503
    assert _failing(body) == {"beat"}
    assert "ago" in body["checks"]["beat"]["detail"]


def test_readiness_waits_for_the_first_heartbeat_only_just_after_start(client, monkeypatch):
    monkeypatch.setattr(health, "STARTED_AT", health.time.monotonic())
    status, body = _ready(client)
    assert status == 200
    assert body["checks"]["beat"]["detail"] == "waiting for the first heartbeat"

    monkeypatch.setattr(health, "STARTED_AT", health.time.monotonic() - 181)
    status, body = _ready(client)
    assert status == 503
    assert _failing(body) == {"beat"}


def test_heartbeat_task_is_on_the_beat_schedule_and_makes_readiness_pass(client):
    schedule = celery_app.conf.beat_schedule
    assert schedule["health-heartbeat-every-minute"]["task"] == "operations.tasks.heartbeat"
    assert schedule["health-watchdog-every-5-minutes"]["task"] == "operations.tasks.watchdog"
    from operations.tasks import heartbeat

    heartbeat.delay()
    status, body = _ready(client)
    assert status == 200, body


def test_health_check_command_for_the_beat_container():
    with pytest.raises(CommandError, match="beat"):
        call_command("health_check", "--beat")
    heartbeat_record(now=timezone.now())
    call_command("health_check", "--beat")
    call_command("health_check")


# Watchdog: the 18:00 bulletin --------------------------------------------------------------------


def test_late_bulletin_fails_readiness_and_mails_staff_once(staff):
    seats_release(group=GroupFactory(), count=2, now=MONDAY_RELEASE)

    assert readiness(now=astana(2024, 6, 3, 18, 5))["bulletin"]["ok"]  # within the 10 minutes' grace
    assert watchdog_run(now=astana(2024, 6, 3, 18, 5)) == []

    check = readiness(now=MONDAY_1811)["bulletin"]
    assert not check["ok"]
    assert "bulletin late" in check["detail"] and "2 seat(s)" in check["detail"]

    problems = watchdog_run(now=MONDAY_1811)
    assert [problem.check for problem in problems] == ["bulletin"]
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["chief@indigo.kz", "ops@indigo.kz"]
    assert "bulletin late" in mail.outbox[0].subject

    watchdog_run(now=astana(2024, 6, 3, 18, 16))  # the next run of the same day: no second e-mail
    assert len(mail.outbox) == 1


def test_bulletin_published_late_clears_the_watchdog(staff):
    seats_release(group=GroupFactory(), count=1, now=MONDAY_RELEASE)
    watchdog_run(now=MONDAY_1811)
    assert bulletin_publish(now=astana(2024, 6, 3, 18, 12)) is not None  # the catch-up run

    assert readiness(now=astana(2024, 6, 3, 18, 15))["bulletin"] == {"ok": True, "detail": "on time"}
    assert watchdog_run(now=astana(2024, 6, 3, 18, 15)) == []
    assert len(mail.outbox) == 1


def test_seats_released_after_18_do_not_make_the_bulletin_late(staff):
    seats_release(group=GroupFactory(), count=1, now=astana(2024, 6, 3, 18, 3))
    assert watchdog_run(now=MONDAY_1811) == []
    assert mail.outbox == []


def test_the_next_day_a_late_bulletin_is_mailed_again(staff):
    seats_release(group=GroupFactory(), count=1, now=MONDAY_RELEASE)
    watchdog_run(now=MONDAY_1811)
    watchdog_run(now=astana(2024, 6, 4, 18, 11))
    assert len(mail.outbox) == 2


# Watchdog: the expiry ----------------------------------------------------------------------------


def test_expiry_behind_fails_readiness_and_mails_staff_once(staff):
    direction = direction_issue(application=ApplicationFactory())
    mail.outbox.clear()
    deadline = direction.valid_until

    assert readiness(now=deadline + dt.timedelta(minutes=9))["expiry"]["ok"]
    check = readiness(now=deadline + dt.timedelta(minutes=11))["expiry"]
    assert not check["ok"] and "expiry behind" in check["detail"]

    watchdog_run(now=deadline + dt.timedelta(minutes=11))
    watchdog_run(now=deadline + dt.timedelta(minutes=16))
    assert [message.subject for message in mail.outbox] == ["[INDIGO] expiry behind"]

    directions_expire(now=deadline + dt.timedelta(minutes=17))
    assert Direction.objects.get(pk=direction.pk).status == Direction.Status.EXPIRED
    assert readiness(now=deadline + dt.timedelta(minutes=18))["expiry"]["ok"]


def test_expiry_behind_shows_at_the_readiness_url(client, beat_alive):
    direction_issue(application=ApplicationFactory())  # valid until a day of 2024, long past
    status, body = _ready(client)
    assert status == 503
    assert _failing(body) == {"expiry"}


def test_watchdog_task_runs_the_service(staff):
    from operations.tasks import watchdog

    direction_issue(application=ApplicationFactory())
    mail.outbox.clear()
    assert watchdog.delay().get() == 1
    assert len(mail.outbox) == 1
