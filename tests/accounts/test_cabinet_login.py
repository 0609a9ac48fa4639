"""SPEC §10 parent cabinet: IIN → SMS code to the cabinet's phone → password; one device; lockout;
blocks; own data only."""

import datetime as dt

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.utils import timezone

from accounts.models import Cabinet
from accounts.services import cabinet_block, cabinet_password_set
from audit.models import AuditRecord
from core.errors import Refusal
from core.iin import iin_build
from notifications.models import Message
from queues.services import application_file
from tests.accounts.conftest import PARENT_IIN, PARENT_PHONE, last_code

pytestmark = pytest.mark.django_db
PASSWORD = "Qazaqstan-2026!"


def _start(client, django_capture_on_commit_callbacks, purpose_url="/cabinet/login/"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(purpose_url, {"iin": PARENT_IIN})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.post("/cabinet/login/code/", {"code": last_code()})


def _first_login(client, django_capture_on_commit_callbacks):
    response = _start(client, django_capture_on_commit_callbacks)
    assert response.url == "/cabinet/password/"
    return client.post("/cabinet/password/", {"password": PASSWORD, "password2": PASSWORD})


def _login(client, django_capture_on_commit_callbacks, password=PASSWORD):
    response = _start(client, django_capture_on_commit_callbacks)
    assert response.url == "/cabinet/login/password/"
    return client.post("/cabinet/login/password/", {"password": password})


def _expire_resend_wait():
    # Codes are 60 s apart and 5 an hour: move the previous codes back in time instead of sleeping.
    from accounts.models import OneTimeCode

    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))


def test_first_login_sets_the_password_and_shows_only_own_applications(client, application, locality, django_capture_on_commit_callbacks):
    other = application_file(
        child_iin=iin_build(dt.date(2021, 7, 1), serial=55),
        locality_code="temirtau",
        applicant_iin=iin_build(dt.date(1985, 1, 1), serial=99),
        phone="77019998877",
        now=timezone.now(),
    )
    response = _first_login(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == "/cabinet/"
    page = client.get("/cabinet/").content.decode()
    assert f"No. {application.number}" in page or str(application.number) in page
    assert f"№{other.number}" not in page and f"No. {other.number}" not in page
    assert Cabinet.objects.get(iin=PARENT_IIN).password


def test_a_wrong_code_keeps_the_parent_on_the_code_step(client, application, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cabinet/login/", {"iin": PARENT_IIN})
    code = last_code()
    response = client.post("/cabinet/login/code/", {"code": "000000" if code != "000000" else "111111"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert "Код неверный" in response.content.decode() or "code is not correct" in response.content.decode()
    assert client.get("/cabinet/").status_code == 302


def test_an_iin_without_application_is_told_to_apply_first(client, locality):
    response = client.post("/cabinet/login/", {"iin": iin_build(dt.date(1980, 2, 2), serial=3)})
    assert response.status_code == 200
    assert "No application is registered" in response.content.decode() or "заявлени" in response.content.decode()


def test_five_wrong_passwords_lock_the_cabinet_for_fifteen_minutes(client, application, django_capture_on_commit_callbacks):
    _first_login(client, django_capture_on_commit_callbacks)
    client.post("/cabinet/logout/")
    for _ in range(5):
        _expire_resend_wait()
        response = _login(client, django_capture_on_commit_callbacks, password="wrong-password")
        assert response.status_code == 200
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    assert cabinet.locked_until is not None
    assert cabinet.locked_until - timezone.now() > dt.timedelta(minutes=14)
    _expire_resend_wait()
    response = _login(client, django_capture_on_commit_callbacks)  # even the right password now
    assert response.status_code == 200
    assert client.get("/cabinet/").status_code == 302
    assert AuditRecord.objects.filter(action="cabinet.login_failed").count() == 5


def test_a_login_from_a_new_device_ends_the_old_devices_session(application, django_capture_on_commit_callbacks):
    phone_a, phone_b = Client(), Client()
    _first_login(phone_a, django_capture_on_commit_callbacks)
    assert phone_a.get("/cabinet/").status_code == 200
    _expire_resend_wait()
    response = _login(phone_b, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert phone_b.get("/cabinet/").status_code == 200
    assert phone_a.get("/cabinet/").status_code == 302  # the old device was logged out
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    assert cabinet.device_last_used_at is not None
    assert phone_b.get("/cabinet/device/").status_code == 200


def test_a_blocked_parent_cannot_log_in_and_is_told_why_and_until_when(client, application, django_capture_on_commit_callbacks):
    _first_login(client, django_capture_on_commit_callbacks)
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    cabinet_block(cabinet=cabinet, reason="передача доступа посреднику", now=timezone.now())
    assert client.get("/cabinet/").status_code == 302  # the running session ends
    response = client.post("/cabinet/login/", {"iin": PARENT_IIN})
    text = response.content.decode()
    assert response.status_code == 200
    assert "передача доступа посреднику" in text
    assert timezone.localtime(Cabinet.objects.get().blocked_until).strftime("%d.%m.%Y") in text


def test_password_reset_by_sms(client, application, django_capture_on_commit_callbacks):
    _first_login(client, django_capture_on_commit_callbacks)
    client.post("/cabinet/logout/")
    _expire_resend_wait()
    response = _start(client, django_capture_on_commit_callbacks, purpose_url="/cabinet/password/reset/")
    assert response.url == "/cabinet/password/"
    new = "Another-Password-77"
    assert client.post("/cabinet/password/", {"password": new, "password2": new}).status_code == 302
    client.post("/cabinet/logout/")
    _expire_resend_wait()
    assert _login(client, django_capture_on_commit_callbacks, password=new).status_code == 302


def test_cabinet_pages_are_never_cached(client, application, django_capture_on_commit_callbacks):
    _first_login(client, django_capture_on_commit_callbacks)
    response = client.get("/cabinet/")
    assert "no-store" in response["Cache-Control"]


def test_every_page_carries_a_content_security_policy_without_inline_code(client, locality):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


def test_code_requests_are_rate_limited_per_family_not_per_address(client, application):
    statuses = [client.post("/cabinet/login/", {"iin": PARENT_IIN}, REMOTE_ADDR="10.9.9.9").status_code for _ in range(11)]
    assert statuses[-1] == 429
    # The same family from another address is still refused; another family at the same address is not.
    assert client.post("/cabinet/login/", {"iin": PARENT_IIN}, REMOTE_ADDR="10.9.9.10").status_code == 429
    other = iin_build(dt.date(1980, 1, 1), serial=4321)
    assert client.post("/cabinet/login/", {"iin": other}, REMOTE_ADDR="10.9.9.9").status_code != 429


def test_after_a_login_code_the_new_password_page_does_not_skip_the_password(client, application, django_capture_on_commit_callbacks):
    """Issue 8, item 9: the code alone (a phone in hand) neither replaces the password nor lifts a lockout."""
    _first_login(client, django_capture_on_commit_callbacks)
    client.post("/cabinet/logout/")
    for _ in range(5):
        _expire_resend_wait()
        _login(client, django_capture_on_commit_callbacks, password="wrong-password")
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    locked_until, password = cabinet.locked_until, cabinet.password
    assert locked_until is not None
    _expire_resend_wait()
    response = _start(client, django_capture_on_commit_callbacks)
    assert response.url == "/cabinet/login/password/"
    assert client.get("/cabinet/password/").url == "/cabinet/login/password/"
    response = client.post("/cabinet/password/", {"password": "Taken-Over-2026!", "password2": "Taken-Over-2026!"})
    assert response.status_code == 302 and response.url == "/cabinet/login/password/"
    cabinet.refresh_from_db()
    assert (cabinet.password, cabinet.locked_until) == (password, locked_until)
    assert client.get("/cabinet/").status_code == 302  # not logged in


def test_the_service_sets_a_password_without_the_old_one_only_on_reset_or_first_login(application):
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    cabinet_password_set(cabinet=cabinet, password=PASSWORD, purpose="login", now=timezone.now())
    with pytest.raises(Refusal) as refused:
        cabinet_password_set(cabinet=cabinet, password="Another-Password-77", purpose="login", now=timezone.now())
    assert refused.value.code == "password_already_set"
    cabinet_password_set(cabinet=cabinet, password="Another-Password-77", purpose="password_reset", now=timezone.now())
    cabinet.refresh_from_db()
    assert check_password("Another-Password-77", cabinet.password)


def test_a_login_never_creates_a_cabinet(client, locality, django_capture_on_commit_callbacks):
    iin = iin_build(dt.date(1980, 2, 2), serial=3)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cabinet/login/", {"iin": iin})
    assert not Cabinet.objects.exists()
    assert not Message.objects.filter(event="code").exists()


def test_the_filing_opens_the_cabinet_with_the_applications_phones(application):
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    assert (cabinet.phone, cabinet.phone2, cabinet.password) == (PARENT_PHONE, "", "")


def test_a_new_code_can_go_to_the_cabinets_second_phone(client, locality, django_capture_on_commit_callbacks):
    application_file(
        child_iin=iin_build(dt.date(2022, 3, 4), serial=77),
        locality_code="temirtau",
        applicant_iin=PARENT_IIN,
        phone=PARENT_PHONE,
        phone2="77017654321",
        now=timezone.now() - dt.timedelta(days=30),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cabinet/login/", {"iin": PARENT_IIN})
    page = client.get("/cabinet/login/code/").content.decode()
    assert "+7 701 *** ** 67" in page and "+7 701 *** ** 21" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cabinet/login/code/", {"resend": "1", "to": "2"})
    assert client.post("/cabinet/login/code/", {"code": last_code("77017654321")}).url == "/cabinet/password/"
