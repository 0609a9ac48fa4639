"""The parent cabinet through its pages: a fixed Astana clock, real services, codes from the outbox.

Timeline (tests/factories.py, the SPEC §11 week): applications filed on Thursday 02.05.2024; seats
of «Арман»'s 2–3 Kazakh group released on Sunday 02.06 12:00, published at 18:00, open on Monday
03.06 07:00 and priority seats until Thursday 06.06 07:00.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import F
from django.utils import translation
from django.utils.html import escape

from accounts.models import OneTimeCode
from core.errors import Refusal
from core.iin import iin_build
from notifications.models import OutboxSms
from placements.models import Group, Kindergarten
from queues.models import Application, Locality
from queues.services import application_file
from tests.factories import FILED_AT, astana

PARENT_IIN = iin_build(dt.date(1990, 5, 17), female=True, serial=1234)
OTHER_IIN = iin_build(dt.date(1985, 1, 1), serial=99)
PHONE = "77011234567"
PHONE2 = "77017654321"
OTHER_PHONE = "77019998877"
PASSWORD = "Qazaqstan-2026!"
DURING = astana(2024, 6, 4, 12)  # Tuesday: the 02.06 seats are in priority access
AFTER = astana(2024, 6, 6, 7, 1)  # Thursday, just past priority_until: the seats are general


@pytest.fixture
def clock_start() -> dt.datetime:
    """The moment the cabinet pages are looked at; `clock` (tests/conftest.py) starts there."""
    return astana(2024, 5, 20, 12)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _english(client):
    """The pages in English unless a test chooses Kazakh or Russian (the language cookie)."""
    client.cookies["django_language"] = "en"


def refusal_text(code: str, language: str = "en") -> str:
    """A refusal's message as a page in that language shows it (HTML-escaped)."""
    with translation.override(language):
        return escape(str(Refusal(code).message))


def last_code(phone: str = PHONE) -> str:
    sms = OutboxSms.objects.filter(phone=phone).order_by("-id").first()
    assert sms is not None, "no SMS was sent to the phone"
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


def codes_age() -> None:
    """Codes are 60 s apart and 5 an hour per phone: move the previous ones back instead of waiting."""
    OneTimeCode.objects.update(created_at=F("created_at") - dt.timedelta(minutes=61))


def login(client, capture, *, iin: str = PARENT_IIN, phone: str = PHONE) -> None:
    """The real login (SPEC §10): IIN → SMS code → password (set at the first login)."""
    with capture(execute=True):
        response = client.post("/cabinet/login/", {"iin": iin})
    assert response.status_code == 302, response.content.decode()[:1500]
    response = client.post("/cabinet/login/code/", {"code": last_code(phone)})
    assert response.status_code == 302
    if response.url == "/cabinet/password/":
        response = client.post("/cabinet/password/", {"password": PASSWORD, "password2": PASSWORD})
    else:
        response = client.post("/cabinet/login/password/", {"password": PASSWORD})
    assert response.status_code == 302 and response.url == "/cabinet/"
    codes_age()


def confirm_with_code(client, capture, *, page: str, phone: str = PHONE, data: dict | None = None):
    """Ask for the code (`page` + "code/"), then post it to the action's own `page`."""
    with capture(execute=True):
        response = client.post(page + "code/", data if data is not None else {"to": "1"})
    assert response.status_code == 302, response.content.decode()[:1500]
    with capture(execute=True):
        return client.post(page, {"code": last_code(phone)})


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the SMS tasks) of the requests inside `with capture(execute=True)`."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def temirtau(db) -> Locality:
    return Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")


@pytest.fixture
def arman(temirtau) -> Group:
    kindergarten = Kindergarten.objects.create(
        code="arman", name="Ясли-сад №9 «Арман»", name_kk="№9 «Арман» бөбекжайы", locality=temirtau, address="ул. Мира, 12"
    )
    return Group.objects.create(code="arman-2", kindergarten=kindergarten, name="Балапан", age_from=2, age_to=3, language="kk")


def file_application(*, locality: Locality, applicant_iin: str, phone: str, serial: int, filed_at: dt.datetime = FILED_AT, **kwargs) -> Application:
    return application_file(
        child_iin=iin_build(dt.date(2022, 3, 4), serial=serial),
        locality_code=locality.code,
        applicant_iin=applicant_iin,
        phone=phone,
        phone2=kwargs.pop("phone2", ""),
        child_last_name=kwargs.pop("child_last_name", "Омарова"),
        child_first_name=kwargs.pop("child_first_name", "Айгерим"),
        now=filed_at,
        **kwargs,
    )


@pytest.fixture
def parent_application(temirtau) -> Application:
    return file_application(locality=temirtau, applicant_iin=PARENT_IIN, phone=PHONE, phone2=PHONE2, serial=77)


@pytest.fixture
def other_application(temirtau) -> Application:
    return file_application(
        locality=temirtau,
        applicant_iin=OTHER_IIN,
        phone=OTHER_PHONE,
        serial=88,
        child_last_name="Секретова",
        child_first_name="Жанна",
        filed_at=FILED_AT - dt.timedelta(days=1),
    )
