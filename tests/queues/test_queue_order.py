"""SPEC §4: the queue order — closed form against the literal interleave, and the order in the database."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from placements.application_actions import benefit_reject
from queues.selectors import application_positions, interleave, position_of, queue_order
from tests.factories import BIRTH_YEAR, FILED_AT, ApplicationFactory, LocalityFactory, astana, direction_issue


def _labels(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


@hypothesis_settings(database=None, max_examples=300, deadline=None)
@given(n_e=st.integers(0, 12), n_p=st.integers(0, 25), n_g=st.integers(0, 40), ratio=st.integers(1, 6))
def test_the_closed_form_positions_agree_with_the_literal_interleave(n_e, n_p, n_g, ratio):
    e, p, g = _labels("e", n_e), _labels("p", n_p), _labels("g", n_g)
    order = interleave(e, p, g, ratio=ratio)
    assert sorted(order) == sorted(e + p + g)
    for klass, members in (("extraordinary", e), ("priority", p), ("none", g)):
        for rank, label in enumerate(members, start=1):
            assert order.index(label) + 1 == position_of(rank=rank, klass=klass, n_e=n_e, n_p=n_p, n_g=n_g, ratio=ratio)


def test_the_interleave_ratio_is_a_setting_defaulting_to_three(settings):
    e, p, g = [], ["p1", "p2"], ["g1", "g2", "g3", "g4", "g5"]
    assert interleave(e, p, g) == ["g1", "g2", "g3", "p1", "g4", "g5", "p2"]
    settings.INDIGO_INTERLEAVE = 2
    assert interleave(e, p, g) == ["g1", "g2", "p1", "g3", "g4", "p2", "g5"]
    assert position_of(rank=2, klass="priority", n_e=0, n_p=2, n_g=5) == 6


def test_the_spec_example_is_ordered_e1_g1_g2_g3_p1_g4_g5_p2_p3():
    assert interleave(["e1"], ["p1", "p2", "p3"], ["g1", "g2", "g3", "g4", "g5"], ratio=3) == ["e1", "g1", "g2", "g3", "p1", "g4", "g5", "p2", "p3"]


# --- the order in the database -----------------------------------------------------------------


def _file_classes(locality, classes: str, start: dt.datetime = FILED_AT) -> list:
    """One application per letter (e, p or g), each filed a minute after the previous."""
    benefit = {"e": "extraordinary", "p": "priority", "g": "none"}
    return [ApplicationFactory(locality=locality, benefit=benefit[c], filed_at=start + dt.timedelta(minutes=i)) for i, c in enumerate(classes)]


def _queue(locality, kind: str = "general") -> list[int]:
    return queue_order(locality_id=locality.pk, birth_year=BIRTH_YEAR, kind=kind)


@pytest.mark.django_db
def test_the_queue_in_the_database_matches_the_spec_example():
    locality = LocalityFactory()
    # Filed in a scrambled order of classes; each class keeps its filing order.
    apps = dict(zip(["g1", "p1", "g2", "e1", "g3", "p2", "g4", "g5", "p3"], _file_classes(locality, "gpgegpggp"), strict=True))
    expected = ["e1", "g1", "g2", "g3", "p1", "g4", "g5", "p2", "p3"]
    assert _queue(locality) == [apps[label].pk for label in expected]
    for position, label in enumerate(expected, start=1):
        assert application_positions(apps[label])["general"].position == position


@pytest.mark.django_db
def test_a_rejected_benefit_counts_as_none():
    locality = LocalityFactory()
    g1, g2, g3, p1 = _file_classes(locality, "gggp")
    e1 = ApplicationFactory(locality=locality, benefit="extraordinary", filed_at=astana(2024, 5, 3))
    assert _queue(locality) == [e1.pk, g1.pk, g2.pk, g3.pk, p1.pk]
    benefit_reject(application=e1, now=astana(2024, 5, 4))
    e1.refresh_from_db()
    # Filed last, now general: it follows the three general ones filed before it and p1.
    assert _queue(locality) == [g1.pk, g2.pk, g3.pk, p1.pk, e1.pk]
    assert application_positions(e1)["general"].klass == "none"
    assert application_positions(e1)["general"].position == 5


@pytest.mark.django_db
def test_applications_filed_at_the_same_moment_are_ordered_by_number():
    locality = LocalityFactory()
    apps = [ApplicationFactory(locality=locality, filed_at=FILED_AT) for _ in range(3)]
    assert _queue(locality) == [a.pk for a in apps]


@pytest.mark.django_db
def test_a_queue_holds_one_locality_and_one_birth_year():
    locality = LocalityFactory()
    mine = ApplicationFactory(locality=locality)
    ApplicationFactory()  # another locality
    ApplicationFactory(locality=locality, child_birth_date=dt.date(2021, 3, 4))
    assert _queue(locality) == [mine.pk]


@pytest.mark.django_db
def test_the_special_queue_holds_only_applications_that_stand_in_it():
    locality = LocalityFactory()
    general_only = ApplicationFactory(locality=locality)
    special = ApplicationFactory(locality=locality, sen_pmpk=True, queues=("special",))
    assert _queue(locality, "general") == [general_only.pk, special.pk]
    assert _queue(locality, "special") == [special.pk]
    assert _queue(locality, "sanatorium") == []
    assert set(application_positions(special)) == {"general", "special"}
    assert application_positions(special)["special"].position == 1


@pytest.mark.django_db
def test_an_application_holding_a_direction_has_no_position_and_a_returned_one_keeps_its_place():
    from placements.directions import direction_cancel

    locality = LocalityFactory()
    first, second, third = _file_classes(locality, "ggg")
    direction_issue(application=first)
    first.refresh_from_db()
    assert application_positions(first) == {}
    assert _queue(locality) == [second.pk, third.pk]
    direction_cancel(application=first, now=astana(2024, 6, 7))
    first.refresh_from_db()
    assert first.filed_at == FILED_AT
    assert _queue(locality) == [first.pk, second.pk, third.pk]
    assert application_positions(first)["general"].position == 1


@pytest.mark.django_db
@hypothesis_settings(database=None, max_examples=10, deadline=None)
@given(classes=st.text(alphabet="epg", min_size=1, max_size=12))
def test_each_position_shown_to_a_family_is_its_place_in_the_queue_order(classes):
    with transaction.atomic():
        locality = LocalityFactory()
        apps = _file_classes(locality, classes)
        order = _queue(locality)
        assert sorted(order) == sorted(a.pk for a in apps)
        for application in apps:
            assert application_positions(application)["general"].position == order.index(application.pk) + 1
        transaction.set_rollback(True)
