"""SPEC §8 directions protocol: number, issued_at, valid_until, masked child, kindergarten, group,
language and status; filters by language and age group, search by kindergarten name."""

import pytest

from tests.opendata.conftest import csv_rows


def _numbers(client, query=""):
    response = client.get(f"/open/directions/{query}")
    assert response.status_code == 200
    return [r["number"] for r in response.context["rows"]]


def test_directions_are_listed_newest_first_with_the_child_masked(client, world, clock):
    response = client.get("/open/directions/", HTTP_ACCEPT_LANGUAGE="en")
    rows = response.context["rows"]
    k1, t21 = world.directions["k1"], world.directions["t21"]
    assert [r["number"] for r in rows] == [k1.number, t21.number]
    assert [r["child"] for r in rows] == ["Б*** А.", "А*** С."]
    assert [r["status"] for r in rows] == ["benefit_check", "issued"]
    text = response.content.decode()
    assert f"#{k1.number}" in text
    assert "from 03.06.2024 09:00 to 10.06.2024 09:00" in text  # valid_until: 5 working days
    assert "Ясли-сад «Азамат»" in text and "2 to 3 years" in text
    assert "awaiting benefit confirmation" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?language=kk", ["t21"]),
        ("?language=ru", ["k1"]),
        ("?language=kk&language=ru", ["k1", "t21"]),
        ("?age=2-3", ["k1"]),
        ("?age=3-4", ["t21"]),
        ("?age=3-4&language=ru", []),
        ("?q=Азамат", ["k1"]),
        ("?q=арман", ["t21"]),
        ("?q=бөбекжайы", ["k1", "t21"]),
        ("?q=Балдырган", []),
        ("?status=issued", ["t21"]),
        ("?locality=karaganda", ["k1"]),
    ],
)
def test_filters_and_the_kindergarten_name_search(client, world, clock, query, expected):
    assert _numbers(client, query) == [world.directions[label].number for label in expected]


def test_a_group_teaching_both_languages_is_found_under_either(client, world, clock):
    world.arman_3.language = "both"
    world.arman_3.save()
    assert _numbers(client, "?language=ru") == [world.directions["k1"].number, world.directions["t21"].number]


def test_the_csv_holds_the_filtered_directions(client, world, clock):
    rows = csv_rows(client.get("/open/directions/?language=kk&format=csv"))
    assert [(r["number"], r["child"], r["issued_at"], r["valid_until"], r["status"]) for r in rows] == [
        (str(world.directions["t21"].number), "А*** С.", "2024-06-03T08:00:00+05:00", "2024-06-10T08:00:00+05:00", "issued")
    ]
