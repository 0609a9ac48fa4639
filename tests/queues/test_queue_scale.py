"""SPEC §4 at a country's scale: the class column, index-only positions and pages computed from the
closed form agree with the literal interleave of the whole queue."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from placements.application_actions import benefit_reject
from queues.models import Application
from queues.selectors import application_positions, interleave, page_ranks, queue_class_sizes, queue_order, queue_page
from tests.factories import BIRTH_YEAR, FILED_AT, ApplicationFactory, LocalityFactory, astana


def _labels(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


@hypothesis_settings(database=None, max_examples=400, deadline=None)
@given(
    n_e=st.integers(0, 15),
    n_p=st.integers(0, 40),
    n_g=st.integers(0, 60),
    ratio=st.integers(1, 6),
    first=st.integers(1, 130),
    length=st.integers(1, 60),
)
def test_the_ranks_on_a_page_are_the_members_the_literal_interleave_puts_there(n_e, n_p, n_g, ratio, first, length):
    e, p, g = _labels("e", n_e), _labels("p", n_p), _labels("g", n_g)
    order = interleave(e, p, g, ratio=ratio)
    last = first + length - 1
    ranks = page_ranks(n_e=n_e, n_p=n_p, n_g=n_g, first=first, last=last, ratio=ratio)
    on_page = []
    for klass, members in (("extraordinary", e), ("priority", p), ("none", g)):
        lo, hi = ranks[klass]
        on_page += members[lo - 1 : hi - 1]
    assert sorted(on_page) == sorted(order[first - 1 : last])


def _file(locality, classes: str, kinds=("general",)) -> list[Application]:
    benefit = {"e": "extraordinary", "p": "priority", "g": "none"}
    sen = kinds != ("general",)
    return [
        ApplicationFactory(locality=locality, benefit=benefit[c], filed_at=FILED_AT + dt.timedelta(minutes=i // 2), queues=kinds, sen_pmpk=sen)
        for i, c in enumerate(classes)
    ]


def _paged(locality, kind: str, per_page: int) -> list[tuple[int, int]]:
    sizes = queue_class_sizes(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind=kind)
    out = []
    for first in range(1, sum(sizes.values()) + 1, per_page):
        out += [
            (pos, a.pk) for pos, a in queue_page(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind=kind, sizes=sizes, first=first, last=first + per_page - 1)
        ]
    return out


@pytest.mark.django_db
@hypothesis_settings(database=None, max_examples=8, deadline=None)
@given(classes=st.text(alphabet="epg", min_size=1, max_size=25), per_page=st.integers(1, 7))
def test_pages_read_by_the_closed_form_are_the_queue_order_cut_in_pages(classes, per_page):
    with transaction.atomic():
        locality = LocalityFactory()
        apps = _file(locality, classes)  # two per minute: ties on filed_at are broken by the number
        if apps[0].benefit != "none":  # a rejected benefit stands as none (SPEC §3)
            benefit_reject(application=apps[0], now=astana(2024, 5, 10))
        order = queue_order(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind="general")
        assert _paged(locality, "general", per_page) == list(enumerate(order, start=1))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_special_queue_pages_hold_only_its_members():
    locality = LocalityFactory()
    _file(locality, "gpgge")
    special = _file(locality, "pggpgg", kinds=("general", "special"))
    order = queue_order(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind="special")
    assert sorted(order) == sorted(a.pk for a in special)
    assert _paged(locality, "special", 4) == list(enumerate(order, start=1))
    assert _paged(locality, "general", 4) == list(enumerate(queue_order(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind="general"), start=1))


@pytest.mark.django_db
def test_a_page_past_the_end_is_empty():
    locality = LocalityFactory()
    _file(locality, "gpe")
    sizes = queue_class_sizes(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind="general")
    assert sizes == {"extraordinary": 1, "priority": 1, "none": 1}
    assert queue_page(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind="general", sizes=sizes, first=4, last=10) == []


@pytest.mark.django_db
def test_the_stored_class_follows_the_benefit_and_its_rejection():
    locality = LocalityFactory()
    priority, extraordinary, general = _file(locality, "peg")
    classes = dict(Application.objects.values_list("pk", "queue_class"))
    assert classes == {priority.pk: "priority", extraordinary.pk: "extraordinary", general.pk: "none"}
    benefit_reject(application=priority, now=astana(2024, 5, 10))
    priority.refresh_from_db()
    assert priority.queue_class == priority.effective_benefit == "none"
    assert application_positions(priority)["general"].klass == "none"


@pytest.mark.django_db
@hypothesis_settings(database=None, max_examples=8, deadline=None)
@given(classes=st.text(alphabet="epg", min_size=1, max_size=20))
def test_every_position_from_the_index_counts_is_the_place_in_the_order(classes):
    with transaction.atomic():
        locality = LocalityFactory()
        apps = _file(locality, classes)
        order = queue_order(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind="general")
        for application in apps:
            position = application_positions(application)["general"]
            assert position.position == order.index(application.pk) + 1
            assert position.size == len(order)
        transaction.set_rollback(True)
