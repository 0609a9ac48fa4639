"""SPEC §5: an operator releases seats of a group for a birth year; they wait for the bulletin."""

import pytest

from core.errors import Refusal
from placements.claims import seat_claim
from placements.models import Seat
from placements.seats import seat_release
from tests.factories import PRIORITY_UNTIL, RELEASED_AT, ApplicationFactory, GroupFactory, astana

pytestmark = pytest.mark.django_db


def test_releasing_creates_that_many_released_seats_of_the_group_and_birth_year():
    group = GroupFactory(age_from=2, age_to=3)
    seats = seat_release(group=group, birth_year=2022, count=3, now=RELEASED_AT)
    assert len(seats) == 3
    for seat in Seat.objects.filter(pk__in=[s.pk for s in seats]):
        assert (seat.group_id, seat.birth_year, seat.state) == (group.pk, 2022, "released")
        assert seat.released_at == RELEASED_AT
        assert (seat.published_at, seat.open_at, seat.priority_until) == (None, None, None)


@pytest.mark.parametrize(("birth_year", "fits"), [(2023, False), (2022, True), (2021, False)])
def test_the_birth_year_must_fit_the_group_in_the_current_enrollment_year(birth_year, fits):
    group = GroupFactory(age_from=2, age_to=3)  # E(02.06.2024) = 2024: only 2022 is 2 ≤ E − year < 3
    if fits:
        assert len(seat_release(group=group, birth_year=birth_year, count=1, now=RELEASED_AT)) == 1
    else:
        with pytest.raises(Refusal) as refused:
            seat_release(group=group, birth_year=birth_year, count=1, now=RELEASED_AT)
        assert refused.value.code == "age_mismatch"
        assert not Seat.objects.exists()


def test_the_enrollment_year_changes_on_1_june():
    group = GroupFactory(age_from=2, age_to=3)
    assert seat_release(group=group, birth_year=2021, count=1, now=astana(2024, 5, 31, 23, 59))
    with pytest.raises(Refusal) as refused:
        seat_release(group=group, birth_year=2021, count=1, now=astana(2024, 6, 1))
    assert refused.value.code == "age_mismatch"


def test_a_wide_group_accepts_every_birth_year_of_its_range():
    group = GroupFactory(age_from=3, age_to=6)
    for year in (2021, 2020, 2019):
        seat_release(group=group, birth_year=year, count=1, now=RELEASED_AT)
    with pytest.raises(Refusal):
        seat_release(group=group, birth_year=2018, count=1, now=RELEASED_AT)


def test_a_released_seat_is_not_claimable_before_the_bulletin():
    group = GroupFactory()
    application = ApplicationFactory(locality=group.kindergarten.locality)
    seat_release(group=group, birth_year=2022, count=1, now=RELEASED_AT)
    with pytest.raises(Refusal) as refused:
        seat_claim(application=application, group=group, now=PRIORITY_UNTIL)
    assert refused.value.code == "no_seat"
