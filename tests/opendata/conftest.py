"""A small portal built through the engine's services, and a clock for the public pages.

Timeline (Astana time, the SPEC §11 week):
- Thursday 02.05.2024 from 10:00: the SPEC §4 example queue of Temirtau, children born 2022, filed
  in the order g1 p1 g2 e1 g3 p2 g4 p3 g5 (one a minute); then t21 (Temirtau, born 2021), k1
  (Karaganda, born 2022, priority) and k3 (Karaganda, born 2023).
- Sunday 02.06 12:00: «Арман» releases 2 seats of its 2–3 Kazakh group for 2022 and 1 seat of its
  3–4 Kazakh group for 2021; «Азамат» (Karaganda) 2 seats of its 2–3 Russian group for 2022.
- Sunday 02.06 18:00: the bulletin publishes the 5 seats: open Monday 03.06 07:00, priority until
  Thursday 06.06 07:00. Grants: e1 and g1 (Temirtau 2022), t21 (Temirtau 2021), k1 (Karaganda 2022).
- Monday 03.06: 08:00 t21 takes the 3–4 seat (direction №1, issued); 09:00 k1 takes an «Азамат»
  seat (direction №2, benefit check, valid until Monday 10.06 09:00); 10:00 «Азамат» withdraws
  its other seat.

The pages are looked at on Tuesday 04.06 12:00 (DURING the priority window) unless a test moves
the clock (`clock.set(...)`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.test import Client

from core.iin import iin_build
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.models import Direction, Group, Kindergarten, Seat
from placements.seats import seat_release, seat_withdraw
from queues.models import Application, Locality
from queues.services import application_file
from tests.factories import astana

FILED_AT = astana(2024, 5, 2, 10)
RELEASED_AT = astana(2024, 6, 2, 12)
BULLETIN_AT = astana(2024, 6, 2, 18)
DURING = astana(2024, 6, 4, 12)  # Tuesday: the 02.06 seats are in priority access
AFTER = astana(2024, 6, 7, 12)  # Friday: past priority_until (Thursday 06.06 07:00)

# The SPEC §4 example, in filing order: label, benefit, child's surname and first name.
EXAMPLE = [
    ("g1", "none", "Жумабаев", "Нурлан"),
    ("p1", "priority", "Оспанова", "Айгерим"),
    ("g2", "none", "Серикова", "Жасмин"),
    ("e1", "extraordinary", "Тлеубаев", "Ержан"),
    ("g3", "none", "Мухамеджанова", "Алия"),
    ("p2", "priority", "Касымов", "Тимур"),
    ("g4", "none", "Исаева", "Камила"),
    ("p3", "priority", "Абенов", "Руслан"),
    ("g5", "none", "Смагулова", "Жанель"),
]
SPEC_ORDER = ["e1", "g1", "g2", "g3", "p1", "g4", "g5", "p2", "p3"]
CATEGORY = {"none": "", "priority": "large_family", "extraordinary": "military"}

# What must never appear on a public page or in a download (SPEC §8).
CHILD_MIDDLE_NAME = "Болатұлы"
APPLICANT = {"applicant_last_name": "Аманжолов", "applicant_first_name": "Ерболат", "applicant_middle_name": "Серікұлы"}


@dataclass
class World:
    temirtau: Locality
    karaganda: Locality
    arman: Kindergarten
    azamat: Kindergarten
    arman_2: Group
    arman_3: Group
    azamat_2: Group
    apps: dict[str, Application] = field(default_factory=dict)
    directions: dict[str, Direction] = field(default_factory=dict)
    withdrawn_seat: Seat | None = None
    secrets: list[str] = field(default_factory=list)

    def masked(self, label: str) -> str:
        return self.apps[label].child_name_masked


def _file(world: World, label: str, *, locality: Locality, birth_date: dt.date, benefit: str, last: str, first: str, now: dt.datetime, serial: int):
    child_iin = iin_build(birth_date, serial=serial)
    applicant_iin = iin_build(dt.date(1990, 1, 1) + dt.timedelta(days=serial), serial=serial)
    phone, phone2 = f"+7701555{serial:04d}", f"+7702666{serial:04d}"
    address = f"ул. Потаённая, дом {serial}, кв. {serial + 7}"
    application = application_file(
        child_iin=child_iin,
        locality_code=locality.code,
        now=now,
        benefit=benefit,
        benefit_category=CATEGORY[benefit],
        birth_date=birth_date,
        child_last_name=last,
        child_first_name=first,
        child_middle_name=CHILD_MIDDLE_NAME,
        applicant_iin=applicant_iin,
        phone=phone,
        phone2=phone2,
        email=f"parent{serial}@example.kz",
        address=address,
        **APPLICANT,
    )
    world.apps[label] = application
    world.secrets += [
        child_iin,
        applicant_iin,
        phone,
        phone2,
        address,
        f"parent{serial}@example.kz",
        last,
        first,
        f"{birth_date:%d.%m.%Y}",
        birth_date.isoformat(),
    ]
    return application


def build_world() -> World:
    temirtau = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    karaganda = Locality.objects.create(code="karaganda", name="Караганда", name_kk="Қарағанды")
    arman = Kindergarten.objects.create(
        code="arman",
        name="Ясли-сад №9 «Арман»",
        name_kk="№9 «Арман» бөбекжайы",
        locality=temirtau,
        address="г. Темиртау, пр. Металлургов, 5",
        phone="+7 7213 44-55-66",
    )
    azamat = Kindergarten.objects.create(code="azamat", name="Ясли-сад «Азамат»", name_kk="«Азамат» бөбекжайы", locality=karaganda, phone="+7 7212 11-22-33")
    world = World(
        temirtau=temirtau,
        karaganda=karaganda,
        arman=arman,
        azamat=azamat,
        arman_2=Group.objects.create(code="arman-2", kindergarten=arman, name="Балапан", age_from=2, age_to=3, language="kk", capacity=20),
        arman_3=Group.objects.create(code="arman-3", kindergarten=arman, name="Құлыншақ", age_from=3, age_to=4, language="kk", capacity=25),
        azamat_2=Group.objects.create(code="azamat-2", kindergarten=azamat, name="Солнышко", age_from=2, age_to=3, language="ru", capacity=15),
    )
    for i, (label, benefit, last, first) in enumerate(EXAMPLE):
        _file(
            world,
            label,
            locality=temirtau,
            birth_date=dt.date(2022, 3, 4 + i),
            benefit=benefit,
            last=last,
            first=first,
            now=FILED_AT + dt.timedelta(minutes=i),
            serial=100 + i * 10,
        )
    _file(
        world,
        "t21",
        locality=temirtau,
        birth_date=dt.date(2021, 5, 10),
        benefit="none",
        last="Ахметова",
        first="Сабина",
        now=astana(2024, 5, 2, 11),
        serial=300,
    )
    _file(
        world,
        "k1",
        locality=karaganda,
        birth_date=dt.date(2022, 6, 15),
        benefit="priority",
        last="Байжанов",
        first="Арсен",
        now=astana(2024, 5, 2, 11, 30),
        serial=310,
    )
    _file(
        world,
        "k3",
        locality=karaganda,
        birth_date=dt.date(2023, 1, 20),
        benefit="none",
        last="Нурпеисова",
        first="Мадина",
        now=astana(2024, 5, 2, 11, 40),
        serial=320,
    )

    seat_release(group=world.arman_2, birth_year=2022, count=2, now=RELEASED_AT)
    seat_release(group=world.arman_3, birth_year=2021, count=1, now=RELEASED_AT)
    azamat_seats = seat_release(group=world.azamat_2, birth_year=2022, count=2, now=RELEASED_AT)
    bulletin_publish(now=BULLETIN_AT)
    world.directions["t21"] = seat_claim(application=world.apps["t21"], group=world.arman_3, now=astana(2024, 6, 3, 8))
    world.directions["k1"] = seat_claim(application=world.apps["k1"], group=world.azamat_2, now=astana(2024, 6, 3, 9))
    free_azamat = next(s for s in azamat_seats if s.pk != world.directions["k1"].seat_id)
    world.withdrawn_seat = seat_withdraw(seat=free_azamat, now=astana(2024, 6, 3, 10))
    for application in world.apps.values():
        application.refresh_from_db()
    return world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def clock_start() -> dt.datetime:
    """The moment the public pages are looked at; `clock` (tests/conftest.py) starts there."""
    return DURING


def client_from_own_address(**kwargs) -> Client:
    """A client with an address of its own: the check's rate limit counts per address, in a cache
    (Redis) other test runs share."""
    n = uuid.uuid4().int
    return Client(REMOTE_ADDR=f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}", **kwargs)


@pytest.fixture
def client() -> Client:
    return client_from_own_address()


# --- reading responses -------------------------------------------------------------------------


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def csv_rows(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = body(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def json_rows(response) -> list[dict]:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(body(response))
