"""A double click on "Release" releases the seats once (issue 8): with JavaScript the form is sent
once and its button says "Sending…"; without JavaScript both sendings reach the server, which
carries out the first only (the one-time form token, core/once.py). 3 seats either way, never 6."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from placements.models import Seat, SeatRelease
from placements.operator import views
from tests.browser.conftest import DESKTOP_SIZE, OPERATOR_PASSWORD, RELEASE_AT

pytestmark = pytest.mark.browser

RELEASED = "3 seats of group Балапан for children born in 2022 are released."
RESENT = "This form was already sent; nothing was done twice."


@pytest.fixture
def slow_release(monkeypatch):
    """The server takes a moment over the release, as on a busy day: time for an impatient second press."""
    real_release = views.seat_release

    def slow(**kwargs):
        seats = real_release(**kwargs)
        time.sleep(0.8)
        return seats

    monkeypatch.setattr(views, "seat_release", slow)


def _release_form(page: Page) -> None:
    """The operator logs in and fills in the release of 3 seats for children born in 2022."""
    page.goto("/operator/login/")
    page.get_by_label("Username").fill("operator-arman")
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/operator/")
    page.goto("/operator/kindergartens/arman/release/")
    page.get_by_label("Birth year").select_option("2022")
    page.get_by_label("Number of seats").fill("3")
    page.get_by_role("button", name="Release", exact=True).click()  # issue 11: first the confirmation
    page.get_by_text("They will be published today").wait_for()


def _press_release_twice(page: Page) -> None:
    """Two presses of the mouse on "Yes, release", the second while the first sending is still on its way."""
    button = page.get_by_role("button", name="Yes, release", exact=True)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


# Records what the Release button looked like once sent, in the tab's sessionStorage (it survives
# the navigation to the result page).
WATCH_BUTTON = """() => {
  const button = document.querySelector("form[data-once] button[type=submit]");
  new MutationObserver(() => sessionStorage.setItem("release-button", JSON.stringify([button.disabled, button.textContent.trim()])))
    .observe(button, {attributes: true, childList: true, characterData: true, subtree: true});
}"""


def test_a_second_press_on_release_sends_nothing(world, clock, desktop_page, slow_release, shots):
    shot = shots("release-double-press")
    clock.set(RELEASE_AT)
    page = desktop_page()
    _release_form(page)
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.evaluate(WATCH_BUTTON)
    _press_release_twice(page)
    page.wait_for_url("**/operator/kindergartens/arman/seats/**")
    expect(page.get_by_text(RELEASED)).to_be_visible()
    shot(page, "released-once")
    assert Seat.objects.filter(group=world.group).count() == 3  # not 6
    assert SeatRelease.objects.count() == 1
    assert len(sent) == 1 and sent[0].endswith("/operator/kindergartens/arman/release/")
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('release-button'))") == [True, "Sending…"]


def test_without_javascript_a_second_press_releases_nothing_more(world, clock, new_context, live_server, slow_release):
    clock.set(RELEASE_AT)
    page = new_context(viewport=DESKTOP_SIZE, base_url=live_server.url, java_script_enabled=False).new_page()
    _release_form(page)
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    _press_release_twice(page)
    # (The first navigation is aborted by the second: the page's URL is polled, not one navigation awaited.)
    expect(page).to_have_url(re.compile(r"/operator/kindergartens/arman/seats/\?state=released"))
    assert len(sent) == 2  # both sendings reached the server
    assert Seat.objects.filter(group=world.group).count() == 3  # not 6
    assert SeatRelease.objects.count() == 1
    expect(page.get_by_text(RESENT)).to_be_visible()  # the browser shows the answer to the second sending
    expect(page.locator("main")).to_contain_text("3 seats")
