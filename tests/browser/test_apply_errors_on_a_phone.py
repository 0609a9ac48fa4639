"""Issue 11, item 3, on a phone (390 px) in Chromium: a step sent with errors opens at the error
summary — focused, in view, each message a link to its field — and a 300-character address never
makes the page wider than the screen (it was 3,522 px) on the step, the review or the confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.iin import iin_build
from tests.browser.conftest import BIRTH_DATE, PARENT_IIN
from tests.browser.flows import Family, application_number, confirm_phone, submit

pytestmark = pytest.mark.browser

FAMILY = Family(phone="77051112233", phone2="77059998877", applicant_iin=PARENT_IIN, child_iin=iin_build(BIRTH_DATE, serial=4321))
# No space to break at: the worst an address can do to a narrow screen.
LONG_ADDRESS = ("Темиртау,проспектРеспублики,дом5,квартира12," * 10)[:300]


def no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_errors_on_a_phone_open_at_a_focused_summary_and_a_long_address_wraps(world, clock, phone_page, shots):
    shot = shots("apply-errors-on-a-phone")
    page = phone_page()
    page.goto("/cabinet/apply/")
    confirm_phone(page, clock, FAMILY, 1)
    confirm_phone(page, clock, FAMILY, 2)
    page.wait_for_url("**/cabinet/apply/child/")

    page.fill("input[name='applicant_iin']", FAMILY.applicant_iin)
    page.fill("input[name='applicant_last_name']", "Омарова")
    page.fill("input[name='applicant_first_name']", "<script>alert(1)</script>")
    page.fill("input[name='child_iin']", FAMILY.child_iin[:10])
    page.fill("input[name='child_last_name']", "Омаров")
    page.fill("input[name='child_first_name']", "Әлихан")
    page.fill("input[name='birth_certificate']", "I-КР 0123456")
    page.select_option("main select[name='locality']", "temirtau")
    page.fill("input[name='address']", LONG_ADDRESS)
    submit(page, "/cabinet/apply/child/")

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    top, bottom, height = page.evaluate("(() => { const r = document.activeElement.getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]; })()")
    assert 0 <= top < height and bottom <= height  # in view on the phone, not below the fold
    expect(summary).to_contain_text("The IIN has 12 digits; you entered 10.")
    expect(summary).to_contain_text("letters of the Kazakh, Russian or Latin alphabet")
    no_horizontal_scroll(page)
    shot(page, "child-step-errors")

    # A link of the summary puts the cursor in its field.
    summary.get_by_role("link", name="Child's IIN").click()
    expect(page.locator("input[name='child_iin']")).to_be_focused()

    page.fill("input[name='applicant_first_name']", "Динара")
    page.locator("input[name='child_iin']").fill("")
    page.locator("input[name='child_iin']").press_sequentially(FAMILY.child_iin)
    expect(page.locator("#child-birth-date")).to_contain_text("04.03.2022")
    submit(page, "/cabinet/apply/child/")
    page.wait_for_url("**/cabinet/apply/benefit/")
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    submit(page, "/cabinet/apply/benefit/")

    page.wait_for_url("**/cabinet/apply/review/")
    expect(page.locator("main")).to_contain_text(LONG_ADDRESS[:40])
    no_horizontal_scroll(page)
    shot(page, "review-long-address")
    page.get_by_role("button", name="Send the application").click()

    page.wait_for_url("**/cabinet/apply/done/")
    application_number(page)
    expect(page.locator("main")).to_contain_text("Queue “general”: place 1 of 1")
    no_horizontal_scroll(page)
    shot(page, "done-with-position")
