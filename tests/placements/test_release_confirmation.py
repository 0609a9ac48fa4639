"""Issue 11: before releasing, the operator is told when the seats are published: today at 18:00
before 18:00, tomorrow at 18:00 from 18:00 on (the bulletin runs every day, SPEC §5), and when
they open and leave priority access (working days, SPEC §2)."""

import pytest
from django.utils import translation

from placements.bulletin import bulletin_next
from placements.operator.confirmations import release_confirmation
from tests.factories import GroupFactory, astana

pytestmark = pytest.mark.django_db


def _confirmation(now, count=3):
    group = GroupFactory(name="Балапан", age_from=2, age_to=3)
    with translation.override("en"):
        return release_confirmation(group, 2022, count, now)


def test_before_18_00_the_seats_are_published_today():
    text = _confirmation(astana(2024, 6, 4, 12))  # Tuesday
    assert text["summary"] == "You release 3 seats in group Балапан for children born in 2022."
    assert text["publication"] == "They will be published today, 04.06.2024, at 18:00."
    assert text["window"] == "Families with priority access can claim from 05.06.2024 at 07:00 until 10.06.2024 07:00; after that, everyone in the queue."


def test_one_seat_is_spoken_of_in_the_singular():
    text = _confirmation(astana(2024, 6, 4, 17, 59), count=1)
    assert text["publication"] == "It will be published today, 04.06.2024, at 18:00."


@pytest.mark.parametrize("now", [astana(2024, 6, 4, 18), astana(2024, 6, 4, 23, 30)])
def test_from_18_00_on_they_are_published_tomorrow_at_18_00(now):
    assert _confirmation(now)["publication"] == "They will be published tomorrow, 05.06.2024, at 18:00."


def test_before_a_holiday_the_bulletin_still_runs_and_the_window_skips_the_days_off():
    # Monday 06.05.2024 19:00; 7, 8 and 9 May 2024 are days off in Kazakhstan. Published Tuesday
    # 07.05 18:00 (the bulletin runs every day), open Wednesday 08.05 07:00; the window starts on the
    # next working day, Friday 10.05, and ends three working days later: 13, 14, 15 → 15.05 07:00.
    moments = bulletin_next(now=astana(2024, 5, 6, 19))
    assert moments == {"published_at": astana(2024, 5, 7, 18), "open_at": astana(2024, 5, 8, 7), "priority_until": astana(2024, 5, 15, 7)}
    text = _confirmation(astana(2024, 5, 6, 19))
    assert text["publication"] == "They will be published tomorrow, 07.05.2024, at 18:00."
    assert "until 15.05.2024 07:00" in text["window"]
