"""Journey 1 (SPEC §3, §4, §10): a parent applies through the wizard on a phone — both phones
confirmed with the codes of their SMS — sees the application's number, logs in to the cabinet for
the first time (IIN → code → a new password) and finds the child's place in the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.iin import iin_build
from notifications.models import OutboxSms
from queues.models import Application
from tests.browser.conftest import APPLY_AT, BIRTH_DATE, PARENT_IIN, file_application
from tests.browser.flows import Family, application_number, apply_child, confirm_phone, log_in, submit

pytestmark = pytest.mark.browser

FAMILY = Family(phone="77051112233", phone2="77059998877", applicant_iin=PARENT_IIN, child_iin=iin_build(BIRTH_DATE, serial=4321))


def test_a_parent_applies_logs_in_and_sees_the_place_in_the_queue(world, clock, phone_page, shots):
    shot = shots("01-apply-and-position")
    # Already waiting: a child without a benefit (filed first) and one with a priority benefit.
    file_application(serial=11, filed_at=APPLY_AT - dt.timedelta(days=20))
    file_application(
        serial=22, benefit="priority", benefit_category="large_family", last_name="Сейтова", first_name="Аружан", filed_at=APPLY_AT - dt.timedelta(days=10)
    )

    page = phone_page()
    page.goto("/")
    expect(page.locator("h1")).to_be_visible()
    shot(page, "home")

    page.locator("main").get_by_role("link", name="Apply for a place").click()
    page.wait_for_url("**/cabinet/apply/")
    expect(page.get_by_role("heading", name="Apply for a kindergarten place")).to_be_visible()
    shot(page, "apply-phones")
    confirm_phone(page, clock, FAMILY, 1, shots=shot)
    expect(page.get_by_text("+7 705 *** ** 33 is confirmed.")).to_be_visible()
    shot(page, "apply-phone1-confirmed")
    confirm_phone(page, clock, FAMILY, 2)

    page.wait_for_url("**/cabinet/apply/child/")  # both phones confirmed: on to the next step
    apply_child(page, FAMILY, birth_date="04.03.2022")
    shot(page, "apply-child")
    submit(page, "/cabinet/apply/child/")

    page.wait_for_url("**/cabinet/apply/benefit/")
    expect(page.get_by_label("No benefit")).to_be_checked()
    shot(page, "apply-benefit")
    submit(page, "/cabinet/apply/benefit/")

    page.wait_for_url("**/cabinet/apply/review/")
    review = page.locator("main")
    for fact in ("+7 705 *** ** 33", "+7 705 *** ** 77", FAMILY.child_iin, "Омаров Алихан Ерланұлы", "04.03.2022", "Темиртау", FAMILY.address):
        expect(review).to_contain_text(fact)
    shot(page, "apply-review")
    page.get_by_role("button", name="Send the application").click()

    page.wait_for_url("**/cabinet/apply/done/")
    expect(page.get_by_role("heading", name="The application is registered")).to_be_visible()
    number = application_number(page)
    application = Application.objects.get(number=number)
    assert (application.child_iin, application.phone, application.phone2, application.filed_at) == (FAMILY.child_iin, FAMILY.phone, FAMILY.phone2, clock.at)
    assert OutboxSms.objects.filter(phone=FAMILY.phone, text__contains=str(number)).exists()  # "registered, No. …"
    shot(page, "apply-done")

    page.get_by_role("link", name="Log in to the personal cabinet").click()
    page.wait_for_url("**/cabinet/login/")
    shot(page, "login-iin")
    log_in(page, clock, FAMILY, shots=shot)

    card = page.locator(f"#application-{number}")
    expect(card).to_contain_text(f"Application No. {number}")
    expect(card).to_contain_text("in the queue")
    # SPEC §4: g1 (filed first), then us; the priority one comes after three general ones, or when they run out.
    expect(card).to_contain_text("Queue “general”: place 2 of 3")
    expect(card).to_contain_text("it is No. 2 among them, by filing time")
    expect(card).to_contain_text("applications without a benefit: 1")
    shot(page, "cabinet")
