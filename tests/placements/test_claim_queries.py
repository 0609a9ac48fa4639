"""Issue 9: a claim is a handful of statements on PostgreSQL, none of them on a row every claim shares.

Counted as production runs it (no test transaction around it: `transaction=True`), with the
calendar already read once by the process (core.calendar.calendar_cached)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.calendar import calendar_cache_clear, calendar_cached
from placements.claims import seat_claim
from placements.models import Direction, Group
from tests.factories import OPEN_AT, PRIORITY_UNTIL, ApplicationFactory, GroupFactory, astana, reloaded, seats_publish

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement seat take and the number sequences are PostgreSQL's"),
]

# Lock the application, read the group (unless passed loaded), take the seat, its number and
# insert the direction and end the grants (one statement), update the application, queue the
# message, append the audit record (audit.services: no head row locked).
MAX_QUERIES = 8


@pytest.fixture
def warm_calendar():
    calendar_cache_clear()
    calendar_cached()


def _claim_counted(application, group, now) -> tuple[Direction, list[str]]:
    """The claim's statements; BEGIN and COMMIT (which Django logs too) are not counted."""
    with CaptureQueriesContext(connection) as captured:
        direction = seat_claim(application=application, group=group, now=now)
    return direction, [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]


def test_a_claim_of_an_open_priority_seat_with_a_grant_takes_at_most_8_queries(warm_calendar):
    group = GroupFactory()
    holder = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 10))
    [seat] = seats_publish(group=group)  # the first in the queue gets the grant
    fresh_group = Group.objects.get(pk=group.pk)  # the kindergarten not loaded: the claim reads it
    direction, queries = _claim_counted(holder, fresh_group, OPEN_AT)
    assert direction.seat_id == seat.pk and reloaded(seat).state == "claimed"
    assert len(queries) <= MAX_QUERIES, "\n".join(queries)


def test_a_claim_of_a_general_seat_takes_at_most_8_queries(warm_calendar):
    group = GroupFactory()
    ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 10))  # holds the grant
    latecomer = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 11))
    [seat] = seats_publish(group=group)
    loaded = Group.objects.select_related("kindergarten").get(pk=group.pk)  # as the claim view loads it
    direction, queries = _claim_counted(latecomer, loaded, PRIORITY_UNTIL)
    assert direction.seat_id == seat.pk
    assert len(queries) <= MAX_QUERIES, "\n".join(queries)


def test_no_claim_statement_touches_the_counter_row():
    group = GroupFactory()
    application = ApplicationFactory(locality=group.kindergarten.locality)
    seats_publish(group=group)
    _direction, queries = _claim_counted(application, group, PRIORITY_UNTIL)
    assert not [q for q in queries if "core_counter" in q]
