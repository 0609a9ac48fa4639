"""SPEC §7 expiry in batches: every effect of expiring one by one, over several batches at once."""

import datetime as dt

import pytest

import placements.expiry
from notifications.models import Message
from placements.expiry import directions_expire
from placements.models import Direction, Seat
from queues.selectors import application_positions
from tests.factories import FILED_AT, ApplicationFactory, GroupFactory, LocalityFactory, astana, direction_issue, reloaded

pytestmark = pytest.mark.django_db

VALID_UNTIL = astana(2024, 6, 13, 7)  # direction_issue: issued Thursday 06.06 07:00 + 5 working days


def _messages(application) -> list[tuple]:
    return list(Message.objects.filter(application=application).exclude(event="registered").order_by("id").values_list("event", "context"))


def test_a_run_over_several_batches_expires_every_due_direction_with_each_effect(monkeypatch):
    monkeypatch.setattr(placements.expiry, "EXPIRE_BATCH", 2)
    locality = LocalityFactory()
    returning = [ApplicationFactory(locality=locality, filed_at=FILED_AT + dt.timedelta(minutes=i)) for i in range(3)]
    # A first strike already: the second expiry archives it (SPEC §7).
    struck = ApplicationFactory(locality=locality, filed_at=FILED_AT + dt.timedelta(minutes=5))
    may_group = GroupFactory(kindergarten__locality=locality, age_from=1, age_to=2)  # E = 2023 in May 2024
    first = direction_issue(
        application=struck, group=may_group, released_at=astana(2024, 5, 15, 12), published_at=astana(2024, 5, 15, 18), now=astana(2024, 5, 21, 7)
    )
    directions_expire(now=first.valid_until)
    assert reloaded(struck).strikes == 1
    # Born in March 2018: 5 on R = 01.09.2023 at filing, 6 on R = 01.09.2024 when it returns (SPEC §3).
    older = ApplicationFactory(locality=locality, child_birth_date=dt.date(2018, 3, 4), filed_at=FILED_AT + dt.timedelta(minutes=6))
    older_group = GroupFactory(kindergarten__locality=locality, age_from=6, age_to=7)
    directions = [direction_issue(application=a) for a in returning]
    directions.append(direction_issue(application=struck, released_at=astana(2024, 6, 2, 13)))
    directions.append(direction_issue(application=older, group=older_group, released_at=astana(2024, 6, 2, 13)))
    not_yet = ApplicationFactory(locality=locality, filed_at=FILED_AT + dt.timedelta(minutes=7))
    later = direction_issue(application=not_yet, now=astana(2024, 6, 7, 7))

    assert directions_expire(now=VALID_UNTIL) == 5
    assert directions_expire(now=VALID_UNTIL) == 0

    for direction in directions:
        direction = reloaded(direction)
        assert (direction.status, direction.ended_at) == ("expired", VALID_UNTIL)
        assert (direction.seat.state, direction.seat.published_at, direction.seat.released_at) == ("released", None, VALID_UNTIL)
    assert reloaded(later).status == "issued"
    assert Seat.objects.filter(state="claimed").count() == 1
    for position, application in enumerate(returning, start=1):
        application = reloaded(application)
        assert (application.status, application.strikes, application.filed_at, application.status_changed_at) == (
            "queued",
            1,
            application.filed_at,
            VALID_UNTIL,
        )
        assert application_positions(application)["general"].position == position
    struck, older = reloaded(struck, older)
    assert (struck.status, struck.archive_reason, struck.strikes) == ("archived", "expired_twice", 2)
    assert (older.status, older.archive_reason, older.strikes) == ("archived", "over_age", 1)
    number = {d.application_id: d.number for d in Direction.objects.all()}
    # Issue 11: the message says what the strike means (back in the queue, strike 1 of 2).
    assert _messages(returning[0])[-1] == (
        "direction_expired",
        {"direction": number[returning[0].pk], "number": returning[0].number, "consequence": "strike_1"},
    )
    assert [event for event, _ in _messages(struck)][-2:] == ["direction_expired", "application_archived"]
    assert _messages(struck)[-1][1] == {"number": struck.number, "reason": "expired_twice"}
    assert _messages(older)[-1][1] == {"number": older.number, "reason": "over_age"}
