"""Factories and helpers for the engine's tests: valid IINs, Astana time, and the real services.

Applications are filed through `application_file` and seats are released and published through
`seat_release` and `bulletin_publish`, so every row a test sees went through the rules a family's
row goes through.

The default timeline is the SPEC §11 example: children born 04.03.2022 apply on Thursday 02.05.2024;
two seats of a 2–3 group are released on Sunday 02.06.2024, published at 18:00, open on Monday
03.06 07:00 and are priority seats until Thursday 06.06 07:00.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from core.iin import iin_build
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.models import Direction, Group, Kindergarten, Seat
from placements.seats import seat_release
from queues.models import Application, Locality
from queues.services import application_file

ASTANA = ZoneInfo("Asia/Almaty")


def astana(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """An aware moment in Astana time (SPEC §2)."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ASTANA)


BIRTH_DATE = dt.date(2022, 3, 4)
BIRTH_YEAR = 2022
FILED_AT = astana(2024, 5, 2, 10)  # Thursday
RELEASED_AT = astana(2024, 6, 2, 12)  # Sunday
BULLETIN_AT = astana(2024, 6, 2, 18)  # Sunday 18:00
OPEN_AT = astana(2024, 6, 3, 7)  # Monday: the first 07:00 after the bulletin
PRIORITY_UNTIL = astana(2024, 6, 6, 7)  # Thursday: add_working_days(open_at, 3)
NEXT_BULLETIN_AT = astana(2024, 6, 3, 18)  # Monday 18:00


class LocalityFactory(DjangoModelFactory):
    class Meta:
        model = Locality

    code = factory.Sequence(lambda n: f"locality-{n}")
    name = factory.Sequence(lambda n: f"Населённый пункт {n}")


class KindergartenFactory(DjangoModelFactory):
    class Meta:
        model = Kindergarten

    code = factory.Sequence(lambda n: f"kindergarten-{n}")
    name = factory.Sequence(lambda n: f"Ясли-сад №{n}")
    locality = factory.SubFactory(LocalityFactory)


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    code = factory.Sequence(lambda n: f"group-{n}")
    kindergarten = factory.SubFactory(KindergartenFactory)
    name = factory.Sequence(lambda n: f"Группа {n}")
    age_from = 2
    age_to = 3
    language = Group.GroupLanguage.KK
    kind = "general"


def _child_iin(application: factory.builder.Resolver, n: int) -> str:
    # Spaced serials: iin_build skips the few serials without a check digit, so neighbours never collide.
    return iin_build(application.child_birth_date, serial=(n * 10) % 10000)


class ApplicationFactory(factory.Factory):
    """An application filed through `application_file` (SPEC §3), as the portal files it.

    `locality` is a Locality row (its code is what the service receives); `filed_at` is the `now`
    of the filing. Applications filed at the same moment are ordered by their numbers.
    """

    class Meta:
        model = Application

    locality = factory.SubFactory(LocalityFactory)
    child_birth_date = BIRTH_DATE
    child_iin = factory.LazyAttributeSequence(_child_iin)
    child_last_name = factory.Sequence(lambda n: f"Оспанов{n}")
    child_first_name = "Алихан"
    benefit = "none"
    queues = ("general",)
    sen_pmpk = False
    filed_at = FILED_AT

    @classmethod
    def _create(cls, model_class: type[Application], *args, locality: Locality, child_birth_date: dt.date, filed_at: dt.datetime, **kwargs) -> Application:
        return application_file(locality_code=locality.code, birth_date=child_birth_date, now=filed_at, **kwargs)

    @classmethod
    def _build(cls, model_class: type[Application], *args, **kwargs) -> Application:
        raise NotImplementedError("applications exist only once filed: use ApplicationFactory() / .create()")


def seats_release(*, group: Group, count: int = 1, birth_year: int = BIRTH_YEAR, now: dt.datetime = RELEASED_AT) -> list[Seat]:
    """`count` seats released by the operator through `seat_release` (SPEC §5), not yet public."""
    return seat_release(group=group, birth_year=birth_year, count=count, now=now)


def seats_publish(
    *,
    group: Group,
    count: int = 1,
    birth_year: int = BIRTH_YEAR,
    released_at: dt.datetime = RELEASED_AT,
    published_at: dt.datetime = BULLETIN_AT,
) -> list[Seat]:
    """Seats released and then published by the bulletin at `published_at`, freshly read back."""
    seats = seats_release(group=group, count=count, birth_year=birth_year, now=released_at)
    bulletin_publish(now=published_at)
    return list(Seat.objects.filter(pk__in=[s.pk for s in seats]).order_by("id"))


def direction_issue(
    *,
    application: Application,
    group: Group | None = None,
    released_at: dt.datetime = RELEASED_AT,
    published_at: dt.datetime = BULLETIN_AT,
    now: dt.datetime = PRIORITY_UNTIL,
) -> Direction:
    """A direction for the application: one seat of a new group of its locality (unless `group` is
    given) released and published, then claimed at `now` — by default the moment the seat turns
    general, so no grant is needed."""
    application.refresh_from_db()
    if group is None:
        group = GroupFactory(kindergarten__locality=application.locality)
    seats_publish(group=group, birth_year=application.birth_year, released_at=released_at, published_at=published_at)
    return seat_claim(application=application, group=group, now=now)


def reloaded(*objects):
    """The objects re-read from the database (one, or a tuple of several)."""
    for obj in objects:
        obj.refresh_from_db()
    return objects[0] if len(objects) == 1 else objects
