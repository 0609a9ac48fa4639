"""What a family and an operator do on the pages, as clicks and typing.

Selectors use what does not change with the language (field names, form actions, link targets),
so the Kazakh journey walks the same steps as the English ones; the journeys assert the words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PASSWORD, last_code
from tests.conftest import Clock

Shot = Callable[[Page, str], None]  # takes a screenshot of the page under a name


def form_of(element: Locator) -> Locator:
    return element.locator("xpath=ancestor::form[1]")


def submit(page: Page, action: str) -> None:
    """Press the submit button of the (POST) form posting to `action`."""
    page.locator(f"form[method='post'][action='{action}'] [type='submit']").first.click()


@dataclass
class Family:
    phone: str  # digits, as the outbox stores them
    phone2: str
    applicant_iin: str
    child_iin: str
    applicant: tuple[str, str] = ("Омарова", "Динара")
    child: tuple[str, str, str] = ("Омаров", "Алихан", "Ерланұлы")
    address: str = "Темиртау, пр. Республики, 5, кв. 12"

    def typed(self, slot: int) -> str:
        """The number as a parent types it: +7 705 111 22 33."""
        digits = self.phone if slot == 1 else self.phone2
        return f"+7 {digits[1:4]} {digits[4:7]} {digits[7:9]} {digits[9:]}"


def confirm_phone(page: Page, clock: Clock, family: Family, slot: int, shots: Shot | None = None) -> None:
    """Step 1 of the wizard, one phone: type it, get the code from the outbox, confirm it."""
    clock.advance(minutes=2)
    phone = page.locator(f"input[name='p{slot}-phone']:not([type='hidden'])")
    phone.fill(family.typed(slot))
    form_of(phone).locator("[type='submit']").click()
    code = page.locator(f"input[name='c{slot}-code']")
    expect(code).to_be_visible()
    if shots:
        shots(page, f"apply-phone{slot}-code-sent")
    code.fill(last_code(family.phone if slot == 1 else family.phone2))
    form_of(code).locator("button[name='confirm']").click()
    expect(page.locator(f"input[name='c{slot}-code']")).to_have_count(0)


def apply_child(page: Page, family: Family, birth_date: str) -> None:
    """Step 2: the applicant and the child; the birth date appears from the IIN as it is typed."""
    page.fill("input[name='applicant_iin']", family.applicant_iin)
    page.fill("input[name='applicant_last_name']", family.applicant[0])
    page.fill("input[name='applicant_first_name']", family.applicant[1])
    page.locator("input[name='child_iin']").press_sequentially(family.child_iin)
    expect(page.locator("#child-birth-date")).to_contain_text(birth_date)
    page.fill("input[name='child_last_name']", family.child[0])
    page.fill("input[name='child_first_name']", family.child[1])
    page.fill("input[name='child_middle_name']", family.child[2])
    page.fill("input[name='birth_certificate']", "I-КР 0123456")
    page.select_option("main select[name='locality']", "temirtau")
    page.fill("input[name='address']", family.address)


def application_number(page: Page) -> int:
    """The number on the "registered" page."""
    text = page.locator(".cabinet-number").inner_text()
    return int(re.search(r"\d+", text).group(0))


def log_in(page: Page, clock: Clock, family: Family, shots: Shot | None = None) -> None:
    """The cabinet's login (SPEC §10): IIN → SMS code → password (set at the first login)."""
    clock.advance(minutes=2)  # a new code to the same phone only a minute after the last one
    iin = page.locator("input[name='iin']")
    iin.fill(family.applicant_iin)
    form_of(iin).locator("[type='submit']").click()
    code = page.locator("input[name='code']")
    expect(code).to_be_visible()
    code.fill(last_code(family.phone))
    if shots:
        shots(page, "login-code")
    form_of(code).locator("[type='submit']").click()
    page.wait_for_url(re.compile(r"/cabinet/(password/|login/password/)$"))
    if page.url.endswith("/cabinet/password/"):
        page.fill("input[name='password']", PASSWORD)
        page.fill("input[name='password2']", PASSWORD)
        if shots:
            shots(page, "set-password")
    else:
        page.fill("input[name='password']", PASSWORD)
    form_of(page.locator("input[name='password']")).locator("[type='submit']").click()
    page.wait_for_url(re.compile(r"/cabinet/$"))


def claim(page: Page, clock: Clock, family: Family, number: int, group_code: str, shots: Shot | None = None) -> None:
    """On the claim page of a group: send the code to the first phone, enter it, and wait for the
    answer (the direction, or the refusal on the same page)."""
    clock.advance(minutes=2)
    send = page.locator(f"form[action='/cabinet/applications/{number}/seats/{group_code}/code/']")
    send.locator("[type='submit']").click()
    code = page.locator("input[name='code']")
    expect(code).to_be_visible()
    if shots:
        shots(page, "claim-code-sent")
    code.fill(last_code(family.phone))
    with page.expect_navigation():
        form_of(code).locator("[type='submit']").click()
