"""Issue 11, item 6, in Chromium and in Kazakh: a clerk files a walk-in application in the admin;
the parent reads out the codes sent to her two phones; the application page then shows its history.
At a phone's width (390 px) and a desktop's (1280 px)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from core.calendar import local
from core.iin import iin_build
from queues.models import Application, Locality
from tests.browser.conftest import DESKTOP_SIZE, PHONE_SIZE, last_code

pytestmark = pytest.mark.browser

PHONE, PHONE2 = "77011112233", "77024445566"
PARENT_IIN = iin_build(dt.date(1991, 4, 12), female=True, serial=2345)


@pytest.mark.parametrize("viewport", [PHONE_SIZE, DESKTOP_SIZE], ids=["390px", "1280px"])
def test_a_clerk_files_a_walk_in_application_in_kazakh(transactional_db, live_server, new_context, settings, shots, viewport):
    settings.STAFF_2FA = False  # the second factor has its own tests (accounts/twofactor.py)
    Locality.objects.create(code="karaganda", name="Караганда", name_kk="Қарағанды")
    clerk = User.objects.create_user("aigul", password="Long-Password-1", is_staff=True)
    clerk.groups.add(Group.objects.get(name="clerk"))
    today = local(timezone.now()).date()
    child_iin = iin_build(today.replace(year=today.year - 2, day=1), serial=404)
    session = Client()
    session.force_login(clerk)
    host = live_server.url.split("//")[1].split(":")[0]
    context = new_context(viewport=viewport, base_url=live_server.url)
    context.add_cookies(
        [
            {"name": django_settings.SESSION_COOKIE_NAME, "value": session.cookies[django_settings.SESSION_COOKIE_NAME].value, "domain": host, "path": "/"},
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "kk", "domain": host, "path": "/"},
        ]
    )
    page = context.new_page()
    shot = shots(f"desk-filing-{viewport['width']}")

    page.goto("/admin/queues/application/")
    assert page.locator("html").get_attribute("lang") == "kk"
    page.locator('a[href="/admin/queues/application/desk/"]').click()
    for name, value in {
        "child_iin": child_iin,
        "child_last_name": "Сейтқали",
        "child_first_name": "Әлихан",
        "applicant_iin": PARENT_IIN,
        "applicant_last_name": "Сейтқали",
        "applicant_first_name": "Гүлнар",
        "phone": "+7 701 111 22 33",
        "phone2": "+7 702 444 55 66",
    }.items():
        page.fill(f'[name="{name}"]', value)
    page.select_option('[name="locality"]', "karaganda")
    shot(page, "form")
    page.locator('#desk-filing input[type="submit"]').click()

    page.wait_for_url("**/desk/codes/")
    assert "+7 701 *** ** 33" in page.content()
    page.fill('[name="code_0"]', last_code(PHONE))
    page.fill('[name="code_1"]', last_code(PHONE2))
    shot(page, "codes")
    page.locator('input[name="file"]').click()

    application = Application.objects.get(child_iin=child_iin)
    page.wait_for_url(f"**/admin/queues/application/{application.pk}/change/")
    assert page.locator("#timeline tbody tr").count() >= 2  # filed, and filed at the desk
    assert (application.applicant_iin, application.phone, application.phone2) == (PARENT_IIN, PHONE, PHONE2)
    shot(page, "application")
    context.close()
