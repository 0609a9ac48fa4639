"""Issue 10: a staff member and a kindergarten operator set up the second factor in Chromium — the
key read off the page into a "phone" (django_otp.oath.totp), the recovery codes shown once — and
on their next login pass it with a recovery code. Screenshots of the enrolment at 390 px go to
var/screens/ (not committed)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from placements.models import Kindergarten
from queues.models import Locality
from tests.browser.conftest import PHONE_SIZE

pytestmark = pytest.mark.browser

PASSWORD = "Staff-Password-2026"
SCREENS = Path(django_settings.BASE_DIR) / "var" / "screens"


@pytest.fixture
def accounts(transactional_db, settings):
    settings.STAFF_2FA = True
    User.objects.create_user("clerk-2fa", password=PASSWORD, is_staff=True)
    locality = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    kindergarten = Kindergarten.objects.create(code="arman", name="Ясли-сад №9 «Арман»", locality=locality)
    kindergarten.operators.add(User.objects.create_user("operator-2fa", password=PASSWORD))


@pytest.fixture
def phone(new_context, live_server):
    def open_page() -> Page:
        return new_context(viewport=PHONE_SIZE, base_url=live_server.url).new_page()

    return open_page


def _log_in(page: Page, login_url: str, username: str) -> None:
    page.goto(login_url)
    page.locator("input[name='username']").fill(username)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("main form [type='submit'], #login-form [type='submit']").first.click()


def _enrol(page: Page, shot: str) -> list[str]:
    """On the enrolment page: the "phone" takes the key typed off the page, its code confirms it."""
    expect(page).to_have_url(re.compile(r"/staff/2fa/enrol/"))
    expect(page.locator(".twofa-qr svg")).to_be_visible()
    code_input = page.locator("input[name='code']")
    assert code_input.get_attribute("autocomplete") == "one-time-code" and code_input.get_attribute("inputmode") == "numeric"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 390 px"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{shot}.png"), full_page=True)

    secret = page.locator("#twofa-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    code_input.fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    codes = page.locator(".twofa-codes code").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=str(SCREENS / f"{shot}-recovery-codes.png"), full_page=True)
    page.get_by_role("link", name="I saved them, continue").click()
    return codes


def _verify_with_recovery_code(page: Page, code: str) -> None:
    expect(page).to_have_url(re.compile(r"/staff/2fa/verify/"))
    page.get_by_label("Code from the app, or a recovery code").fill(code)
    page.get_by_role("button", name="Continue").click()


def test_staff_enrol_at_the_first_admin_login_and_use_a_recovery_code_at_the_next(accounts, phone):
    page = phone()
    _log_in(page, "/admin/login/?next=/admin/", "clerk-2fa")
    codes = _enrol(page, "twofa-enrol-staff-390")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#content-main")).to_be_visible()

    page.locator("#logout-form [type='submit']").click()
    _log_in(page, "/admin/login/?next=/admin/", "clerk-2fa")
    _verify_with_recovery_code(page, codes[0])
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#content-main")).to_be_visible()


def test_an_operator_enrols_at_the_first_login_and_uses_a_recovery_code_at_the_next(accounts, phone):
    page = phone()
    _log_in(page, "/operator/login/", "operator-2fa")
    codes = _enrol(page, "twofa-enrol-operator-390")
    expect(page).to_have_url(re.compile(r"/operator/$"))
    expect(page.get_by_role("heading", name="My kindergartens")).to_be_visible()

    page.locator("form[action='/operator/logout/'] [type='submit']").click()
    expect(page).to_have_url(re.compile(r"/operator/login/"))
    _log_in(page, "/operator/login/", "operator-2fa")
    _verify_with_recovery_code(page, codes[-1])
    expect(page).to_have_url(re.compile(r"/operator/$"))
    # The used code is spent: another login cannot use it again.
    page.locator("form[action='/operator/logout/'] [type='submit']").click()
    _log_in(page, "/operator/login/", "operator-2fa")
    _verify_with_recovery_code(page, codes[-1])
    expect(page.locator(".field__error")).to_contain_text("The code is not correct")
