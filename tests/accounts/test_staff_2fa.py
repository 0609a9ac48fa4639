"""Issue 10: staff and operators pass a second factor (a TOTP app or a recovery code) before the admin
and the operator cabinet when STAFF_2FA is on; families never meet it."""

import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor_views
from audit.models import AuditRecord
from placements.models import Kindergarten
from queues.models import Locality
from tests.accounts.conftest import PARENT_IIN, last_code

pytestmark = pytest.mark.django_db
PASSWORD = "Right-Password-1"


@pytest.fixture
def staff_2fa(settings):
    settings.STAFF_2FA = True


@pytest.fixture
def clerk(db):
    return User.objects.create_user("clerk1", password=PASSWORD, is_staff=True)


@pytest.fixture
def operator(db):
    locality = Locality.objects.create(code="temirtau-2fa", name="Темиртау")
    kindergarten = Kindergarten.objects.create(code="arman", name="Ясли-сад «Арман»", locality=locality)
    user = User.objects.create_user("operator1", password=PASSWORD)
    kindergarten.operators.add(user)
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password=PASSWORD, email="root@indigo.local")


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the phone's app shows now (or `steps_ahead` 30-second steps later)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step, digits=device.digits):06d}"


def logged_in(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"  # the messages below are asserted in English
    client.force_login(user)
    return client


def enrolled_device(user: User, recovery: tuple[str, ...] = ()) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="INDIGO", confirmed=True)
    if recovery:
        static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
        for token in recovery:
            StaticToken.objects.create(device=static, token=token)
    return device


def verified(user: User) -> Client:
    device = enrolled_device(user)
    client = logged_in(user)
    response = client.post("/staff/2fa/verify/", {"code": app_code(device), "next": "/admin/"})
    assert response.status_code == 302, response.content.decode()[:1000]
    return client


def actions(name: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=name).order_by("pk"))


# --- who is asked, where -------------------------------------------------------------------------


def test_the_admin_sends_staff_without_an_app_to_enrolment_keeping_where_they_were_going(staff_2fa, clerk):
    client = logged_in(clerk)
    response = client.get("/admin/queues/application/?q=1")
    assert response.status_code == 302 and response.url == "/staff/2fa/?next=%2Fadmin%2Fqueues%2Fapplication%2F%3Fq%3D1"
    response = client.get(response.url)
    assert response.url == "/staff/2fa/enrol/?next=%2Fadmin%2Fqueues%2Fapplication%2F%3Fq%3D1"


def test_the_operator_cabinet_sends_operators_to_the_second_factor(staff_2fa, operator):
    client = logged_in(operator)
    for page in ("/operator/", "/operator/kindergartens/arman/seats/"):
        response = client.get(page)
        assert response.status_code == 302 and response.url.startswith("/staff/2fa/?next=")
    enrolled_device(operator)
    assert client.get("/staff/2fa/?next=/operator/").url == "/staff/2fa/verify/?next=%2Foperator%2F"


def test_login_and_logout_pages_stay_open_before_the_second_factor(staff_2fa, clerk):
    client = logged_in(clerk)
    assert client.get("/admin/jsi18n/").status_code == 200
    assert client.post("/admin/logout/").status_code == 200
    assert Client().get("/operator/login/").status_code == 200


def test_with_staff_2fa_off_nobody_is_asked(settings, clerk, operator):
    settings.STAFF_2FA = False
    assert logged_in(clerk).get("/admin/").status_code == 200
    assert logged_in(operator).get("/operator/").status_code == 200


def test_a_family_in_its_cabinet_is_never_asked(staff_2fa, client, application, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cabinet/login/", {"iin": PARENT_IIN})
    client.post("/cabinet/login/code/", {"code": last_code()})
    response = client.post("/cabinet/password/", {"password": "Qazaqstan-2026!", "password2": "Qazaqstan-2026!"})
    assert response.status_code == 302 and response.url == "/cabinet/"
    assert client.get("/cabinet/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_an_anonymous_visitor_of_the_second_factor_page_is_sent_to_the_login(staff_2fa):
    response = Client().get("/staff/2fa/?next=/operator/")
    assert response.status_code == 302 and response.url.startswith("/operator/login/?next=")
    assert Client().get("/staff/2fa/enrol/").url.startswith("/admin/login/?next=")


# --- enrolment -----------------------------------------------------------------------------------


def test_enrolment_shows_the_qr_code_and_the_key_and_confirms_with_the_apps_code(staff_2fa, clerk):
    client = logged_in(clerk)
    page = client.get("/staff/2fa/enrol/?next=/admin/").content.decode()
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    assert "<svg" in page and 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert client.get("/staff/2fa/enrol/").status_code == 200 and TOTPDevice.objects.filter(user=clerk).count() == 1  # a reload: same key
    secret = re.search(r'id="twofa-secret">([A-Z2-7 ]+)<', page).group(1)
    assert secret.replace(" ", "") == twofactor_views.twofactor.secret_groups(device).replace(" ", "")

    response = client.post("/staff/2fa/enrol/", {"code": app_code(device), "next": "/admin/"})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    assert client.get("/admin/").status_code == 200  # this session passed the second factor
    [record] = actions("staff_2fa.enrol")
    assert record.object_id == str(clerk.pk) and record.actor == "clerk1"
    assert not any(code in json.dumps(record.details) for code in codes)
    assert device.key not in json.dumps(record.details)


def test_a_wrong_code_does_not_confirm_the_app(staff_2fa, clerk):
    client = logged_in(clerk)
    client.get("/staff/2fa/enrol/")
    device = TOTPDevice.objects.get(user=clerk)
    wrong = f"{(int(app_code(device)) + 1) % 10**6:06d}"
    response = client.post("/staff/2fa/enrol/", {"code": wrong, "next": "/admin/"})
    assert response.status_code == 200 and "The code is not correct" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    assert client.get("/admin/").status_code == 302


def test_staff_with_an_app_cannot_enrol_another_one_without_it(staff_2fa, clerk):
    enrolled_device(clerk)
    client = logged_in(clerk)
    assert client.get("/staff/2fa/enrol/?next=/admin/").url == "/staff/2fa/verify/?next=%2Fadmin%2F"
    assert TOTPDevice.objects.filter(user=clerk).count() == 1


# --- verification --------------------------------------------------------------------------------


def test_the_apps_code_lets_staff_into_the_admin_for_this_session(staff_2fa, clerk):
    device = enrolled_device(clerk)
    client = logged_in(clerk)
    response = client.post("/staff/2fa/verify/", {"code": app_code(device), "next": "/admin/queues/application/"})
    assert response.status_code == 302 and response.url == "/admin/queues/application/"
    assert client.get("/admin/").status_code == 200
    assert actions("staff_2fa.verify")
    assert logged_in(clerk).get("/admin/").status_code == 302  # another session is asked again


def test_the_same_app_code_does_not_work_twice(staff_2fa, clerk):
    device = enrolled_device(clerk)
    code = app_code(device)
    assert logged_in(clerk).post("/staff/2fa/verify/", {"code": code}).status_code == 302
    response = logged_in(clerk).post("/staff/2fa/verify/", {"code": code})
    assert response.status_code == 200 and "The code is not correct" in response.content.decode()


def test_a_recovery_code_works_once(staff_2fa, operator):
    enrolled_device(operator, recovery=("abcd2345", "efgh2345"))
    client = logged_in(operator)
    response = client.post("/staff/2fa/verify/", {"code": "ABCD 2345", "next": "/operator/"})
    assert response.status_code == 302 and response.url == "/operator/"
    assert client.get("/operator/").status_code == 200
    [record] = actions("staff_2fa.recovery_used")
    assert record.details == {"left": 1}

    again = logged_in(operator).post("/staff/2fa/verify/", {"code": "abcd2345", "next": "/operator/"})
    assert again.status_code == 200 and "The code is not correct" in again.content.decode()


def test_wrong_codes_are_throttled_with_the_time_to_wait_and_audited_in_bursts(staff_2fa, clerk):
    device = enrolled_device(clerk)
    client = logged_in(clerk)
    for _ in range(3):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # no waiting between tries
        client.post("/staff/2fa/verify/", {"code": "000000" if app_code(device) != "000000" else "111111"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    [burst] = actions("staff_2fa.failures")
    assert burst.details["failures"] == 3 and burst.details["method"] == "totp" and burst.details["locked_until"]
    response = client.post("/staff/2fa/verify/", {"code": app_code(device)})  # right, but during the wait
    text = response.content.decode()
    assert "Too many wrong codes. You can try again after" in text and re.search(r"\d\d:\d\d:\d\d", text)
    assert client.get("/admin/").status_code == 302


def test_code_checks_are_rate_limited_per_account(staff_2fa, clerk, monkeypatch):
    monkeypatch.setattr(twofactor_views, "CODE_CHECK_LIMIT", 3)
    enrolled_device(clerk)
    client = logged_in(clerk)
    statuses = [client.post("/staff/2fa/verify/", {"code": "zzzzzzzz"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_next_never_leads_off_the_site(staff_2fa, clerk):
    device = enrolled_device(clerk)
    response = logged_in(clerk).post("/staff/2fa/verify/", {"code": app_code(device), "next": "https://evil.example/admin/"})
    assert response.url == "/admin/"


# --- recovery codes and the superuser's reset -----------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(staff_2fa, clerk):
    client = verified(clerk)
    assert "/staff/2fa/recovery-codes/?next=/admin/" in client.get("/admin/").content.decode()  # the admin's index links to it
    StaticDevice.objects.filter(user=clerk).delete()
    StaticToken.objects.create(device=StaticDevice.objects.create(user=clerk, name="recovery", confirmed=True), token="oldoldol")
    assert "1 unused recovery code" in client.get("/staff/2fa/recovery-codes/").content.decode()
    response = client.post("/staff/2fa/recovery-codes/", {"next": "/admin/"})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token="oldoldol").exists()
    assert actions("staff_2fa.recovery_regenerate")


def test_recovery_codes_page_asks_for_the_second_factor_first(staff_2fa, clerk):
    enrolled_device(clerk)
    response = logged_in(clerk).post("/staff/2fa/recovery-codes/")
    assert response.status_code == 302 and response.url.startswith("/staff/2fa/verify/")
    assert not StaticDevice.objects.exists()


def test_a_superuser_resets_a_lost_phone_and_the_staff_member_enrols_again(staff_2fa, clerk, superuser):
    clerk_client = verified(clerk)
    admin_client = verified(superuser)
    assert clerk_client.get("/admin/").status_code == 200
    response = admin_client.post("/admin/auth/user/", {"action": "second_factor_reset", "_selected_action": [clerk.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=clerk).exists() and not StaticDevice.objects.filter(user=clerk).exists()
    [record] = actions("staff_2fa.reset")
    assert record.object_id == str(clerk.pk) and record.actor == "root" and record.details == {"devices": 1}
    # The session verified with the lost phone is verified no more: enrol again.
    response = clerk_client.get("/admin/")
    assert response.status_code == 302
    assert clerk_client.get(response.url).url.startswith("/staff/2fa/enrol/")


def test_only_a_superuser_may_reset_the_second_factor(staff_2fa, clerk):
    other = User.objects.create_user("clerk2", password=PASSWORD, is_staff=True)
    enrolled_device(other)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client = verified(clerk)
    response = client.get("/admin/auth/user/")
    assert response.status_code == 200 and "second_factor_reset" not in response.content.decode()
    client.post("/admin/auth/user/", {"action": "second_factor_reset", "_selected_action": [other.pk]})
    assert TOTPDevice.objects.filter(user=other).exists()


def test_the_devices_keys_are_not_in_the_admin(staff_2fa, superuser):
    client = verified(superuser)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
