"""Issue 11 at a phone's width (390 px) and on a desktop (1280 px), in Kazakh: the grant box leads
the cabinet card (window, places, what to do, the button); the printed direction's check page opens
from its address and says whether the paper is valid. Nothing wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.iin import iin_build
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_cancel
from placements.seats import seat_release
from placements.verification import direction_check
from tests.browser.conftest import BIRTH_DATE, BULLETIN_AT, CLAIM_AT, PARENT_IIN, PRIORITY_UNTIL, RELEASE_AT, file_application
from tests.browser.flows import Family, log_in
from tests.factories import astana

pytestmark = pytest.mark.browser

FAMILY = Family(phone="77011234567", phone2="77017654321", applicant_iin=PARENT_IIN, child_iin=iin_build(BIRTH_DATE, serial=77))


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "wider than the screen"


def _kazakh(page) -> None:
    """The header's language switcher, as a family uses it."""
    page.locator("button[name='language'][value='kk']").first.click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "kk")


def test_the_grant_box_in_kazakh_at_390_px(world, clock, phone_page, shots):
    shot = shots("11-grant-box")
    application = file_application(serial=77, applicant_iin=PARENT_IIN, phone=FAMILY.phone, phone2=FAMILY.phone2)
    seat_release(group=world.group, birth_year=2022, count=2, now=RELEASE_AT, by=world.operator)
    bulletin_publish(now=BULLETIN_AT)

    clock.set(CLAIM_AT)
    page = phone_page()
    page.goto("/")
    _kazakh(page)
    page.goto("/cabinet/login/")
    log_in(page, clock, FAMILY)

    card = page.locator(f"#application-{application.number}")
    box = card.locator(f"#grants-{application.number}")
    expect(box).to_contain_text("Басым қолжетімділік")
    expect(box).to_contain_text("07:00 04.06.2024 – 07:00 07.06.2024")
    expect(box).to_contain_text("№9 «Арман» бөбекжайы (Балапан)")
    expect(box.get_by_role("link", name="Жолдама алу")).to_be_visible()
    # First on the card: above the status and the place in the queue.
    assert box.bounding_box()["y"] < card.locator("dl").first.bounding_box()["y"]
    _fits(page)
    shot(page, "cabinet-grant-kk")


def test_the_direction_check_page_at_390_and_1280_px(world, clock, phone_page, desktop_page, shots):
    shot = shots("11-direction-check")
    application = file_application(serial=78, applicant_iin=PARENT_IIN, phone=FAMILY.phone, phone2=FAMILY.phone2)
    seat_release(group=world.group, birth_year=2022, count=1, now=RELEASE_AT, by=world.operator)
    bulletin_publish(now=BULLETIN_AT)
    direction = seat_claim(application=application, group=world.group, now=PRIORITY_UNTIL)
    clock.set(astana(2024, 6, 7, 12))

    for open_page, name in ((phone_page, "phone"), (desktop_page, "desktop")):
        page = open_page()
        page.goto(f"/open/d/{direction_check(direction.pk)}/")
        expect(page.locator("#direction-status")).to_contain_text("This direction is valid.")
        expect(page.locator("main")).to_contain_text("О*** А.")
        _fits(page)
        shot(page, f"valid-{name}")

    direction_cancel(application=application, now=astana(2024, 6, 7, 11))
    page = phone_page()
    page.goto(f"/open/d/{direction_check(direction.pk)}/")
    _kazakh(page)
    expect(page.locator("#direction-status")).to_contain_text("Бұл жолдама жарамсыз.")
    expect(page.locator("#direction-status")).to_contain_text("бас тартылды")
    _fits(page)
    shot(page, "cancelled-kk")
