"""Issue 12: a seat's story at a phone's 390 px and a desktop's 1280 px, in Kazakh and in Russian,
reached by its link in the release protocol: no sideways scroll, no serious axe-core violation."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_cancel
from placements.seats import seat_release, seat_withdraw
from tests.browser.conftest import BULLETIN_AT, CLAIM_AT, RELEASE_AT, file_application
from tests.browser.test_layout import LANGUAGES, WIDTHS, check_page, set_language

pytestmark = pytest.mark.browser


@pytest.fixture
def seats(world, clock):
    """Two seats of «Арман»: one claimed, declined and published again; one withdrawn."""
    application = file_application(serial=71)
    kept, withdrawn = seat_release(group=world.group, birth_year=2022, count=2, now=RELEASE_AT, by=world.operator)
    bulletin_publish(now=BULLETIN_AT)
    seat_claim(application=application, group=world.group, now=CLAIM_AT)
    direction_cancel(application=application, now=CLAIM_AT + dt.timedelta(hours=2))
    seat_withdraw(seat=withdrawn, now=CLAIM_AT + dt.timedelta(hours=3), by=world.operator, reason="ремонт")
    bulletin_publish(now=BULLETIN_AT + dt.timedelta(days=1))
    clock.set(BULLETIN_AT + dt.timedelta(days=1, hours=1))
    return kept, withdrawn


def test_a_seats_story_reads_well_on_a_phone_and_a_desktop(seats, new_context, live_server):
    kept, withdrawn = seats
    page = new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url).new_page()
    for language in LANGUAGES:
        set_language(page, live_server.url, language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900 if width > 640 else 844})
            page.goto("/open/releases/?locality=")
            page.locator(f'a[href="/open/seats/{kept.pk}/"]').first.click()
            expect(page.locator(".od-story__step")).to_have_count(5)  # released, published, claimed, declined, published again
            check_page(page, "seat-story", language, width)
            page.goto(f"/open/seats/{withdrawn.pk}/")
            expect(page.locator('.od-story__step[data-step="withdrawn"]')).to_have_count(1)
            check_page(page, "seat-story-withdrawn", language, width)
