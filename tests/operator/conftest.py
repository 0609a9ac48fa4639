"""Two kindergartens of Temirtau and their operators, built through the engine's services.

Timeline (Astana time):
- Thursday 02.05.2024 from 10:00: five children born 2022 apply, in this order: plain_a (no
  benefit), benefit_a (priority, large family, one PDF attached), plain_b, benefit_b (priority),
  waiting (no benefit).
- Sunday 02.06 12:00: «Арман» (A) releases 3 seats of its 2–3 Kazakh group for 2022, «Азамат» (B)
  2 seats of its 2–3 Russian group for 2022.
- Sunday 02.06 18:00: the bulletin publishes the 5 seats (open Monday 03.06 07:00, priority until
  Thursday 06.06 07:00) and grants the five children of the queue priority access.
- Monday 03.06 08:00: plain_a and benefit_a claim A's seats (directions issued / benefit_check),
  plain_b and benefit_b claim B's seats (issued / benefit_check). Valid until Monday 10.06 08:00.
- Monday 03.06 12:00: A releases 1 more seat, B releases 1 more (not published: no 18:00 run here).

So A's 2–3 group has 1 released, 1 priority and 2 claimed seats; B's group 1 released, 2 claimed.
The pages are looked at on Tuesday 04.06 12:00 (`clock`), in English.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from core.iin import iin_build
from core.once import form_token_issue
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.models import Direction, Group, Kindergarten, Seat
from placements.seats import seat_release
from queues.documents import benefit_document_attach
from queues.models import Application, BenefitDocument, Locality
from queues.services import application_file
from tests.factories import astana
from tests.numbers import numbers_restart

FILED_AT = astana(2024, 5, 2, 10)
RELEASED_AT = astana(2024, 6, 2, 12)
BULLETIN_AT = astana(2024, 6, 2, 18)
CLAIMED_AT = astana(2024, 6, 3, 8)
SECOND_RELEASE_AT = astana(2024, 6, 3, 12)
NOW = astana(2024, 6, 4, 12)  # Tuesday: the published seats are in priority access
AFTER_WINDOW = astana(2024, 6, 7, 12)  # Friday: past priority_until (Thursday 06.06 07:00)
PASSWORD = "Operator-Password-17"
PDF = b"%PDF-1.7\n" + b"0" * 100


@dataclass
class World:
    kindergarten_a: Kindergarten
    kindergarten_b: Kindergarten
    group_a: Group  # 2–3, Kazakh
    group_a_wide: Group  # 2–4, Russian, no seats
    group_b: Group
    operator_a: User
    operator_b: User
    applications: dict[str, Application] = field(default_factory=dict)
    directions: dict[str, Direction] = field(default_factory=dict)
    document: BenefitDocument | None = None

    def seats(self, group: Group, state: str) -> list[Seat]:
        return list(Seat.objects.filter(group=group, state=state).order_by("id"))


def _apply(label: str, serial: int, *, benefit: str = "none") -> Application:
    return application_file(
        child_iin=iin_build(dt.date(2022, 3, 4), serial=serial),
        locality_code="temirtau",
        benefit=benefit,
        benefit_category="large_family" if benefit != "none" else "",
        child_last_name=f"Фамилия-{label}",
        child_first_name="Алихан",
        now=FILED_AT + dt.timedelta(minutes=serial),
    )


@pytest.fixture
def world(db) -> Iterator[World]:
    numbers_restart()  # the pages show direction numbers from №1
    temirtau = Locality.objects.create(code="temirtau", name="Темиртау")
    arman = Kindergarten.objects.create(code="arman", name="Ясли-сад «Арман»", locality=temirtau)
    azamat = Kindergarten.objects.create(code="azamat", name="Ясли-сад «Азамат»", locality=temirtau)
    group_a = Group.objects.create(code="arman-2", kindergarten=arman, name="Балапан", age_from=2, age_to=3, language="kk", capacity=20)
    group_a_wide = Group.objects.create(code="arman-24", kindergarten=arman, name="Күншуақ", age_from=2, age_to=4, language="ru", capacity=25)
    group_b = Group.objects.create(code="azamat-2", kindergarten=azamat, name="Солнышко", age_from=2, age_to=3, language="ru", capacity=15)
    operator_a = User.objects.create_user("operator-arman", password=PASSWORD)
    operator_b = User.objects.create_user("operator-azamat", password=PASSWORD)
    arman.operators.add(operator_a)
    azamat.operators.add(operator_b)
    world = World(arman, azamat, group_a, group_a_wide, group_b, operator_a, operator_b)

    apps = world.applications
    apps["plain_a"] = _apply("plain_a", 10)
    apps["benefit_a"] = _apply("benefit_a", 20, benefit="priority")
    apps["plain_b"] = _apply("plain_b", 30)
    apps["benefit_b"] = _apply("benefit_b", 40, benefit="priority")
    apps["waiting"] = _apply("waiting", 50)
    world.document = benefit_document_attach(application=apps["benefit_a"], upload=SimpleUploadedFile("справка.pdf", PDF), now=FILED_AT)

    seat_release(group=group_a, birth_year=2022, count=3, now=RELEASED_AT, by=operator_a)
    seat_release(group=group_b, birth_year=2022, count=2, now=RELEASED_AT, by=operator_b)
    bulletin_publish(now=BULLETIN_AT)
    world.directions["issued_a"] = seat_claim(application=apps["plain_a"], group=group_a, now=CLAIMED_AT)
    world.directions["check_a"] = seat_claim(application=apps["benefit_a"], group=group_a, now=CLAIMED_AT)
    world.directions["issued_b"] = seat_claim(application=apps["plain_b"], group=group_b, now=CLAIMED_AT)
    world.directions["check_b"] = seat_claim(application=apps["benefit_b"], group=group_b, now=CLAIMED_AT)
    seat_release(group=group_a, birth_year=2022, count=1, now=SECOND_RELEASE_AT, by=operator_a)
    seat_release(group=group_b, birth_year=2022, count=1, now=SECOND_RELEASE_AT, by=operator_b)
    assert [d.status for d in world.directions.values()] == ["issued", "benefit_check", "issued", "benefit_check"]
    yield world
    world.document.file.delete(save=False)  # the private storage is a real folder


@pytest.fixture
def clock_start() -> dt.datetime:
    """The moment the operator pages are looked at; `clock` (tests/conftest.py) starts there."""
    return NOW


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def operator_a(world, clock, english):
    """A client logged in as the operator of «Арман»."""
    english.force_login(world.operator_a)
    return english


def body(response) -> str:
    return html.unescape(response.content.decode())


def form_token(client, page: str, action: str | None = None) -> str:
    """The one-time token (core/once.py) of the form posting to `action` on `page` (else its first), as the browser gets it."""
    html_text = body(client.get(page))
    start = html_text.index(f'action="{action}"') if action else 0
    return re.search(r'name="form_token" value="([^"]+)"', html_text[start:]).group(1)


def token_for(user: User, scope: str) -> str:
    """A valid token of a form the page does not show (the server's refusal is what is tested)."""
    request = RequestFactory().get("/")
    request.user = user
    return form_token_issue(request, scope=scope)
