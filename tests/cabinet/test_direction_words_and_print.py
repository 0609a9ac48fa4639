"""Issue 11 in the cabinet: the grant box comes first on the card (window, places, what to do); one
word for a cancelled direction and another for a revoked one on the direction page, the message
history and the public protocol; the printed direction carries a check number and QR code, and a
stamp once it ended."""

from __future__ import annotations

import re

import pytest

from placements.application_actions import benefit_reject
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_cancel
from placements.seats import seat_release
from placements.verification import check_display, direction_check
from tests.cabinet.conftest import AFTER, DURING, PARENT_IIN, PHONE, file_application, login
from tests.factories import BULLETIN_AT, RELEASED_AT, astana

pytestmark = pytest.mark.django_db


# --- the grant box (SPEC §6) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "kindergarten", "todo"),
    [
        ("en", "Ясли-сад №9 «Арман» (Балапан)", "What to do: press “Get a direction”"),
        ("kk", "№9 «Арман» бөбекжайы (Балапан)", None),
        ("ru", "Ясли-сад №9 «Арман» (Балапан)", None),
    ],
)
def test_the_grant_box_comes_first_with_its_window_places_and_what_to_do(client, clock, parent_application, arman, capture, language, kindergarten, todo):
    seat_release(group=arman, birth_year=2022, count=2, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(DURING)
    client.cookies["django_language"] = language
    login(client, capture)

    page = client.get("/cabinet/").content.decode()
    card = page[page.index(f'id="application-{parent_application.number}"') :]
    box = card.index(f'id="grants-{parent_application.number}"')
    assert box < card.index("<dl") < card.index("cabinet-position")  # before the status and the queue
    assert "07:00 03.06.2024" in card and "07:00 06.06.2024" in card
    assert kindergarten in card
    assert f'href="/cabinet/applications/{parent_application.number}/seats/"' in card[box : card.index("<dl")]
    if todo:
        assert todo in card and "2 free seats" in card


def test_a_grant_not_open_yet_says_when_to_press_the_button(client, clock, parent_application, arman, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(astana(2024, 6, 2, 20))  # Sunday evening: the window opens on Monday at 07:00
    login(client, capture)
    page = client.get("/cabinet/").content.decode()
    assert "What to do: at 07:00 03.06.2024 press “Get a direction”" in page
    assert "Left:" not in page


# --- one word for each end of a direction -------------------------------------------------------------


@pytest.fixture
def ended(clock, parent_application, arman):
    """The parent's first child's direction cancelled (declined), the second child's revoked (benefit rejected)."""
    second = file_application(
        locality=parent_application.locality,
        applicant_iin=PARENT_IIN,
        phone=PHONE,
        serial=78,
        child_first_name="Нурлан",
        benefit="priority",
        benefit_category="large_family",
    )
    seat_release(group=arman, birth_year=2022, count=2, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(AFTER)
    cancelled = seat_claim(application=parent_application, group=arman, now=AFTER)
    revoked = seat_claim(application=second, group=arman, now=AFTER)
    direction_cancel(application=parent_application, now=astana(2024, 6, 6, 9))
    benefit_reject(application=second, now=astana(2024, 6, 6, 10))
    return cancelled, revoked


WORDS = {"en": ("cancelled", "revoked"), "ru": ("отменено", "аннулировано"), "kk": ("бас тартылды", "күші жойылды")}


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_cancelled_and_revoked_keep_their_own_word_on_every_page(client, ended, capture, language):
    cancelled, revoked = ended
    cancelled_word, revoked_word = WORDS[language]
    client.cookies["django_language"] = language
    login(client, capture)

    for direction, word, other in ((cancelled, cancelled_word, revoked_word), (revoked, revoked_word, cancelled_word)):
        n = direction.application.number
        directions_page = client.get(f"/cabinet/applications/{n}/directions/").content.decode()
        status = re.search(rf'id="direction-{direction.number}".*?cabinet-status--\w+">([^<]+)<', directions_page, re.S).group(1)
        history = client.get(f"/cabinet/applications/{n}/messages/").content.decode()
        protocol = client.get("/open/directions/")
        [row] = [r for r in protocol.context["rows"] if r["number"] == direction.number]

        assert status == word
        assert word in history and other not in history
        assert row["status_name"] == word


# --- the printable direction ------------------------------------------------------------------------


def test_the_print_carries_a_check_number_and_a_qr_code_of_the_public_page(client, ended, capture, settings):
    settings.SITE_URL = "https://indigo.example.kz"
    cancelled, _revoked = ended
    login(client, capture)
    page = client.get(f"/cabinet/directions/{cancelled.number}/print/").content.decode()

    url = f"https://indigo.example.kz/open/d/{direction_check(cancelled.pk)}/"
    assert f'href="{url}"' in page
    assert check_display(direction_check(cancelled.pk)) in page
    assert re.search(r'<figure class="direction-sheet__qr"[^>]*><svg[^>]*viewBox', page)


@pytest.mark.parametrize(("which", "stamp"), [(0, "CANCELLED"), (1, "REVOKED")])
def test_the_print_of_an_ended_direction_shows_a_large_stamp(client, ended, capture, which, stamp):
    login(client, capture)
    page = client.get(f"/cabinet/directions/{ended[which].number}/print/").content.decode()
    assert re.search(rf'id="direction-stamp"[^>]*>{stamp}</p>', page)


def test_the_print_of_an_active_direction_has_no_stamp(client, clock, parent_application, arman, capture):
    seat_release(group=arman, birth_year=2022, count=1, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(AFTER)
    direction = seat_claim(application=parent_application, group=arman, now=AFTER)
    login(client, capture)
    page = client.get(f"/cabinet/directions/{direction.number}/print/").content.decode()
    assert "direction-stamp" not in page and "<svg" in page
