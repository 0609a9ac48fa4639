"""Application and direction numbers (core.sequences): consecutive, and moved past numbers that
were inserted explicitly (a bulk load, a restore) by sequences_sync."""

import pytest

from core.sequences import sequence_next, sequences_sync
from placements.models import Direction
from queues.models import Application
from tests.factories import ApplicationFactory, direction_issue

pytestmark = pytest.mark.django_db


def test_numbers_are_consecutive():
    first = sequence_next("application")
    assert [sequence_next("application") for _ in range(3)] == [first + 1, first + 2, first + 3]


def test_sync_moves_the_numbers_past_those_inserted_explicitly_and_never_back():
    application = ApplicationFactory()
    direction = direction_issue(application=ApplicationFactory())
    Application.objects.filter(pk=application.pk).update(number=application.number + 1000)
    Direction.objects.filter(pk=direction.pk).update(number=direction.number + 500)
    sequences_sync()
    assert sequence_next("application") == application.number + 1001
    assert sequence_next("direction") == direction.number + 501
    Application.objects.filter(pk=application.pk).update(number=application.number)
    sequences_sync()  # the largest number is smaller now: numbers already given are not given again
    assert sequence_next("application") == application.number + 1002


def test_sync_on_an_empty_portal_starts_at_the_next_number():
    sequences_sync()
    number = sequence_next("direction")
    sequences_sync()
    assert sequence_next("direction") == number + 1
