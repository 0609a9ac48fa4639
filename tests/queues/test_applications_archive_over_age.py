"""SPEC §3: at 00:00 on 1 June every queued child 6 or older on the new R is archived (over_age)."""

import datetime as dt

import pytest

from placements.application_actions import application_withdraw
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.models import Grant
from placements.seats import seat_release
from queues.services import applications_archive_over_age
from tests.factories import ApplicationFactory, GroupFactory, LocalityFactory, astana, reloaded

pytestmark = pytest.mark.django_db

JUNE_1 = astana(2024, 6, 1)  # E becomes 2024, R = 01.09.2024


def _child(locality, born: dt.date, **kwargs):
    return ApplicationFactory(locality=locality, child_birth_date=born, **kwargs)


def test_on_1_june_queued_children_six_or_older_on_the_new_reference_date_are_archived():
    locality = LocalityFactory()
    turns_six_in_june = _child(locality, dt.date(2018, 6, 15))
    turns_six_on_r = _child(locality, dt.date(2018, 9, 1))
    turns_six_after_r = _child(locality, dt.date(2018, 9, 2))
    younger = _child(locality, dt.date(2022, 3, 4))
    assert applications_archive_over_age(now=JUNE_1) == 2
    turns_six_in_june, turns_six_on_r, turns_six_after_r, younger = reloaded(turns_six_in_june, turns_six_on_r, turns_six_after_r, younger)
    assert (turns_six_in_june.status, turns_six_in_june.archive_reason) == ("archived", "over_age")
    assert (turns_six_on_r.status, turns_six_on_r.archive_reason) == ("archived", "over_age")
    assert turns_six_after_r.status == "queued"
    assert younger.status == "queued"


def test_before_1_june_the_old_reference_date_applies():
    application = _child(LocalityFactory(), dt.date(2018, 6, 15))
    assert applications_archive_over_age(now=astana(2024, 5, 31, 23, 59, 59)) == 0
    assert reloaded(application).status == "queued"


def test_a_child_with_sen_and_pmpk_is_not_archived_for_age():
    application = _child(LocalityFactory(), dt.date(2018, 1, 1), sen_pmpk=True, queues=("special",))
    applications_archive_over_age(now=JUNE_1)
    assert reloaded(application).status == "queued"


def test_only_queued_applications_are_archived_for_age():
    locality = LocalityFactory()
    withdrawn = _child(locality, dt.date(2018, 6, 15))
    application_withdraw(application=withdrawn, now=astana(2024, 5, 3))
    directed = _child(locality, dt.date(2018, 7, 1))
    group = GroupFactory(kindergarten__locality=locality, age_from=5, age_to=6)  # 2023 − 2018 = 5 in May 2024
    seat_release(group=group, birth_year=2018, count=1, now=astana(2024, 5, 20, 10))
    bulletin_publish(now=astana(2024, 5, 20, 18))
    seat_claim(application=directed, group=group, now=astana(2024, 5, 27, 10))
    applications_archive_over_age(now=JUNE_1)
    withdrawn, directed = reloaded(withdrawn, directed)
    assert (withdrawn.status, withdrawn.archive_reason) == ("withdrawn", None)
    assert (directed.status, directed.archive_reason) == ("directed", None)


def test_archiving_for_age_twice_changes_nothing_the_second_time():
    application = _child(LocalityFactory(), dt.date(2018, 6, 15))
    assert applications_archive_over_age(now=JUNE_1) == 1
    before = reloaded(application).status_changed_at
    assert applications_archive_over_age(now=astana(2024, 6, 1, 0, 1)) == 0
    assert reloaded(application).status_changed_at == before == JUNE_1


def test_archiving_for_age_ends_open_grants():
    locality = LocalityFactory()
    application = _child(locality, dt.date(2018, 6, 15))
    group = GroupFactory(kindergarten__locality=locality, age_from=5, age_to=6)
    seat_release(group=group, birth_year=2018, count=1, now=astana(2024, 5, 30, 10))
    bulletin_publish(now=astana(2024, 5, 30, 18))  # grant until 04.06 07:00
    applications_archive_over_age(now=JUNE_1)
    assert Grant.objects.get(application=application).ended_at == JUNE_1
