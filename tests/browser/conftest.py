"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

The browser is the system's (`/usr/bin/chromium`), never one Playwright downloads: without it the
whole folder is skipped, so `make test` passes on a machine without Chromium.

Time: the live server runs in this process, so the pages read `timezone.now()` from the `clock`
fixture (a fixed Astana moment the test moves). Setup and "the 18:00 job runs" go through the
services with explicit moments; everything a family or an operator does is a click.

Timeline (Astana time; hand-computed with SPEC §2, no holiday in these weeks):
- Thursday 30.05.2024 10:00: the family applies (children born 04.03.2022, E = 2023).
- Monday 03.06 10:00: the kindergarten releases a seat of its 2–3 group for 2022 (E = 2024: 2024 − 2022 = 2).
- Monday 03.06 18:00: the bulletin publishes it: open Tuesday 04.06 07:00, priority until
  add_working_days(04.06 07:00, 3) = Friday 07.06 07:00.
- Tuesday 04.06 09:00: a direction taken then is valid until add_working_days(…, 5) = Tuesday 11.06 09:00.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from core.iin import iin_build
from notifications.models import OutboxSms
from placements.models import Group, Kindergarten
from queues.models import Application, Locality
from queues.services import application_file
from tests.browser.axe import check_axe
from tests.factories import astana

CHROMIUM = shutil.which("chromium")
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent / "artifacts" / "browser"
PHONE_SIZE = {"width": 390, "height": 844}
DESKTOP_SIZE = {"width": 1280, "height": 900}

APPLY_AT = astana(2024, 5, 30, 10)  # Thursday
RELEASE_AT = astana(2024, 6, 3, 10)  # Monday
BULLETIN_AT = astana(2024, 6, 3, 18)  # Monday 18:00
CLAIM_AT = astana(2024, 6, 4, 9)  # Tuesday, inside the priority window
PRIORITY_UNTIL = astana(2024, 6, 7, 7)  # Friday 07:00

BIRTH_DATE = dt.date(2022, 3, 4)
PARENT_IIN = iin_build(dt.date(1990, 5, 17), female=True, serial=1234)
PASSWORD = "Qazaqstan-2026!"
OPERATOR_PASSWORD = "Operator-Password-17"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """No Chromium: every journey is skipped at collection (a conftest-level skip would crash
    `pytest tests/browser`, where this file is loaded before collection)."""
    if CHROMIUM is not None:
        return
    skip = pytest.mark.skip(reason="Debian's Chromium is not installed (apt-get install chromium)")
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _async_unsafe_allowed() -> Iterator[None]:
    """Playwright's sync API runs an event loop in the test thread, from the first journey to the end
    of the session; Django refuses ORM calls there otherwise. Allowed from the first browser journey
    on (autouse: before Playwright and the database fixtures start), and the journeys run last
    (tests/conftest.py), so no other test runs with it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    return {
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args() -> dict:
    # English unless a journey switches the language with the header's switcher.
    return {"locale": "en-US", "timezone_id": "Asia/Almaty"}


@pytest.fixture
def clock_start() -> dt.datetime:
    """The moment the journeys start at; `clock` (tests/conftest.py) starts there."""
    return APPLY_AT


def last_code(phone: str) -> str:
    """The 6-digit code of the latest SMS to `phone` (digits only, 77011234567)."""
    sms = OutboxSms.objects.filter(phone=phone).order_by("-id").first()
    assert sms is not None, f"no SMS was sent to {phone}"
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


class Shots:
    """Screenshots of a journey's key pages: tests/artifacts/browser/<journey>/NN-name.png.

    Every page a journey photographs is also checked by axe-core (tests/browser/axe.py, issue 11):
    a serious or critical accessibility violation fails the journey."""

    def __init__(self, journey: str) -> None:
        self.journey = journey
        self.folder = ARTIFACTS / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)
        check_axe(page, f"{self.journey}/{name} ({page.url})")


@pytest.fixture
def shots() -> Callable[[str], Shots]:
    return Shots


@pytest.fixture
def phone_page(new_context, live_server):
    """A fresh browser (its own cookies) at a phone's size."""

    def open_page():
        return new_context(viewport=PHONE_SIZE, base_url=live_server.url).new_page()

    return open_page


@pytest.fixture
def desktop_page(new_context, live_server):
    def open_page():
        return new_context(viewport=DESKTOP_SIZE, base_url=live_server.url).new_page()

    return open_page


@dataclass
class World:
    locality: Locality
    kindergarten: Kindergarten
    group: Group
    operator: User


@pytest.fixture
def world(transactional_db, clock) -> World:
    """Temirtau, its kindergarten «Арман» with a 2–3 Kazakh group, and the kindergarten's operator."""
    temirtau = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    arman = Kindergarten.objects.create(code="arman", name="Ясли-сад №9 «Арман»", name_kk="№9 «Арман» бөбекжайы", locality=temirtau, address="ул. Мира, 12")
    group = Group.objects.create(code="arman-2", kindergarten=arman, name="Балапан", age_from=2, age_to=3, language="kk", capacity=20)
    operator = User.objects.create_user("operator-arman", password=OPERATOR_PASSWORD)
    arman.operators.add(operator)
    return World(temirtau, arman, group, operator)


def file_application(*, serial: int, filed_at: dt.datetime = APPLY_AT, last_name: str = "Омаров", first_name: str = "Алихан", **extra: object) -> Application:
    """An application filed through the service (setup, not the journey under test)."""
    return application_file(
        child_iin=iin_build(BIRTH_DATE, serial=serial),
        locality_code="temirtau",
        child_last_name=last_name,
        child_first_name=first_name,
        language="kk",
        now=filed_at,
        **extra,
    )
