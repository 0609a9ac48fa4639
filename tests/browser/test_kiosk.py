"""Journey 4 (SPEC §10): a kiosk in a kindergarten. Staff pair the screen by the code it shows (issue
11); the start screen names the kindergarten; a parent logs in on it; 90 seconds without a touch
clear the screen (kiosk.js, driven here by Playwright's fake clock) and the cabinet asks for a
login again; "Finish" does the same at once."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.kiosks import kiosk_pairing_confirm
from accounts.models import Kiosk
from core.iin import iin_build
from tests.browser.conftest import BIRTH_DATE, PARENT_IIN, file_application
from tests.browser.flows import Family, log_in

pytestmark = pytest.mark.browser

FAMILY = Family(phone="77013334455", phone2="77016667788", applicant_iin=PARENT_IIN, child_iin=iin_build(BIRTH_DATE, serial=91))


def test_a_kiosk_greets_with_its_kindergarten_and_forgets_the_family(world, clock, desktop_page, shots):
    shot = shots("04-kiosk")
    application = file_application(serial=91, applicant_iin=PARENT_IIN, phone=FAMILY.phone, phone2=FAMILY.phone2)
    page = desktop_page()
    page.clock.install()  # before the first page: kiosk.js reads the fake Date.now() and setInterval
    page.goto("/kiosk/")
    page.wait_for_url("**/kiosk/activate/")  # not a kiosk yet: it shows its pairing code (issue 11)
    code = page.locator(".kiosk-pairing__code").inner_text().replace("-", "")
    shot(page, "activate")
    # Staff confirm the code in the admin (tests/browser/test_kiosk_pairing.py drives that page);
    # with the fake clock htmx does not poll, so the screen's own button asks.
    kiosk_pairing_confirm(code=code, kiosk=Kiosk(code="arman-hall", name="Арман, холл", kindergarten=world.kindergarten), now=timezone.now())
    page.get_by_role("button", name="Confirmed in the admin? Continue").click()

    page.wait_for_url("**/kiosk/")
    expect(page.locator(".kiosk-header")).to_contain_text("Ясли-сад №9 «Арман»")
    expect(page.locator("main")).to_contain_text("Ясли-сад №9 «Арман»")
    expect(page.get_by_text("For your privacy the screen is cleared after 90 seconds without a touch")).to_be_visible()
    shot(page, "start")

    page.get_by_role("link", name="Log in to my cabinet").click()
    page.wait_for_url("**/cabinet/login/")
    log_in(page, clock, FAMILY)
    expect(page.locator(f"#application-{application.number}")).to_be_visible()
    expect(page.get_by_role("link", name="Registered device")).to_have_count(0)  # a kiosk is never the cabinet's device
    shot(page, "cabinet")

    # Nobody touches the screen: the warning ten seconds before the limit, then the start screen.
    page.clock.fast_forward("01:25")
    expect(page.locator("#kiosk-idle")).to_be_visible()
    shot(page, "idle-warning")
    page.clock.fast_forward("00:06")
    page.wait_for_url(re.compile(r"/kiosk/$"))
    expect(page.get_by_role("link", name="Log in to my cabinet")).to_be_visible()
    shot(page, "idle-reset")
    page.goto("/cabinet/")
    page.wait_for_url("**/cabinet/login/")  # the family's session is gone

    # The next family logs in and presses "Finish".
    log_in(page, clock, FAMILY)
    expect(page.locator(f"#application-{application.number}")).to_be_visible()
    page.get_by_role("button", name="Finish").click()
    page.wait_for_url(re.compile(r"/kiosk/$"))
    expect(page.get_by_role("link", name="Log in to my cabinet")).to_be_visible()
    page.goto("/cabinet/")
    page.wait_for_url("**/cabinet/login/")
    shot(page, "after-finish-login-again")
