"""SPEC §6 at a country's scale: the bulletin picks each queue's first K without an open grant from the
first K + h of each class, and that is exactly the pick from the whole queue order."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from placements.bulletin import bulletin_publish, first_without_grant, queues_first
from placements.models import Bulletin, Grant, Publication, Seat
from queues.selectors import interleave, queue_order
from tests.factories import BIRTH_YEAR, BULLETIN_AT, FILED_AT, ApplicationFactory, GroupFactory, LocalityFactory, astana, seats_release


@hypothesis_settings(database=None, max_examples=500, deadline=None)
@given(
    n_e=st.integers(0, 10),
    n_p=st.integers(0, 25),
    n_g=st.integers(0, 40),
    ratio=st.integers(1, 5),
    k=st.integers(1, 30),
    data=st.data(),
)
def test_the_first_k_plus_h_of_each_class_give_the_same_pick_as_the_whole_queue(n_e, n_p, n_g, ratio, k, data):
    e, p, g = [f"e{i}" for i in range(n_e)], [f"p{i}" for i in range(n_p)], [f"g{i}" for i in range(n_g)]
    whole = interleave(e, p, g, ratio=ratio)
    holders = set(data.draw(st.lists(st.sampled_from([*whole, "elsewhere"]), max_size=12))) if whole else set()
    n = k + len(holders)
    firsts = {"extraordinary": e[:n], "priority": p[:n], "none": g[:n]}
    with override_settings(INDIGO_INTERLEAVE=ratio):
        assert first_without_grant(firsts, k=k, holders=holders) == [x for x in whole if x not in holders][:k]


def _file(locality, classes: str, kinds=("general",)) -> list:
    benefit = {"e": "extraordinary", "p": "priority", "g": "none"}
    return [
        ApplicationFactory(locality=locality, benefit=benefit[c], filed_at=FILED_AT + dt.timedelta(minutes=i // 2), queues=kinds, sen_pmpk="special" in kinds)
        for i, c in enumerate(classes)
    ]


def _hold(applications, kind: str = "general") -> None:
    """Open grants from an earlier bulletin, still running at BULLETIN_AT (SPEC §6)."""
    bulletin, _ = Bulletin.objects.get_or_create(published_at=astana(2024, 6, 1, 18))
    Grant.objects.bulk_create(
        Grant(application=a, kind=kind, bulletin=bulletin, from_at=astana(2024, 6, 3, 7), until_at=astana(2024, 6, 6, 7)) for a in applications
    )


@pytest.mark.django_db
@hypothesis_settings(database=None, max_examples=10, deadline=None)
@given(classes=st.text(alphabet="epg", min_size=1, max_size=18), k=st.integers(1, 8), data=st.data())
def test_queues_read_by_index_give_the_pick_of_the_whole_queue_order(classes, k, data):
    with transaction.atomic():
        locality = LocalityFactory()
        apps = _file(locality, classes)
        holders = data.draw(st.lists(st.sampled_from(apps), max_size=6, unique_by=lambda a: a.pk))
        holder_ids = {a.pk for a in holders}
        key = (locality.pk, BIRTH_YEAR)
        firsts = queues_first(kind="general", limits={key: k + len(holder_ids)})[key]
        order = queue_order(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind="general")
        assert first_without_grant(firsts, k=k, holders=holder_ids) == [a for a in order if a not in holder_ids][:k]
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_bulletin_over_several_queues_grants_as_the_whole_queue_orders_say():
    city, village = LocalityFactory(), LocalityFactory()
    city_apps = _file(city, "gpgegpggpgeg")
    sen = _file(city, "pgpg", kinds=("general", "special"))
    village_apps = _file(village, "ggp")
    _hold([city_apps[0], city_apps[3], sen[0]])
    _hold([sen[1]], kind="special")
    general = GroupFactory(kindergarten__locality=city)
    special = GroupFactory(kindergarten__locality=city, kind="special")
    small = GroupFactory(kindergarten__locality=village)
    seats_release(group=general, count=5)
    seats_release(group=special, count=2)
    seats_release(group=small, count=7)  # more seats than families: fewer grants
    held = {kind: set(Grant.objects.filter(kind=kind).values_list("application_id", flat=True)) for kind in ("general", "special")}
    expected = []
    for kind, locality, k in (("general", city, 5), ("general", village, 7), ("special", city, 2)):
        order = queue_order(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind=kind)
        expected += [(kind, app_id) for app_id in order if app_id not in held[kind]][:k]
    bulletin = bulletin_publish(now=BULLETIN_AT)
    granted = list(Grant.objects.filter(bulletin=bulletin).order_by("id").values_list("kind", "application_id"))
    assert sorted(granted) == sorted(expected)
    assert [kind for kind, _ in granted] == sorted((kind for kind, _ in granted), key=("general", "special").index)
    assert Publication.objects.filter(bulletin=bulletin).count() == 14 == Seat.objects.filter(state="priority", published_at=BULLETIN_AT).count()
    assert len(village_apps) == Grant.objects.filter(bulletin=bulletin, application__locality=village).count()
