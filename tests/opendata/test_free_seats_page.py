"""SPEC §8 free-seat registry: seats now priority or general, with priority_until and the access now."""

import pytest

from tests.opendata.conftest import AFTER, csv_rows


def _rows(client, query=""):
    response = client.get(f"/open/free-seats/{query}")
    assert response.status_code == 200
    return response.context["rows"]


def test_the_published_seats_not_taken_are_listed_with_their_priority_deadline(client, world, clock):
    response = client.get("/open/free-seats/", HTTP_ACCEPT_LANGUAGE="en")
    rows = response.context["rows"]
    # The claimed «Азамат» seat, the withdrawn one and the claimed 3–4 seat are not free.
    assert [(r["kindergarten_code"], r["group_code"], r["birth_year"], r["seats"], r["access"]) for r in rows] == [("arman", "arman-2", 2022, 2, "priority")]
    text = response.content.decode()
    assert "06.06.2024 07:00" in text  # priority_until in Astana time
    assert "od-badge--priority" in text


def test_after_priority_until_the_same_seats_are_in_general_access(client, world, clock):
    clock.set(AFTER)
    assert [(r["group_code"], r["seats"], r["access"]) for r in _rows(client)] == [("arman-2", 2, "general")]
    assert [r["access"] for r in csv_rows(client.get("/open/free-seats/?format=csv"))] == ["general"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?locality=temirtau", 1),
        ("?locality=karaganda", 0),
        ("?kindergarten=arman", 1),
        ("?kindergarten=arman&group=arman-2", 1),
        ("?kindergarten=arman&group=arman-3", 0),
        ("?language=kk", 1),
        ("?language=ru", 0),
        ("?birth_year=2022", 1),
        ("?birth_year=2021", 0),
        ("?access=priority", 1),
        ("?access=general", 0),
    ],
)
def test_filters_narrow_the_registry(client, world, clock, query, expected):
    assert len(_rows(client, query)) == expected


def test_the_locality_chosen_in_the_header_applies_unless_the_query_says_otherwise(client, world, clock):
    session = client.session
    session["locality"] = "karaganda"
    session.save()
    assert _rows(client) == []
    assert len(_rows(client, "?locality=")) == 1


def test_a_filter_that_does_not_validate_is_not_applied(client, world, clock):
    response = client.get("/open/free-seats/?birth_year=abc&locality=nowhere")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1
    assert response.context["form"].errors
