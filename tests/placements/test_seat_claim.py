"""SPEC §7: claiming a seat — what is claimable, which seat is taken, the direction, the refusals."""

import datetime as dt

import pytest

from core.errors import Refusal
from placements.application_actions import application_withdraw, benefit_confirm, benefit_reject
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_enroll
from placements.models import Direction, Grant, Seat
from placements.seats import seat_withdraw
from queues.selectors import application_positions
from queues.services import applications_archive_over_age
from tests.factories import (
    BULLETIN_AT,
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


def _refusal(application, group, now) -> str:
    with pytest.raises(Refusal) as refused:
        seat_claim(application=application, group=group, now=now)
    return refused.value.code


@pytest.fixture
def group():
    return GroupFactory()


@pytest.fixture
def holder(group):
    """First in the queue: receives the grant of the default bulletin."""
    return ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 10))


@pytest.fixture
def latecomer(group, holder):
    """Second in the queue: no grant when one seat is published."""
    return ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 2, 11))


# --- the direction -----------------------------------------------------------------------------


def test_a_grant_holder_claims_an_open_priority_seat_and_gets_a_direction(group, holder, fresh_numbers):
    [seat] = seats_publish(group=group)
    direction = seat_claim(application=holder, group=group, now=OPEN_AT)
    holder, seat = reloaded(holder, seat)
    assert direction.number == 1
    assert direction.seat_id == seat.pk
    assert direction.issued_at == OPEN_AT
    assert direction.valid_until == astana(2024, 6, 10, 7)  # Monday + 5 working days
    assert direction.status == "issued"  # no benefit to check
    assert direction.extended is False
    assert seat.state == "claimed"
    assert holder.status == "directed"
    assert application_positions(holder) == {}


def test_the_spec_example_claim_one_minute_too_early_then_on_time(group):
    application = ApplicationFactory(locality=group.kindergarten.locality, child_iin="220304601233", benefit="priority")
    seats_publish(group=group, count=2)
    assert _refusal(application, group, astana(2024, 6, 3, 6, 59)) == "not_open_yet"
    direction = seat_claim(application=application, group=group, now=astana(2024, 6, 3, 7))
    assert (direction.status, direction.valid_until) == ("benefit_check", astana(2024, 6, 10, 7))


def test_a_direction_waits_for_the_benefit_check_while_the_benefit_is_only_claimed(group):
    application = ApplicationFactory(locality=group.kindergarten.locality, benefit="extraordinary")
    seats_publish(group=group)
    assert seat_claim(application=application, group=group, now=OPEN_AT).status == "benefit_check"


def test_a_direction_is_issued_at_once_when_the_benefit_was_rejected(group):
    application = ApplicationFactory(locality=group.kindergarten.locality, benefit="priority")
    benefit_reject(application=application, now=astana(2024, 5, 10))
    seats_publish(group=group)
    assert seat_claim(application=application, group=group, now=OPEN_AT).status == "issued"


def test_a_direction_is_issued_at_once_when_the_benefit_was_confirmed(group):
    application = ApplicationFactory(locality=group.kindergarten.locality, benefit="priority")
    benefit_confirm(application=application, now=astana(2024, 5, 10))
    seats_publish(group=group)
    assert seat_claim(application=application, group=group, now=OPEN_AT).status == "issued"


def test_a_claim_on_a_saturday_is_valid_until_the_monday_after_next(group, holder, latecomer):
    seats_publish(group=group)
    direction = seat_claim(application=latecomer, group=group, now=astana(2024, 6, 8, 10))
    assert direction.valid_until == astana(2024, 6, 17, 10)


def test_a_directed_application_leaves_every_queue_it_stood_in():
    kindergarten = KindergartenFactory()
    special = GroupFactory(kindergarten=kindergarten, kind="special")
    application = ApplicationFactory(locality=kindergarten.locality, sen_pmpk=True, queues=("special", "sanatorium"))
    assert set(application_positions(application)) == {"general", "special", "sanatorium"}
    seats_publish(group=special)
    seat_claim(application=application, group=special, now=OPEN_AT)
    assert application_positions(reloaded(application)) == {}


def test_directions_are_numbered_across_groups_and_applications(fresh_numbers):
    first, second = GroupFactory(), GroupFactory()
    numbers = [direction_issue(application=ApplicationFactory(locality=g.kindergarten.locality), group=g).number for g in (first, second)]
    assert numbers == [1, 2]


# --- what is claimable, and which seat is taken ------------------------------------------------


def test_a_general_seat_can_be_claimed_by_anyone_in_its_queue_at_any_time_of_day(group, holder, latecomer):
    seats_publish(group=group)
    direction = seat_claim(application=latecomer, group=group, now=astana(2024, 6, 6, 23, 45))
    assert direction.seat.group_id == group.pk


def test_a_grant_holder_may_claim_an_open_priority_seat_of_another_kindergarten_of_the_same_queue(group, holder):
    elsewhere = GroupFactory(kindergarten__locality=group.kindergarten.locality)
    seats_release(group=group)
    seats_release(group=elsewhere)
    bulletin_publish(now=BULLETIN_AT)
    assert seat_claim(application=holder, group=elsewhere, now=OPEN_AT).seat.group_id == elsewhere.pk


def test_a_grant_covers_priority_seats_of_its_queue_published_by_a_later_bulletin(group, holder, latecomer):
    seats_publish(group=group)  # holder's grant, until Thursday
    [later] = seats_publish(group=group, released_at=astana(2024, 6, 3, 10), published_at=NEXT_BULLETIN_AT)
    # latecomer takes the first seat with the grant of the Monday bulletin; holder still holds its own.
    assert Grant.objects.filter(application=latecomer).exists()
    seat_claim(application=latecomer, group=group, now=astana(2024, 6, 4, 7))
    assert seat_claim(application=holder, group=group, now=astana(2024, 6, 4, 7, 5)).seat_id == later.pk


def test_a_grant_lets_its_holder_claim_only_from_its_from(group, holder, latecomer):
    other = GroupFactory(kindergarten__locality=group.kindergarten.locality)
    [first] = seats_publish(group=group)  # Sunday: holder's grant from Monday 07:00
    seats_publish(group=other, released_at=astana(2024, 6, 3, 10), published_at=NEXT_BULLETIN_AT)  # latecomer's grant from Tuesday 07:00
    latecomer_grant = Grant.objects.get(application=latecomer)
    assert latecomer_grant.from_at == astana(2024, 6, 4, 7)
    # Monday evening: the first seat is open, but latecomer's grant has not begun.
    assert _refusal(latecomer, group, astana(2024, 6, 3, 20)) == "no_access"
    assert seat_claim(application=latecomer, group=group, now=astana(2024, 6, 4, 7)).seat_id == first.pk


def test_the_claim_takes_the_claimable_seat_published_earliest_and_on_a_tie_the_one_created_first(group, holder):
    first_family = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 1))
    [republished] = seats_release(group=group, now=astana(2024, 6, 1, 8))  # created first
    bulletin_publish(now=astana(2024, 6, 1, 9))
    seat_claim(application=first_family, group=group, now=astana(2024, 6, 2, 7))
    application_withdraw(application=first_family, now=astana(2024, 6, 2, 9))  # the seat goes back to released
    [fresh] = seats_publish(group=group)  # both published on Sunday 18:00
    assert reloaded(republished).published_at == reloaded(fresh).published_at == BULLETIN_AT
    assert seat_claim(application=holder, group=group, now=OPEN_AT).seat_id == republished.pk


def test_a_seat_published_earlier_is_taken_before_an_older_seat_published_later(group, holder, latecomer):
    first_family = ApplicationFactory(locality=group.kindergarten.locality, filed_at=astana(2024, 5, 1))
    [old] = seats_release(group=group, now=astana(2024, 6, 1, 8))
    bulletin_publish(now=astana(2024, 6, 1, 9))
    seat_claim(application=first_family, group=group, now=astana(2024, 6, 2, 7))
    [newer] = seats_release(group=group, now=astana(2024, 6, 2, 8))
    bulletin_publish(now=astana(2024, 6, 2, 10))
    application_withdraw(application=first_family, now=astana(2024, 6, 2, 11))
    bulletin_publish(now=BULLETIN_AT)  # old is published again, after newer
    assert reloaded(old).published_at == BULLETIN_AT
    assert seat_claim(application=latecomer, group=group, now=PRIORITY_UNTIL).seat_id == newer.pk
    assert seat_claim(application=holder, group=group, now=PRIORITY_UNTIL).seat_id == old.pk


def test_the_claim_takes_a_seat_of_the_childs_birth_year_only():
    group = GroupFactory(age_from=2, age_to=4)
    application = ApplicationFactory(locality=group.kindergarten.locality)
    [other_year] = seats_release(group=group, birth_year=2021)
    [mine] = seats_release(group=group, birth_year=2022)
    bulletin_publish(now=BULLETIN_AT)
    assert seat_claim(application=application, group=group, now=PRIORITY_UNTIL).seat_id == mine.pk
    assert reloaded(other_year).state != "claimed"


# --- refusals ----------------------------------------------------------------------------------


def test_an_application_holding_a_direction_cannot_claim_again(group, holder):
    seats_publish(group=group, count=2)
    seat_claim(application=holder, group=group, now=OPEN_AT)
    assert _refusal(holder, group, PRIORITY_UNTIL) == "not_queued"


@pytest.mark.parametrize("how", ["enrolled", "withdrawn", "archived"])
def test_an_application_that_is_not_queued_cannot_claim(how):
    group = GroupFactory(age_from=2, age_to=7)
    locality = group.kindergarten.locality
    if how == "enrolled":
        application = ApplicationFactory(locality=locality)
        direction_issue(application=application, group=GroupFactory(kindergarten__locality=locality))
        direction_enroll(application=application, now=astana(2024, 6, 6, 8))
    elif how == "withdrawn":
        application = ApplicationFactory(locality=locality)
        application_withdraw(application=application, now=astana(2024, 5, 3))
    else:
        application = ApplicationFactory(locality=locality, child_birth_date=dt.date(2018, 6, 15))
        applications_archive_over_age(now=astana(2024, 6, 1))
    seats_publish(group=group, birth_year=application.birth_year, released_at=astana(2024, 6, 6, 9), published_at=astana(2024, 6, 6, 18))
    assert _refusal(application, group, astana(2024, 6, 20)) == "not_queued"


def test_a_group_of_another_locality_is_not_eligible():
    application = ApplicationFactory()
    elsewhere = GroupFactory(kindergarten__locality=LocalityFactory())
    seats_publish(group=elsewhere)
    assert _refusal(application, elsewhere, PRIORITY_UNTIL) == "not_eligible"


@pytest.mark.parametrize(
    ("kind", "queues", "sen_pmpk"),
    [("special", ("general",), False), ("sanatorium", ("general",), False), ("sanatorium", ("special",), True), ("special", ("sanatorium",), True)],
)
def test_a_group_of_a_kind_the_application_does_not_stand_in_is_not_eligible(kind, queues, sen_pmpk):
    group = GroupFactory(kind=kind)
    application = ApplicationFactory(locality=group.kindergarten.locality, queues=queues, sen_pmpk=sen_pmpk)
    seats_publish(group=group)
    assert _refusal(application, group, PRIORITY_UNTIL) == "not_eligible"


def test_a_child_in_the_special_queue_may_claim_a_special_group_seat():
    group = GroupFactory(kind="special")
    application = ApplicationFactory(locality=group.kindergarten.locality, sen_pmpk=True, queues=("special",))
    seats_publish(group=group)
    assert seat_claim(application=application, group=group, now=OPEN_AT).seat.group.kind == "special"


@pytest.mark.parametrize("who", ["holder", "latecomer"])
def test_a_published_seat_is_not_open_before_its_open_at(group, holder, latecomer, who):
    seats_publish(group=group)
    application = holder if who == "holder" else latecomer
    assert _refusal(application, group, astana(2024, 6, 2, 19)) == "not_open_yet"
    assert _refusal(application, group, OPEN_AT - dt.timedelta(seconds=1)) == "not_open_yet"


def test_an_open_priority_seat_needs_an_open_grant(group, holder, latecomer):
    seats_publish(group=group)
    assert _refusal(latecomer, group, OPEN_AT) == "no_access"
    assert _refusal(latecomer, group, PRIORITY_UNTIL - dt.timedelta(seconds=1)) == "no_access"


def test_a_grant_in_another_queue_gives_no_access():
    kindergarten = KindergartenFactory()
    general = GroupFactory(kindergarten=kindergarten)
    special = GroupFactory(kindergarten=kindergarten, kind="special")
    first = ApplicationFactory(locality=kindergarten.locality, filed_at=astana(2024, 5, 1))
    application = ApplicationFactory(locality=kindergarten.locality, sen_pmpk=True, queues=("special",))
    seats_release(group=general)
    seats_release(group=special)
    bulletin_publish(now=BULLETIN_AT)
    assert [g.kind for g in Grant.objects.filter(application=application)] == ["special"]
    assert Grant.objects.filter(application=first, kind="general").exists()
    assert _refusal(application, general, OPEN_AT) == "no_access"


def test_no_seat_when_the_group_has_no_free_seat_of_the_birth_year(group, holder):
    assert _refusal(holder, group, OPEN_AT) == "no_seat"
    seats_publish(group=GroupFactory(kindergarten=group.kindergarten))  # another group of the kindergarten
    assert _refusal(holder, group, OPEN_AT) == "no_seat"


def test_no_seat_when_every_seat_is_claimed(group, holder, latecomer):
    seats_publish(group=group)
    seat_claim(application=holder, group=group, now=OPEN_AT)
    assert _refusal(latecomer, group, PRIORITY_UNTIL) == "no_seat"


def test_no_seat_when_the_only_seat_was_withdrawn(group, holder):
    [seat] = seats_publish(group=group)
    seat_withdraw(seat=seat, now=astana(2024, 6, 3, 6))
    assert _refusal(holder, group, OPEN_AT) == "no_seat"


def test_a_seat_of_another_birth_year_waiting_for_open_at_gives_no_seat_not_not_open_yet():
    group = GroupFactory(age_from=2, age_to=4)
    application = ApplicationFactory(locality=group.kindergarten.locality)
    seats_publish(group=group, birth_year=2021)
    assert _refusal(application, group, astana(2024, 6, 2, 19)) == "no_seat"


# --- the order of the refusals -----------------------------------------------------------------


def test_not_queued_is_checked_before_not_eligible(group, holder):
    seats_publish(group=group)
    seat_claim(application=holder, group=group, now=OPEN_AT)
    elsewhere = GroupFactory(kind="special")
    assert _refusal(holder, elsewhere, OPEN_AT) == "not_queued"


def test_not_eligible_is_checked_before_not_open_yet():
    application = ApplicationFactory()
    elsewhere = GroupFactory()
    seats_publish(group=elsewhere)
    assert _refusal(application, elsewhere, astana(2024, 6, 2, 19)) == "not_eligible"


def test_not_open_yet_is_checked_before_no_access(group, holder, latecomer):
    seats_publish(group=group)  # open from Monday 07:00, holder's grant
    seats_publish(group=group, released_at=astana(2024, 6, 3, 10), published_at=NEXT_BULLETIN_AT)  # latecomer's grant from Tuesday
    third = ApplicationFactory(locality=group.kindergarten.locality)
    # Monday 20:00: an open priority seat third may not take, and one waiting for Tuesday 07:00.
    assert _refusal(third, group, astana(2024, 6, 3, 20)) == "not_open_yet"


def test_a_refused_claim_changes_nothing(group, holder, latecomer):
    [seat] = seats_publish(group=group)
    _refusal(latecomer, group, OPEN_AT)
    latecomer, seat = reloaded(latecomer, seat)
    assert latecomer.status == "queued"
    assert seat.state == "priority"
    assert not Direction.objects.exists()
    assert Grant.objects.filter(ended_at__isnull=False).count() == 0
    assert Seat.objects.filter(state="claimed").count() == 0
