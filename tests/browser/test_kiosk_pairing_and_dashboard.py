"""Issue 11 in Chromium: a screen pairs as a kiosk by its short code, confirmed by staff in the
admin, and opens by itself (htmx polling); the kiosk's free-seats page and the operator dashboard
have no sideways scroll — the dashboard at 1280 px and 390 px in Kazakh and Russian."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from placements.bulletin import bulletin_publish
from placements.models import Group
from placements.seats import seat_release
from tests.browser.conftest import ARTIFACTS, BULLETIN_AT, DESKTOP_SIZE, OPERATOR_PASSWORD, PHONE_SIZE, RELEASE_AT

pytestmark = pytest.mark.browser
STAFF_PASSWORD = "Department-Password-17"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_2FA = False  # the second factor has its own journeys


def _shots(journey: str):
    """Screenshots to look at (tests/artifacts/browser/<journey>/), without the journeys' other checks."""
    folder = ARTIFACTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    return lambda page, name: page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _seats(world) -> None:
    """Several groups with long names and seats in every column, as a real kindergarten has."""
    for n, (name, age_from, age_to) in enumerate([("Күншуақ ересектер тобы", 3, 5), ("Қызғалдақ мектепалды даярлық", 4, 6)]):
        group = Group.objects.create(code=f"arman-{n + 3}", kindergarten=world.kindergarten, name=name, age_from=age_from, age_to=age_to, language="both")
        seat_release(group=group, birth_year=2020, count=2, now=RELEASE_AT)
    seat_release(group=world.group, birth_year=2022, count=12, now=RELEASE_AT)
    bulletin_publish(now=BULLETIN_AT)


def test_a_screen_pairs_as_a_kiosk_by_its_code_and_its_free_seats_fit_a_phone(world, clock, new_context, live_server):
    shot = _shots("issue-11-kiosk-pairing")
    clock.set(BULLETIN_AT)
    _seats(world)
    User.objects.create_superuser("dept", password=STAFF_PASSWORD)

    screen = new_context(viewport=PHONE_SIZE, base_url=live_server.url).new_page()
    screen.goto("/kiosk/")
    screen.wait_for_url("**/kiosk/activate/")
    code = screen.locator(".kiosk-pairing__code").inner_text()
    assert len(code) == 9 and code[4] == "-"
    assert screen.evaluate(NO_SIDEWAYS_SCROLL)
    shot(screen, "screen-code")

    staff = new_context(viewport=DESKTOP_SIZE, base_url=live_server.url).new_page()
    staff.goto(f"/admin/login/?next=/admin/accounts/kiosk/pair/%3Fcode%3D{code.replace('-', '')}")
    staff.get_by_label("Username").fill("dept")
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.wait_for_url("**/admin/accounts/kiosk/pair/**")
    expect(staff.get_by_label("Code shown on the screen")).to_have_value(code.replace("-", ""))
    staff.get_by_label("Kindergarten of a new kiosk").select_option(label="Темиртау — Ясли-сад №9 «Арман»")
    staff.get_by_label("Name of the new kiosk").fill("Холл")
    shot(staff, "admin-pair")
    staff.get_by_role("button", name="Pair").click()
    expect(staff.get_by_text("The screen is paired as kiosk “Холл”")).to_be_visible()

    screen.wait_for_url("**/kiosk/", timeout=15_000)  # the screen asked, and opened by itself
    expect(screen.locator(".kiosk-header")).to_contain_text("Ясли-сад №9 «Арман»")
    shot(screen, "screen-kiosk")
    screen.get_by_role("link", name="Free seats").click()
    screen.wait_for_load_state()
    expect(screen.locator("main")).to_contain_text("Балапан")
    for language in ("kk", "ru", "en"):
        screen.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        screen.reload()
        screen.locator("details").first.evaluate("d => d.open = true")  # the filters, open
        assert screen.evaluate(NO_SIDEWAYS_SCROLL), f"the kiosk's free-seats page scrolls sideways at 390 px in {language}"
        shot(screen, f"screen-free-seats-{language}")


def _operator(new_context, live_server, viewport: dict, language: str) -> Page:
    context = new_context(viewport=viewport, base_url=live_server.url)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto("/operator/login/")
    page.locator("input[name=username]").fill("operator-arman")
    page.locator("input[name=password]").fill(OPERATOR_PASSWORD)
    page.locator("form.op-form button[type=submit]").click()
    page.wait_for_url("**/operator/")
    return page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_operator_dashboard_fits_1280_and_390_pixels(world, clock, new_context, live_server, language):
    shot = _shots(f"issue-11-dashboard-{language}")
    clock.set(BULLETIN_AT)
    _seats(world)
    for viewport in (DESKTOP_SIZE, PHONE_SIZE):
        page = _operator(new_context, live_server, viewport, language)
        table = page.locator("table.op-table--groups")
        expect(table).to_be_visible()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"the dashboard scrolls sideways at {viewport['width']} px in {language}"
        # Nothing cut off inside the table either: its box is no wider than its wrapper.
        assert page.evaluate("() => { const w = document.querySelector('.op-table-wrap'); return w.scrollWidth <= w.clientWidth; }")
        release = table.locator("tbody tr").first.locator(".op-actions-cell a").first
        box = release.bounding_box()  # the actions column is not cut off on the right
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        shot(page, f"dashboard-{viewport['width']}")
