"""Issue 12: every seat's story, a public page per seat (/open/seats/<id>/): released, published
(window and grants), claimed, and how each direction ended, in time order, Astana time; reached
from the release and directions protocols and from a printed direction's check page; public data
only (SPEC §8)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils.translation import override

from opendata.selectors.seat_story import seat_story
from placements.application_actions import application_withdraw
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_cancel, direction_enroll
from placements.expiry import directions_expire
from placements.models import Group, Kindergarten, Seat
from placements.seats import seat_release, seat_withdraw
from placements.verification import direction_check
from queues.models import Locality
from tests.factories import ApplicationFactory, astana
from tests.opendata.conftest import body, client_from_own_address

pytestmark = pytest.mark.django_db

RELEASED = astana(2024, 6, 2, 12)  # Sunday
BULLETIN_1 = astana(2024, 6, 2, 18)  # opens Monday 03.06 07:00, priority until Thursday 06.06 07:00
CLAIM_1 = astana(2024, 6, 3, 8)  # with priority access; valid until 5 working days later: Monday 10.06 08:00
EXPIRED_1 = astana(2024, 6, 10, 8)
BULLETIN_2 = astana(2024, 6, 10, 18)  # opens Tuesday 11.06 07:00, priority until Friday 14.06 07:00
GENERAL_2 = astana(2024, 6, 14, 7)
CLAIM_2 = astana(2024, 6, 14, 9)  # in general access, by the second in the queue
ENROLLED = astana(2024, 6, 17, 10)
LOOKED_AT = astana(2024, 6, 20, 12)


@pytest.fixture(autouse=True)
def _english():
    """The selector's words are read in English here; the pages choose theirs per request."""
    with override("en"):
        yield


@pytest.fixture
def clock_start() -> dt.datetime:
    return LOOKED_AT


@pytest.fixture
def place():
    temirtau = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    arman = Kindergarten.objects.create(code="arman", name="Ясли-сад «Арман»", name_kk="«Арман» бөбекжайы", locality=temirtau)
    group = Group.objects.create(code="arman-2", kindergarten=arman, name="Цыплята", name_kk="Балапан", age_from=2, age_to=3, language="kk")
    first = ApplicationFactory(locality=temirtau, child_last_name="Омарова", child_first_name="Айгерим", phone="+77015550101", filed_at=astana(2024, 5, 2, 10))
    second = ApplicationFactory(locality=temirtau, child_last_name="Серикова", child_first_name="Жасмин", phone="+77015550202", filed_at=astana(2024, 5, 2, 11))
    return group, first, second


@pytest.fixture
def full_life(place, clock):
    """One seat: released, published, claimed with priority by the first in the queue, expired,
    back, published again, left to general access, claimed by the second, child enrolled."""
    group, first, second = place
    (seat,) = seat_release(group=group, birth_year=2022, count=1, now=RELEASED)
    bulletin_publish(now=BULLETIN_1)
    d1 = seat_claim(application=first, group=group, now=CLAIM_1)
    assert d1.valid_until == EXPIRED_1
    directions_expire(now=EXPIRED_1)
    bulletin_publish(now=BULLETIN_2)
    second.refresh_from_db()
    d2 = seat_claim(application=second, group=group, now=CLAIM_2)
    direction_enroll(application=second, now=ENROLLED)
    first.refresh_from_db()
    second.refresh_from_db()
    return seat, first, second, d1, d2


def _page(seat_id: int, language: str = "en"):
    return client_from_own_address().get(f"/open/seats/{seat_id}/", HTTP_ACCEPT_LANGUAGE=language)


def test_a_full_life_shows_every_step_in_order_with_astana_times(full_life):
    seat, first, second, d1, d2 = full_life
    # Reasoned by hand from the timeline above (SPEC §5–§7): the first in the queue is granted at
    # both bulletins (its grant ended when it was directed, and it came back to the queue).
    story = seat_story(seat_id=seat.pk, now=LOOKED_AT)
    assert [(step.kind, step.at) for step in story.steps] == [
        ("released", RELEASED),
        ("published", BULLETIN_1),
        ("claimed", CLAIM_1),
        ("direction_ended", EXPIRED_1),
        ("published", BULLETIN_2),
        ("general", GENERAL_2),
        ("claimed", CLAIM_2),
        ("enrolled", ENROLLED),
    ]
    published_1, published_2 = story.steps[1], story.steps[4]
    assert (published_1.open_at, published_1.priority_until) == (astana(2024, 6, 3, 7), astana(2024, 6, 6, 7))
    assert (published_2.open_at, published_2.priority_until) == (astana(2024, 6, 11, 7), GENERAL_2)
    assert published_1.grants == (first.number,) and published_2.grants == (first.number,)
    assert story.steps[2].direction.in_priority and not story.steps[6].direction.in_priority
    assert story.steps[3].outcome == "expired"
    assert story.now_state == "enrolled"

    page = body(_page(seat.pk))
    texts = [
        "02.06.2024 12:00",
        "Released by the kindergarten",
        "02.06.2024 18:00",
        "03.06.2024 07:00",
        "06.06.2024 07:00",
        "03.06.2024 08:00",
        f"Claimed: direction No. {d1.number}",
        f"Claimed with priority access by application No. {first.number}.",
        "10.06.2024 08:00",
        f"Direction No. {d1.number} expired unused",
        "The seat went back to the kindergarten and waits for the next bulletin.",
        "10.06.2024 18:00",
        "14.06.2024 07:00",
        "Priority window closed: general access",
        "14.06.2024 09:00",
        f"Claimed by application No. {second.number}.",
        "17.06.2024 10:00",
        f"Child enrolled on direction No. {d2.number}",
    ]
    positions = [page.index(text) for text in texts]
    assert positions == sorted(positions)
    assert "«Арман»" in page and "a child is enrolled" in page


def test_times_are_shown_in_astana_time_not_utc(full_life):
    seat = full_life[0]
    page = body(_page(seat.pk))  # the bulletin of 18:00 Astana time is 13:00 UTC
    assert "02.06.2024 18:00" in page and "02.06.2024 13:00" not in page


def test_a_withdrawn_seat_names_the_role_and_not_the_reason(place, clock):
    group, _, _ = place
    operator = get_user_model().objects.create_user("operator-arman", first_name="Гүлнар", last_name="Ахметова")
    group.kindergarten.operators.add(operator)
    (seat,) = seat_release(group=group, birth_year=2022, count=1, now=RELEASED)
    bulletin_publish(now=BULLETIN_1)
    seat_withdraw(seat=Seat.objects.get(pk=seat.pk), now=astana(2024, 6, 3, 10), by=operator, reason="ребёнок Омаровой переехал")

    story = seat_story(seat_id=seat.pk, now=LOOKED_AT)
    assert [(step.kind, step.at) for step in story.steps] == [("released", RELEASED), ("published", BULLETIN_1), ("withdrawn", astana(2024, 6, 3, 10))]
    page = body(_page(seat.pk))
    assert "Withdrawn by the kindergarten&#x27;s operator" in page or "Withdrawn by the kindergarten's operator" in page
    assert "withdrawn" in story.now_name
    for secret in ("переехал", "Омаров", "Гүлнар", "Ахметова", "operator-arman"):
        assert secret not in page


def test_a_seat_withdrawn_by_the_education_department_says_so(place, clock):
    group, _, _ = place
    staff = get_user_model().objects.create_user("clerk-temirtau", is_staff=True)
    (seat,) = seat_release(group=group, birth_year=2022, count=1, now=RELEASED)
    seat_withdraw(seat=seat, now=astana(2024, 6, 2, 13), by=staff, reason="ошибка")
    assert seat_story(seat_id=seat.pk, now=LOOKED_AT).steps[-1].title == "Withdrawn by the education department"


@pytest.mark.parametrize(("withdraw", "title"), [(False, "declined by the family"), (True, "withdrawn: direction No.")])
def test_a_cancelled_direction_says_whether_the_family_declined_or_withdrew(place, clock, withdraw, title):
    group, first, _ = place
    (seat,) = seat_release(group=group, birth_year=2022, count=1, now=RELEASED)
    bulletin_publish(now=BULLETIN_1)
    seat_claim(application=first, group=group, now=CLAIM_1)
    if withdraw:
        application_withdraw(application=first, now=astana(2024, 6, 4, 9))
    else:
        direction_cancel(application=first, now=astana(2024, 6, 4, 9))
    story = seat_story(seat_id=seat.pk, now=LOOKED_AT)
    ended = story.steps[-1]
    assert ended.kind == "direction_ended" and ended.at == astana(2024, 6, 4, 9) and title in ended.title
    assert story.now_state == "released"


def test_a_bulletin_that_gave_no_grant_in_the_seats_queue_says_so(place, clock):
    group, _, _ = place
    special = Group.objects.create(code="arman-s", kindergarten=group.kindergarten, name="Особая", age_from=2, age_to=3, language="ru", kind="special")
    (seat,) = seat_release(group=special, birth_year=2022, count=1, now=RELEASED)
    bulletin_publish(now=BULLETIN_1)  # nobody stands in the special queue
    published = seat_story(seat_id=seat.pk, now=LOOKED_AT).steps[1]
    assert published.kind == "published" and published.grants == ()
    assert "gave no new priority access" in published.text


def test_an_active_direction_past_its_deadline_is_told_as_expired(place, clock):
    group, first, _ = place
    seat_release(group=group, birth_year=2022, count=1, now=RELEASED)
    bulletin_publish(now=BULLETIN_1)
    direction = seat_claim(application=first, group=group, now=CLAIM_1)
    story = seat_story(seat_id=direction.seat_id, now=LOOKED_AT)  # the minute job has not run
    assert (story.steps[-1].kind, story.steps[-1].at, story.steps[-1].outcome) == ("direction_ended", EXPIRED_1, "expired")
    assert story.now_state == "released"


def test_the_page_shows_no_name_iin_phone_or_birth_date(world, clock):
    for seat in Seat.objects.all():
        response = _page(seat.pk)
        assert response.status_code == 200
        page = body(response)
        for secret in world.secrets:
            assert secret not in page, secret
        for application in world.apps.values():
            assert application.child_name_masked not in page  # not even initials: the story is the seat's


def test_an_unknown_seat_is_a_404(db):
    assert _page(999999).status_code == 404
    assert client_from_own_address().get("/open/seats/abc/").status_code == 404


def test_the_release_and_directions_protocols_link_to_each_seats_story(world, clock):
    client = client_from_own_address()
    releases = body(client.get("/open/releases/", HTTP_ACCEPT_LANGUAGE="en"))
    for seat in Seat.objects.exclude(publications=None):
        assert f'href="/open/seats/{seat.pk}/"' in releases
    directions = body(client.get("/open/directions/", HTTP_ACCEPT_LANGUAGE="en"))
    for direction in world.directions.values():
        assert f'href="/open/seats/{direction.seat_id}/"' in directions
    download = client.get("/open/directions/?format=csv")
    assert "seat" not in body(download).splitlines()[0].split(",")  # the downloads keep their columns


def test_the_direction_check_page_links_to_its_seats_story(world, clock):
    direction = world.directions["t21"]
    page = body(client_from_own_address().get(f"/open/d/{direction_check(direction.pk)}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f'href="/open/seats/{direction.seat_id}/"' in page


def test_the_story_is_read_in_a_fixed_number_of_queries(full_life, django_assert_max_num_queries):
    seat = full_life[0]
    with django_assert_max_num_queries(4):
        story = seat_story(seat_id=seat.pk, now=LOOKED_AT)
    assert len(story.steps) == 8


def test_a_seat_that_waits_for_its_first_bulletin_has_one_step_and_two_queries(place, clock, django_assert_max_num_queries):
    group, _, _ = place
    seat = seat_release(group=group, birth_year=2022, count=3, now=RELEASED)[0]
    with django_assert_max_num_queries(3):
        story = seat_story(seat_id=seat.pk, now=RELEASED)
    assert [step.kind for step in story.steps] == ["released"] and story.now_state == "released"
    assert "3 seats" in story.steps[0].text


STORY_ENGLISH = (
    "its story",
    "Released by the kindergarten",
    "Published in the bulletin",
    "received priority access",
    "no new priority access",
    "Claimed",
    "expired unused",
    "went back to the kindergarten",
    "Priority window closed",
    "Child enrolled",
    "What happened to the seat",
    "Now:",
    "Status now",
    "Application and direction numbers",
)


def _translated(language: str) -> bool:
    with override(language):
        from django.utils.translation import gettext

        return gettext("What happened to the seat") != "What happened to the seat"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_kazakh_and_russian_pages_tell_the_story_without_english_words(full_life, language):
    if not _translated(language):
        pytest.skip("the seat story's strings are not in the catalogs yet (the lead merges /tmp/out/seatstory-translations.json)")
    page = body(_page(full_life[0].pk, language))
    main = page[page.index("<main") : page.index("</main>")]
    text = re.sub(r"<[^>]+>", " ", main)
    for english in STORY_ENGLISH:
        assert english not in text, english
    assert not re.findall(r"\b[A-Za-z]{4,}\b", text), re.findall(r"\b[A-Za-z]{4,}\b", text)
