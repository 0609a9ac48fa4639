"""The scheduled jobs (SPEC §3, §5, §7): registered, on the beat schedule, and doing their work.

Celery runs eagerly in the test settings, so `.delay()` runs the task in this process against the
test database; `run_job --at` is the catch-up a worker that was down needs.
"""

import datetime as dt
import io

import pytest
from celery.schedules import crontab
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.calendar import ASTANA, add_working_days, enrollment_year, next_seven_am, reference_date
from core.iin import iin_build
from indigo.celery import app as celery_app
from placements import tasks as placement_tasks
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.models import Bulletin, Direction, Grant, Group, Kindergarten, Publication, Seat
from placements.seats import seat_release
from queues import tasks as queue_tasks
from queues.models import Application, Locality
from queues.services import application_file

pytestmark = pytest.mark.django_db

JOBS = [
    "placements.tasks.bulletin_publish",
    "placements.tasks.seats_promote",
    "placements.tasks.directions_expire",
    "queues.tasks.applications_archive_over_age",
    "queues.tasks.pending_documents_sweep",
    "core.tasks.form_tokens_sweep",
]
EVERY_MINUTE = (set(range(60)), set(range(24)))


def at(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ASTANA)


@pytest.fixture
def group() -> Group:
    """A 2–3 general group of a Temirtau kindergarten."""
    temirtau = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    arman = Kindergarten.objects.create(code="arman", name="Ясли-сад №9 «Арман»", locality=temirtau)
    return Group.objects.create(code="arman-2", kindergarten=arman, age_from=2, age_to=3, language="kk", kind="general")


def _file(birth: dt.date, now: dt.datetime, serial: int, **extra) -> Application:
    return application_file(child_iin=iin_build(birth, serial=serial), locality_code="temirtau", now=now, phone="77010000000", **extra)


def _autodiscover() -> None:
    """What a worker does at start: import `tasks` of every installed app (without Django's checks)."""
    celery_app.loader.autodiscover_tasks([config.name for config in apps.get_app_configs()])


def _beat_entries(task: str) -> list[dict]:
    return [entry for entry in celery_app.conf.beat_schedule.values() if entry["task"] == task]


# --- registration and the beat schedule -----------------------------------------------------------


@pytest.mark.parametrize("task", JOBS)
def test_each_job_is_a_registered_celery_task(task):
    _autodiscover()
    assert task in celery_app.tasks


@pytest.mark.parametrize(
    ("task", "minutes", "hours"),
    [
        ("placements.tasks.bulletin_publish", {0}, {18}),  # SPEC §5: every day at 18:00
        ("placements.tasks.seats_promote", *EVERY_MINUTE),
        ("placements.tasks.directions_expire", *EVERY_MINUTE),
        ("queues.tasks.applications_archive_over_age", {0}, {0}),  # SPEC §3: 00:00 (on 1 June, harmless daily)
        ("placements.tasks.directions_remind_expiring", {15}, set(range(24))),  # SPEC §9: hourly
        ("queues.tasks.pending_documents_sweep", {30}, {3}),  # abandoned wizards' documents: daily 03:30
        ("core.tasks.form_tokens_sweep", {40}, {3}),  # used one-time form tokens: daily 03:40
    ],
)
def test_each_job_is_on_the_beat_schedule_once_at_its_time(task, minutes, hours):
    (entry,) = _beat_entries(task)
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.minute == minutes
    assert schedule.hour == hours
    assert schedule.day_of_week == set(range(7))
    assert schedule.day_of_month == set(range(1, 32))


def test_the_beat_runs_on_astana_time():
    # crontab(hour=18) means 18:00 on the clock of Temirtau, not UTC 18:00 (23:00 there).
    assert str(celery_app.conf.timezone) == "Asia/Almaty"


def test_every_beat_entry_names_a_registered_task():
    _autodiscover()
    for name, entry in celery_app.conf.beat_schedule.items():
        assert entry["task"] in celery_app.tasks, name


# --- each task, run eagerly, against real rows ----------------------------------------------------


def test_bulletin_task_publishes_released_seats_and_grants_the_head_of_the_queue(group):
    now = timezone.now()
    birth_year = enrollment_year(now) - 2
    first = _file(dt.date(birth_year, 3, 4), now - dt.timedelta(days=20), serial=1)
    second = _file(dt.date(birth_year, 5, 6), now - dt.timedelta(days=10), serial=2)
    seat = seat_release(group=group, birth_year=birth_year, count=1, now=now - dt.timedelta(hours=1))[0]

    assert placement_tasks.bulletin_publish.delay().get() == 1
    after = timezone.now()

    seat.refresh_from_db()
    assert seat.state == Seat.State.PRIORITY
    assert now <= seat.published_at <= after
    assert seat.open_at == next_seven_am(seat.published_at)
    assert seat.priority_until == add_working_days(seat.open_at, 3)
    assert Publication.objects.filter(seat=seat, bulletin__published_at=seat.published_at).count() == 1
    assert list(Grant.objects.values_list("application_id", flat=True)) == [first.pk]  # one seat, the first in the queue
    assert second.pk not in set(Grant.objects.values_list("application_id", flat=True))
    # Safe to run twice: nothing is released any more.
    assert placement_tasks.bulletin_publish.apply().get() == 0
    assert Bulletin.objects.count() == 1


def test_promote_task_turns_priority_seats_past_their_window_general(group):
    now = timezone.now()
    released = now - dt.timedelta(days=30)
    old = seat_release(group=group, birth_year=enrollment_year(released) - 2, count=1, now=released)[0]
    bulletin_publish(now=released + dt.timedelta(minutes=5))
    fresh = seat_release(group=group, birth_year=enrollment_year(now) - 2, count=1, now=now - dt.timedelta(minutes=2))[0]
    bulletin_publish(now=now - dt.timedelta(minutes=1))

    assert placement_tasks.seats_promote.delay().get() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == Seat.State.GENERAL
    assert fresh.state == Seat.State.PRIORITY  # its window is still ahead
    assert placement_tasks.seats_promote.apply().get() == 0


def test_expire_task_expires_a_direction_past_valid_until_and_requeues_with_a_strike(group):
    now = timezone.now()
    released = now - dt.timedelta(days=30)
    birth_year = enrollment_year(released) - 2
    application = _file(dt.date(birth_year, 3, 4), released - dt.timedelta(days=10), serial=3)
    seat = seat_release(group=group, birth_year=birth_year, count=1, now=released)[0]
    bulletin_publish(now=released + dt.timedelta(minutes=5))
    direction = seat_claim(application=application, group=group, now=now - dt.timedelta(days=20))
    assert direction.valid_until < now

    assert placement_tasks.directions_expire.delay().get() == 1

    direction.refresh_from_db()
    application.refresh_from_db()
    seat.refresh_from_db()
    assert direction.status == Direction.Status.EXPIRED
    assert application.status == Application.Status.QUEUED
    assert application.strikes == 1
    assert seat.state == Seat.State.RELEASED  # back for the next bulletin
    assert placement_tasks.directions_expire.apply().get() == 0


def test_over_age_task_archives_children_six_on_the_reference_date_unless_sen_with_pmpk(group):
    now = timezone.now()
    ref = reference_date(now)
    six = ref.replace(year=ref.year - 6) - dt.timedelta(days=10)  # 6 on R(now)
    five = ref.replace(year=ref.year - 6) + dt.timedelta(days=1)  # one day short of 6 on R(now)
    filed = dt.datetime(ref.year - 1, 10, 1, 10, tzinfo=ASTANA)  # a year earlier: 5 then, so filing was allowed
    over = _file(six, filed, serial=4)
    sen = _file(six, filed, serial=5, sen_pmpk=True, queues=["special"])
    young = _file(five, filed, serial=6)

    assert queue_tasks.applications_archive_over_age.delay().get() == 1

    for application in (over, sen, young):
        application.refresh_from_db()
    assert (over.status, over.archive_reason) == (Application.Status.ARCHIVED, Application.ArchiveReason.OVER_AGE)
    assert sen.status == young.status == Application.Status.QUEUED
    assert queue_tasks.applications_archive_over_age.apply().get() == 0


# --- run_job --at: the catch-up after the worker was down -----------------------------------------


def _run_job(*args: str) -> str:
    out = io.StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue().strip()


def test_run_job_bulletin_at_a_late_moment_publishes_with_windows_from_that_moment(group):
    # The worker was down at 18:00 on Friday 20.11.2026; staff catch up at 19:30.
    early = seat_release(group=group, birth_year=2024, count=2, now=at(2026, 11, 20, 10))
    late = seat_release(group=group, birth_year=2024, count=1, now=at(2026, 11, 20, 20))

    assert _run_job("bulletin", "--at", "2026-11-20T19:30:00+05:00") == "bulletin at 2026-11-20T19:30:00+05:00: 2"

    bulletin = Bulletin.objects.get()
    assert bulletin.published_at == at(2026, 11, 20, 19, 30)
    for seat in early:
        seat.refresh_from_db()
        assert seat.state == Seat.State.PRIORITY
        assert seat.published_at == at(2026, 11, 20, 19, 30)
        assert seat.open_at == at(2026, 11, 21, 7)  # Saturday 07:00, the first 07:00 after 19:30
        assert seat.priority_until == at(2026, 11, 26, 7)  # Sat → Mon 23, then Tue 24, Wed 25, Thu 26
    late[0].refresh_from_db()
    assert late[0].state == Seat.State.RELEASED  # released after the moment: not in this bulletin

    # Running it again for the same evening publishes nothing twice; a time without offset is Astana time.
    assert _run_job("bulletin", "--at", "2026-11-20T19:45") == "bulletin at 2026-11-20T19:45:00+05:00: 0"
    assert _run_job("bulletin", "--at", "2026-11-21T18:00") == "bulletin at 2026-11-21T18:00:00+05:00: 1"
    late[0].refresh_from_db()
    assert late[0].open_at == at(2026, 11, 22, 7)
    assert Publication.objects.count() == 3


def test_run_job_expire_and_promote_at_a_past_moment(group):
    application = _file(dt.date(2024, 3, 4), at(2026, 10, 1, 10), serial=7)
    seat_release(group=group, birth_year=2024, count=2, now=at(2026, 11, 2, 10))
    _run_job("bulletin", "--at", "2026-11-02T18:00")  # open Tue 03.11 07:00, priority until Fri 06.11 07:00
    direction = seat_claim(application=application, group=group, now=at(2026, 11, 3, 9))
    assert direction.valid_until == at(2026, 11, 10, 9)

    assert _run_job("promote", "--at", "2026-11-06T06:59") == "promote at 2026-11-06T06:59:00+05:00: 0"
    assert _run_job("promote", "--at", "2026-11-06T07:00") == "promote at 2026-11-06T07:00:00+05:00: 1"
    assert _run_job("expire", "--at", "2026-11-10T08:59") == "expire at 2026-11-10T08:59:00+05:00: 0"
    assert _run_job("expire", "--at", "2026-11-10T09:00+05:00") == "expire at 2026-11-10T09:00:00+05:00: 1"
    direction.refresh_from_db()
    assert direction.status == Direction.Status.EXPIRED
    assert direction.ended_at == at(2026, 11, 10, 9)


def test_run_job_over_age_at_midnight_on_1_june(group):
    # Born 10.05.2021: 5 on 01.09.2026, 6 on 01.09.2027 — over age once E turns 2027 on 1 June.
    application = _file(dt.date(2021, 5, 10), at(2026, 11, 20, 10), serial=8)
    assert _run_job("over_age", "--at", "2027-05-31T23:59") == "over_age at 2027-05-31T23:59:00+05:00: 0"
    assert _run_job("over_age", "--at", "2027-06-01T00:00") == "over_age at 2027-06-01T00:00:00+05:00: 1"
    application.refresh_from_db()
    assert application.archive_reason == Application.ArchiveReason.OVER_AGE


def test_run_job_refuses_a_moment_that_is_not_iso_8601():
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("run_job", "bulletin", "--at", "tomorrow at six")
