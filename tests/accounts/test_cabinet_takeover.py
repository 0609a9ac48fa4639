"""Issue 8, item 1: the cabinet takeover, played through the real pages, now ends in refusals.

The attack as it worked: apply at /cabinet/apply/ with two phones of one's own, the VICTIM's IIN as
the applicant and any valid invented child; then "forgot the password" with the victim's IIN sent
the code to the newest application's phone (the attacker's), and a new password replaced the
victim's device, ended her session, and let the attacker change her phone and withdraw.

Now a cabinet's phones are its own (those confirmed when it opened, changed only from inside it with
codes to the old and the new number); a new application naming an IIN that has a cabinet needs that
cabinet (logged in, or a code to its phone); a new cabinet opens only after the identity check.
"""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import time
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import Cabinet
from accounts.services import cabinet_for_filing, cabinet_open
from core.errors import Refusal
from core.iin import iin_build
from notifications.models import Message
from queues.models import Application, Locality
from queues.services import application_file
from tests.cabinet.conftest import codes_age, last_code, refusal_text

pytestmark = pytest.mark.django_db

VICTIM_IIN = iin_build(dt.date(1990, 5, 17), female=True, serial=1234)
VICTIM_PHONE, VICTIM_PHONE2 = "77011234567", "77017654321"
ATTACKER_PHONE, ATTACKER_PHONE2 = "77475550011", "77475550022"
NEW_IIN = iin_build(dt.date(1988, 8, 8), female=True, serial=4321)  # an applicant without a cabinet yet
PASSWORD = "Qazaqstan-2026!"
ATTACKER_CHILD = iin_build(dt.date(2022, 6, 1), serial=555)


class RejectingIdentityBackend:
    """The mobile-citizens register says no: the phone is not the IIN's."""

    def phone_belongs_to(self, *, iin: str, phone: str) -> bool:
        return False


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def temirtau(db) -> Locality:
    return Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")


@pytest.fixture
def victim_application(temirtau) -> Application:
    """The victim's real application, filed a month ago (her cabinet opened with it)."""
    return application_file(
        child_iin=iin_build(dt.date(2022, 3, 4), serial=77),
        locality_code="temirtau",
        applicant_iin=VICTIM_IIN,
        phone=VICTIM_PHONE,
        phone2=VICTIM_PHONE2,
        child_last_name="Омарова",
        child_first_name="Айгерим",
        now=timezone.now() - dt.timedelta(days=30),
    )


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def log_in(client: Client, capture, *, iin: str = VICTIM_IIN, phone: str = VICTIM_PHONE) -> None:
    with capture(execute=True):
        assert client.post("/cabinet/login/", {"iin": iin}).status_code == 302
    response = client.post("/cabinet/login/code/", {"code": last_code(phone)})
    if response.url == "/cabinet/password/":
        response = client.post("/cabinet/password/", {"password": PASSWORD, "password2": PASSWORD})
    else:
        response = client.post("/cabinet/login/password/", {"password": PASSWORD})
    assert response.status_code == 302 and response.url == "/cabinet/"
    codes_age()


def confirm_phones(client: Client, capture, phones: tuple[str, str] = (ATTACKER_PHONE, ATTACKER_PHONE2)) -> None:
    for slot, phone in zip(("1", "2"), phones, strict=True):
        with capture(execute=True):
            response = client.post("/cabinet/apply/phone/", {"slot": slot, f"p{slot}-phone": phone})
        assert response.status_code == 302
        assert client.post("/cabinet/apply/", {"slot": slot, f"c{slot}-code": last_code(phone), "confirm": "1"}).status_code == 302


def child_data(applicant_iin: str, child_iin: str = ATTACKER_CHILD) -> dict:
    return {
        "applicant_iin": applicant_iin,
        "applicant_last_name": "Омарова",
        "applicant_first_name": "Динара",
        "child_iin": child_iin,
        "child_last_name": "Омаров",
        "child_first_name": "Алихан",
        "birth_certificate": "I-КР 0123456",
        "locality": "temirtau",
        "address": "Темиртау, пр. Республики, 5, кв. 12",
    }


BENEFIT = {"benefit": "none", "benefit_category": "", "channel": "sms", "email": "", "language": "ru"}


def codes_to(*phones: str):
    return Message.objects.filter(event="code", recipient__in=phones)


def test_the_cabinet_takeover_ends_in_refusals(client, victim_application, capture):
    victim = english(Client())
    log_in(victim, capture)
    cabinet = Cabinet.objects.get(iin=VICTIM_IIN)
    device, password = cabinet.device_token_hash, cabinet.password
    attacker = client

    # 1. The attacker applies with two phones of their own, the victim's IIN and an invented child.
    confirm_phones(attacker, capture)
    response = attacker.post("/cabinet/apply/child/", child_data(VICTIM_IIN))
    assert response.status_code == 302 and response.url == "/cabinet/apply/cabinet/"
    page = attacker.get("/cabinet/apply/cabinet/").content.decode()
    assert refusal_text("cabinet_exists") in page
    assert "+7 701 *** ** 67" in page  # the only way on: a code to the victim's phone
    # Skipping the step leads back to it; the filing itself is refused the same way.
    assert attacker.get("/cabinet/apply/benefit/").url == "/cabinet/apply/cabinet/"
    assert attacker.post("/cabinet/apply/review/").url == "/cabinet/apply/cabinet/"
    with capture(execute=True):
        attacker.post("/cabinet/apply/cabinet/code/", {"to": "1"})
    assert codes_to(VICTIM_PHONE).filter(context__purpose="apply_cabinet").count() == 1
    guess = "000000" if last_code(VICTIM_PHONE) != "000000" else "111111"
    response = attacker.post("/cabinet/apply/cabinet/", {"code": guess})
    assert refusal_text("code_wrong") in response.content.decode()
    assert attacker.get("/cabinet/apply/review/").url == "/cabinet/apply/cabinet/"
    assert not Application.objects.filter(child_iin=ATTACKER_CHILD).exists()  # nothing was filed

    # 2. "Forgot the password" with the victim's IIN: the code goes to her cabinet's phone only.
    codes_age()
    with capture(execute=True):
        response = attacker.post("/cabinet/password/reset/", {"iin": VICTIM_IIN})
    assert response.status_code == 302 and response.url == "/cabinet/login/code/"
    assert codes_to(VICTIM_PHONE).filter(context__purpose="password_reset").count() == 1
    with capture(execute=True):  # "send a new code", to the cabinet's second phone
        attacker.post("/cabinet/login/code/", {"resend": "1", "to": "2"})
    assert codes_to(VICTIM_PHONE2).filter(context__purpose="password_reset").count() == 1
    # Not one code of the cabinet ever went to a phone the attacker typed.
    assert set(codes_to(ATTACKER_PHONE, ATTACKER_PHONE2).values_list("context__purpose", flat=True)) == {"apply_phone"}
    response = attacker.post("/cabinet/login/code/", {"code": "123456"})
    assert response.status_code == 200
    assert attacker.post("/cabinet/password/", {"password": "Attacker-Pass-99", "password2": "Attacker-Pass-99"}).url == "/cabinet/login/"

    # 3. The victim's password, device and session survive.
    cabinet.refresh_from_db()
    assert (cabinet.device_token_hash, cabinet.password) == (device, password)
    assert check_password(PASSWORD, cabinet.password)
    assert victim.get("/cabinet/").status_code == 200
    assert (cabinet.phone, cabinet.phone2) == (VICTIM_PHONE, VICTIM_PHONE2)

    # 4. The attacker cannot change her phone or withdraw her application.
    n = victim_application.number
    for url, data in (
        ("/cabinet/phone/code/", {"slot": "1", "phone": ATTACKER_PHONE}),
        ("/cabinet/phone/", {"code_old": "123456", "code_new": "123456"}),
        (f"/cabinet/applications/{n}/withdraw/code/", {"to": "1"}),
        (f"/cabinet/applications/{n}/withdraw/", {"code": "123456"}),
    ):
        response = attacker.post(url, data)
        assert response.status_code == 302 and response.url == "/cabinet/login/", url
    victim_application.refresh_from_db()
    assert victim_application.status == "queued"
    assert (victim_application.phone, victim_application.phone2) == (VICTIM_PHONE, VICTIM_PHONE2)


def test_a_later_application_with_other_phones_does_not_move_the_cabinets_codes(client, victim_application, capture):
    # Even one filed by staff for the same IIN: the cabinet keeps the phones it opened with.
    application_file(
        child_iin=ATTACKER_CHILD, locality_code="temirtau", applicant_iin=VICTIM_IIN, phone=ATTACKER_PHONE, phone2=ATTACKER_PHONE2, now=timezone.now()
    )
    with capture(execute=True):
        client.post("/cabinet/login/", {"iin": VICTIM_IIN})
    assert codes_to(VICTIM_PHONE).filter(context__purpose="login").count() == 1
    assert not codes_to(ATTACKER_PHONE, ATTACKER_PHONE2).exists()
    assert Cabinet.objects.get(iin=VICTIM_IIN).phone == VICTIM_PHONE


def test_a_new_cabinet_opens_with_the_wizards_phones(client, temirtau, capture):
    confirm_phones(client, capture)
    assert client.post("/cabinet/apply/child/", child_data(NEW_IIN)).url == "/cabinet/apply/benefit/"
    client.post("/cabinet/apply/benefit/", BENEFIT)
    with capture(execute=True):
        assert client.post("/cabinet/apply/review/").url == "/cabinet/apply/done/"
    cabinet = Cabinet.objects.get(iin=NEW_IIN)
    assert (cabinet.phone, cabinet.phone2) == (ATTACKER_PHONE, ATTACKER_PHONE2)


def test_the_identity_backend_refuses_a_phone_that_is_not_the_applicants(client, temirtau, capture, settings):
    settings.IDENTITY_BACKEND = "tests.accounts.test_cabinet_takeover.RejectingIdentityBackend"
    confirm_phones(client, capture)
    response = client.post("/cabinet/apply/child/", child_data(NEW_IIN))
    assert response.status_code == 200
    page = response.content.decode()
    anchor = page.index('name="applicant_iin"')
    assert refusal_text("identity_mismatch") in page[anchor - 1500 : anchor + 1500]
    assert client.get("/cabinet/apply/benefit/").url == "/cabinet/apply/child/"
    assert not Cabinet.objects.filter(iin=NEW_IIN).exists()


class CountingIdentityBackend:
    """Accepts, and counts the questions: each one is a call to the department's register."""

    asked = 0

    def phone_belongs_to(self, *, iin: str, phone: str) -> bool:
        CountingIdentityBackend.asked += 1
        return True


def test_the_filing_asks_the_identity_register_once(temirtau, settings):
    settings.IDENTITY_BACKEND = "tests.accounts.test_cabinet_takeover.CountingIdentityBackend"
    CountingIdentityBackend.asked = 0
    cabinet_for_filing(iin=NEW_IIN, phone=ATTACKER_PHONE, phone2=ATTACKER_PHONE2, logged_in=None, confirmed_cabinet_id=None, now=timezone.now())
    assert CountingIdentityBackend.asked == 1
    assert Cabinet.objects.filter(iin=NEW_IIN).exists()


def test_the_identity_check_is_asked_again_at_the_filing(client, temirtau, capture, settings):
    confirm_phones(client, capture)
    client.post("/cabinet/apply/child/", child_data(NEW_IIN))
    client.post("/cabinet/apply/benefit/", BENEFIT)
    settings.IDENTITY_BACKEND = "tests.accounts.test_cabinet_takeover.RejectingIdentityBackend"
    response = client.post("/cabinet/apply/review/")
    assert response.url == "/cabinet/apply/child/"
    assert refusal_text("identity_mismatch") in client.get("/cabinet/apply/child/").content.decode()
    assert not Cabinet.objects.filter(iin=NEW_IIN).exists() and not Application.objects.exists()


def test_of_two_wizards_for_one_new_cabinet_the_second_is_sent_to_prove_it(temirtau, capture):
    first, second = english(Client()), english(Client())
    confirm_phones(first, capture)
    confirm_phones(second, capture, phones=("77025550011", "77025550022"))
    for wizard, child in ((first, ATTACKER_CHILD), (second, iin_build(dt.date(2022, 7, 1), serial=556))):
        assert wizard.post("/cabinet/apply/child/", child_data(NEW_IIN, child_iin=child)).url == "/cabinet/apply/benefit/"
        wizard.post("/cabinet/apply/benefit/", BENEFIT)
    with capture(execute=True):
        assert first.post("/cabinet/apply/review/").url == "/cabinet/apply/done/"
        response = second.post("/cabinet/apply/review/")
    assert response.status_code == 302 and response.url == "/cabinet/apply/cabinet/"
    assert Application.objects.filter(applicant_iin=NEW_IIN).count() == 1
    assert Cabinet.objects.get(iin=NEW_IIN).phone == ATTACKER_PHONE  # the first wizard's


def test_opening_a_cabinet_that_exists_is_refused_not_an_error(temirtau):
    now = timezone.now()
    cabinet_open(iin=NEW_IIN, phone=ATTACKER_PHONE, phone2="", now=now)
    with pytest.raises(Refusal) as refused:
        cabinet_open(iin=NEW_IIN, phone="77025550011", phone2="", now=now)
    assert refused.value.code == "cabinet_exists"
    assert Cabinet.objects.get(iin=NEW_IIN).phone == ATTACKER_PHONE


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and several connections")
def test_two_filings_opening_one_cabinet_at_the_same_moment_one_is_refused(temirtau):
    """Two connections: the second finds no cabinet (the first has not committed), its INSERT waits
    for the first, then the unique IIN refuses it, cleanly."""
    now = timezone.now()
    inserted = threading.Event()
    outcome: dict[str, str] = {}

    def open_for(name: str, phone: str, wait: bool) -> None:
        try:
            if wait:
                inserted.wait(10)
            with transaction.atomic():
                cabinet_for_filing(iin=NEW_IIN, phone=phone, phone2="", logged_in=None, confirmed_cabinet_id=None, now=now)
                if not wait:
                    inserted.set()
                    time.sleep(0.5)  # hold the transaction while the other one tries
            outcome[name] = "opened"
        except Refusal as refusal:
            outcome[name] = refusal.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=open_for, args=("first", ATTACKER_PHONE, False)),
        threading.Thread(target=open_for, args=("second", "77025550011", True)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert outcome == {"first": "opened", "second": "cabinet_exists"}
    assert Cabinet.objects.get(iin=NEW_IIN).phone == ATTACKER_PHONE


def test_the_migration_gives_each_cabinet_the_phones_of_its_earliest_application(temirtau):
    """accounts/migrations/0003: the victim's own, earliest application decides, never the
    attacker's later one; an applicant without a cabinet gets one, opened at that filing."""
    migration = importlib.import_module("accounts.migrations.0003_cabinets_from_applications")
    month_ago = timezone.now() - dt.timedelta(days=30)

    def file(child_serial: int, iin: str, phone: str, phone2: str, at: dt.datetime) -> Application:
        child = iin_build(dt.date(2022, 3, 4), serial=child_serial)
        return application_file(child_iin=child, locality_code="temirtau", applicant_iin=iin, phone=phone, phone2=phone2, now=at)

    file(11, VICTIM_IIN, ATTACKER_PHONE, ATTACKER_PHONE2, month_ago + dt.timedelta(days=20))  # the attacker's, newest
    file(12, VICTIM_IIN, VICTIM_PHONE, VICTIM_PHONE2, month_ago)  # hers, the earliest
    earliest = file(13, NEW_IIN, "77025550011", "77025550022", month_ago + dt.timedelta(days=1))
    file(14, NEW_IIN, "77055550011", "", month_ago + dt.timedelta(days=2))
    application_file(child_iin=iin_build(dt.date(2022, 3, 4), serial=15), locality_code="temirtau", now=month_ago)  # no applicant: no cabinet
    # The state before the migration: her cabinet had no phones; the other applicant had no cabinet.
    Cabinet.objects.filter(iin=VICTIM_IIN).update(phone="", phone2="")
    Cabinet.objects.filter(iin=NEW_IIN).delete()

    # What the migration reads of its schema editor: the connection and the quoting (SQLite refuses
    # a real schema editor inside the test's transaction).
    migration.cabinets_from_applications(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))

    victim = Cabinet.objects.get(iin=VICTIM_IIN)
    assert (victim.phone, victim.phone2) == (VICTIM_PHONE, VICTIM_PHONE2)
    opened = Cabinet.objects.get(iin=NEW_IIN)
    assert (opened.phone, opened.phone2, opened.created_at) == ("77025550011", "77025550022", earliest.filed_at)
    assert Cabinet.objects.count() == 2
