"""SPEC §9 "direction expires tomorrow": once per direction and deadline, in the last 24 hours."""

import datetime as dt

import pytest

from notifications.models import Message
from placements.directions import direction_extend, directions_remind_expiring
from placements.tasks import directions_remind_expiring as remind_task
from tests.factories import PRIORITY_UNTIL, ApplicationFactory, direction_issue

pytestmark = pytest.mark.django_db


def _reminders(application):
    return Message.objects.filter(application=application, event="direction_expiring")


def test_a_family_is_reminded_once_the_day_before_the_deadline():
    application = ApplicationFactory()
    direction = direction_issue(application=application)  # issued Thu 06.06.2024 07:00, valid until Thu 13.06 07:00
    assert direction.valid_until == PRIORITY_UNTIL + dt.timedelta(days=7)
    directions_remind_expiring(now=direction.valid_until - dt.timedelta(hours=25))
    assert not _reminders(application).exists()
    directions_remind_expiring(now=direction.valid_until - dt.timedelta(hours=23))
    directions_remind_expiring(now=direction.valid_until - dt.timedelta(hours=22))  # the next hourly run
    (reminder,) = _reminders(application)
    assert reminder.context["direction"] == direction.number
    assert reminder.context["valid_until"] == "13.06.2024 07:00"


def test_an_extended_direction_is_reminded_again_for_its_new_deadline():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    directions_remind_expiring(now=direction.valid_until - dt.timedelta(hours=23))
    direction = direction_extend(application=application, now=PRIORITY_UNTIL + dt.timedelta(days=1))
    directions_remind_expiring(now=direction.valid_until - dt.timedelta(hours=2))
    assert _reminders(application).count() == 2


def test_the_beat_task_runs_the_reminder(settings):
    application = ApplicationFactory()
    direction_issue(application=application)
    assert remind_task.apply().get() == 0  # real clock: 2024's direction is long past its deadline
