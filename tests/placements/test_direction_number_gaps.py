"""Issue 9: a direction number taken by a claim that did not complete is a gap, shown as such in
the public directions protocol (SPEC §8) — never silently skipped, never reused."""

import pytest

from core.sequences import sequence_next
from tests.factories import ApplicationFactory, GroupFactory, direction_issue

pytestmark = pytest.mark.django_db


def _issue(group):
    return direction_issue(application=ApplicationFactory(locality=group.kindergarten.locality), group=group)


def test_a_number_no_direction_holds_is_shown_as_not_issued_between_its_neighbours(client):
    group = GroupFactory()
    before = _issue(group)
    lost = sequence_next("direction")  # a claim took it and then rolled back
    after = _issue(group)
    assert (before.number, lost, after.number) == (before.number, before.number + 1, before.number + 2)
    response = client.get("/open/directions/", HTTP_ACCEPT_LANGUAGE="en")
    assert [(r["number"], r["not_issued"]) for r in response.context["rows"]] == [(after.number, []), (before.number, [(lost, lost)])]
    text = response.content.decode()
    assert f"No. {lost} — not issued (the claim did not complete)" in text
    assert text.index(f"#{after.number}") < text.index(f"No. {lost} — not issued") < text.index(f"#{before.number}")


def test_several_lost_numbers_are_one_line(client):
    group = GroupFactory()
    before = _issue(group)
    lost = [sequence_next("direction") for _ in range(3)]
    _issue(group)
    text = client.get("/open/directions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Nos. {lost[0]}–{lost[-1]} — not issued (the claims did not complete)" in text
    assert f"#{before.number}" in text


def test_consecutive_numbers_and_filtered_pages_show_no_gap(client):
    group = GroupFactory()
    _issue(group)
    sequence_next("direction")
    _issue(group)
    _issue(group)
    whole = client.get("/open/directions/", HTTP_ACCEPT_LANGUAGE="en")
    assert [r["not_issued"] for r in whole.context["rows"]][:2] == [[], []]  # the two newest are consecutive
    # A filter leaves other directions out: their numbers are not gaps, so none is shown.
    filtered = client.get("/open/directions/?status=issued", HTTP_ACCEPT_LANGUAGE="en")
    assert "not issued" not in filtered.content.decode()
    assert all("not_issued" not in r for r in filtered.context["rows"])
