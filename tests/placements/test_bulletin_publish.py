"""SPEC §5, §6: the 18:00 bulletin — windows, idempotence, catch-up, and the grants it gives."""

import datetime as dt

import pytest

from core.calendar import add_working_days
from core.errors import Refusal
from core.models import CalendarOverride
from placements.application_actions import application_withdraw
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.models import Bulletin, Grant, Publication, Seat
from tests.factories import (
    BULLETIN_AT,
    FILED_AT,
    NEXT_BULLETIN_AT,
    OPEN_AT,
    PRIORITY_UNTIL,
    ApplicationFactory,
    GroupFactory,
    KindergartenFactory,
    LocalityFactory,
    astana,
    direction_issue,
    reloaded,
    seats_publish,
    seats_release,
)

pytestmark = pytest.mark.django_db


def _window(seat: Seat) -> tuple:
    seat = reloaded(seat)
    return seat.published_at, seat.open_at, seat.priority_until


def _grants(application) -> list[tuple]:
    return list(Grant.objects.filter(application=application).order_by("id").values_list("kind", "from_at", "until_at", "ended_at"))


def _queue_of(n: int, locality, start: dt.datetime = FILED_AT) -> list:
    return [ApplicationFactory(locality=locality, filed_at=start + dt.timedelta(minutes=i)) for i in range(n)]


# --- windows -----------------------------------------------------------------------------------


def test_the_bulletin_makes_released_seats_priority_with_their_window():
    seats = seats_release(group=GroupFactory(), count=2)
    bulletin = bulletin_publish(now=BULLETIN_AT)
    assert bulletin.published_at == BULLETIN_AT
    for seat in seats:
        assert reloaded(seat).state == "priority"
        assert _window(seat) == (BULLETIN_AT, OPEN_AT, PRIORITY_UNTIL)
    assert add_working_days(OPEN_AT, 3) == PRIORITY_UNTIL


@pytest.mark.parametrize(
    ("published_at", "open_at"),
    [
        pytest.param(astana(2024, 6, 4, 6, 59), astana(2024, 6, 4, 7), id="06:59 opens the same day"),
        pytest.param(astana(2024, 6, 4, 7, 0), astana(2024, 6, 5, 7), id="07:00 opens the next day"),
        pytest.param(astana(2024, 6, 4, 23, 59), astana(2024, 6, 5, 7), id="23:59 opens the next day"),
    ],
)
def test_open_at_is_the_first_0700_strictly_after_the_publication(published_at, open_at):
    [seat] = seats_release(group=GroupFactory(), now=astana(2024, 6, 4, 0, 0))
    bulletin_publish(now=published_at)
    assert _window(seat)[1] == open_at


def test_priority_until_counts_working_days_from_a_weekend_open_at():
    # Friday 07.06 18:00 → opens Saturday 08.06 07:00 → Monday is the first working day → Thursday 13.06.
    [seat] = seats_release(group=GroupFactory(), now=astana(2024, 6, 7, 10))
    bulletin_publish(now=astana(2024, 6, 7, 18))
    assert _window(seat) == (astana(2024, 6, 7, 18), astana(2024, 6, 8, 7), astana(2024, 6, 13, 7))


def test_priority_until_skips_public_holidays_and_counts_transferred_working_saturdays():
    # Friday 03.05.2024 18:00 → Saturday 04.05 07:00 is a working day (decree transfer); 07–09.05 are days off.
    group = GroupFactory(age_from=2, age_to=3)
    [seat] = seats_release(group=group, birth_year=2021, now=astana(2024, 5, 3, 10))  # E = 2023 in May
    bulletin_publish(now=astana(2024, 5, 3, 18))
    assert _window(seat) == (astana(2024, 5, 3, 18), astana(2024, 5, 4, 7), astana(2024, 5, 13, 7))


def test_priority_until_follows_the_days_off_staff_added():
    CalendarOverride.objects.create(date=dt.date(2024, 6, 4), kind="day_off", decree="test")
    [seat] = seats_release(group=GroupFactory())
    bulletin_publish(now=BULLETIN_AT)
    assert _window(seat)[2] == astana(2024, 6, 7, 7)


# --- idempotence and catch-up ------------------------------------------------------------------


def test_a_day_with_no_released_seats_publishes_nothing():
    assert bulletin_publish(now=BULLETIN_AT) is None
    assert not Bulletin.objects.exists()


def test_publishing_twice_publishes_nothing_the_second_time():
    group = GroupFactory()
    ApplicationFactory(locality=group.kindergarten.locality)
    [seat] = seats_release(group=group)
    assert bulletin_publish(now=BULLETIN_AT) is not None
    assert bulletin_publish(now=BULLETIN_AT) is None
    assert bulletin_publish(now=NEXT_BULLETIN_AT) is None
    assert Bulletin.objects.count() == 1
    assert Publication.objects.filter(seat=seat).count() == 1
    assert Grant.objects.count() == 1
    assert _window(seat) == (BULLETIN_AT, OPEN_AT, PRIORITY_UNTIL)


def test_a_late_run_publishes_everything_released_before_it_with_windows_from_its_own_moment():
    group = GroupFactory()
    monday = seats_release(group=group, now=astana(2024, 6, 3, 10))
    tuesday = seats_release(group=group, now=astana(2024, 6, 4, 11))
    # The worker was down on Monday and Tuesday evening; it catches up on Wednesday 09:30.
    late = astana(2024, 6, 5, 9, 30)
    bulletin_publish(now=late)
    for seat in monday + tuesday:
        assert _window(seat) == (late, astana(2024, 6, 6, 7), astana(2024, 6, 11, 7))
    assert Bulletin.objects.get().publications.count() == 2


def test_a_seat_back_from_an_ended_direction_is_published_again_with_a_new_window():
    from placements.directions import direction_cancel

    application = ApplicationFactory()
    direction = direction_issue(application=application)
    direction_cancel(application=application, now=astana(2024, 6, 7, 9))
    bulletin_publish(now=astana(2024, 6, 7, 18))
    assert _window(direction.seat) == (astana(2024, 6, 7, 18), astana(2024, 6, 8, 7), astana(2024, 6, 13, 7))
    publications = list(Publication.objects.filter(seat=direction.seat).order_by("id").values_list("bulletin__published_at", "open_at"))
    assert publications == [(BULLETIN_AT, OPEN_AT), (astana(2024, 6, 7, 18), astana(2024, 6, 8, 7))]


# --- grants ------------------------------------------------------------------------------------


def test_k_seats_grant_the_first_k_of_the_queue_from_open_at_to_priority_until():
    group = GroupFactory()
    locality = group.kindergarten.locality
    g1 = ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2, 10))
    g2 = ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 2, 11))
    p1 = ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 3), benefit="priority")
    g3 = ApplicationFactory(locality=locality, filed_at=astana(2024, 5, 4))
    # Order: g1 g2 g3 p1 — the priority application stands after three general ones.
    seats_publish(group=group, count=3)
    assert _grants(g1) == [("general", OPEN_AT, PRIORITY_UNTIL, None)]
    assert _grants(g2) == [("general", OPEN_AT, PRIORITY_UNTIL, None)]
    assert _grants(g3) == [("general", OPEN_AT, PRIORITY_UNTIL, None)]
    assert _grants(p1) == []


def test_fewer_families_than_seats_get_fewer_grants():
    group = GroupFactory()
    families = _queue_of(2, group.kindergarten.locality)
    seats_publish(group=group, count=5)
    assert Grant.objects.count() == 2
    assert {g.application_id for g in Grant.objects.all()} == {a.pk for a in families}


def test_a_bulletin_grants_nobody_in_an_empty_queue():
    seats_publish(group=GroupFactory(), count=2)
    assert not Grant.objects.exists()


def test_grants_are_given_per_queue_of_the_published_seats():
    kindergarten = KindergartenFactory()
    general = GroupFactory(kindergarten=kindergarten)
    special = GroupFactory(kindergarten=kindergarten, kind="special")
    other_year = GroupFactory(kindergarten=kindergarten, age_from=3, age_to=4)
    sen = ApplicationFactory(locality=kindergarten.locality, sen_pmpk=True, queues=("special", "sanatorium"))
    plain = ApplicationFactory(locality=kindergarten.locality)
    elsewhere = ApplicationFactory(locality=LocalityFactory())
    older = ApplicationFactory(locality=kindergarten.locality, child_birth_date=dt.date(2021, 3, 4))
    seats_release(group=special, count=1)
    seats_release(group=general, count=1)
    seats_release(group=other_year, birth_year=2021, count=1)
    bulletin_publish(now=BULLETIN_AT)
    # general 2022: sen (filed first); special 2022: sen; general 2021: older.
    assert [g[0] for g in _grants(sen)] == ["general", "special"]
    assert _grants(plain) == []
    assert _grants(elsewhere) == []
    assert [g[0] for g in _grants(older)] == ["general"]


def test_the_next_bulletin_skips_holders_of_an_open_grant_even_before_its_from():
    group = GroupFactory()
    first, second, third = _queue_of(3, group.kindergarten.locality)
    seats_publish(group=group, count=1)  # Sunday: first, from Monday 07:00
    seats_publish(group=group, count=1, released_at=astana(2024, 6, 2, 18, 30), published_at=astana(2024, 6, 2, 23))
    # The 23:00 catch-up run: first's grant has not begun yet and still counts as held.
    assert len(_grants(first)) == 1
    assert _grants(second) == [("general", OPEN_AT, PRIORITY_UNTIL, None)]
    assert _grants(third) == []


def test_a_grant_that_has_passed_no_longer_counts_as_held():
    group = GroupFactory()
    first, second = _queue_of(2, group.kindergarten.locality)
    seats_publish(group=group, count=1)
    published = astana(2024, 6, 6, 18)  # after the first window (until 06.06 07:00)
    seats_publish(group=group, count=1, released_at=astana(2024, 6, 6, 10), published_at=published)
    assert [g[1] for g in _grants(first)] == [OPEN_AT, astana(2024, 6, 7, 7)]
    assert _grants(second) == []


def test_a_grant_ends_when_its_application_takes_a_seat():
    group = GroupFactory()
    application = ApplicationFactory(locality=group.kindergarten.locality)
    seats_publish(group=group, count=1)
    seat_claim(application=application, group=group, now=astana(2024, 6, 3, 8))
    assert _grants(application) == [("general", OPEN_AT, PRIORITY_UNTIL, astana(2024, 6, 3, 8))]


def test_a_grant_ends_when_its_application_is_withdrawn_and_the_next_bulletin_skips_it():
    group = GroupFactory()
    first, second = _queue_of(2, group.kindergarten.locality)
    seats_publish(group=group, count=1)
    application_withdraw(application=first, now=astana(2024, 6, 3, 9))
    assert _grants(first)[0][3] == astana(2024, 6, 3, 9)
    seats_publish(group=group, count=1, released_at=astana(2024, 6, 3, 10), published_at=NEXT_BULLETIN_AT)
    assert _grants(second) == [("general", astana(2024, 6, 4, 7), astana(2024, 6, 7, 7), None)]


def test_a_returning_application_waits_for_a_new_grant():
    from placements.directions import direction_cancel

    group = GroupFactory()
    locality = group.kindergarten.locality
    application = ApplicationFactory(locality=locality)
    other = GroupFactory(kindergarten__locality=locality)
    seats_publish(group=group, count=2)  # application holds the grant, two priority seats
    seat_claim(application=application, group=group, now=OPEN_AT)
    direction_cancel(application=application, now=astana(2024, 6, 3, 9))
    # Back in the queue within the same window: the ended grant does not let it claim the other seat.
    with pytest.raises(Refusal) as refused:
        seat_claim(application=application, group=group, now=astana(2024, 6, 3, 10))
    assert refused.value.code == "no_access"
    # The next bulletin (the cancelled seat and a new one) gives it a new grant.
    seats_publish(group=other, count=1, released_at=astana(2024, 6, 3, 12), published_at=NEXT_BULLETIN_AT)
    assert [g[1] for g in _grants(application)] == [OPEN_AT, astana(2024, 6, 4, 7)]
    direction = seat_claim(application=application, group=group, now=astana(2024, 6, 4, 7))
    assert direction.seat.group_id == group.pk


def test_one_application_granted_in_several_queues_has_them_listed_general_special_sanatorium():
    kindergarten = KindergartenFactory()
    application = ApplicationFactory(locality=kindergarten.locality, sen_pmpk=True, queues=("special", "sanatorium"))
    for kind in ("sanatorium", "special", "general"):
        seats_release(group=GroupFactory(kindergarten=kindergarten, kind=kind))
    bulletin_publish(now=BULLETIN_AT)
    assert [g[0] for g in _grants(application)] == ["general", "special", "sanatorium"]
