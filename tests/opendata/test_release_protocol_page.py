"""SPEC §5, §8 release protocol: every publication of a seat and every withdrawal, and what became of each."""

import pytest

from placements.bulletin import bulletin_publish
from placements.directions import direction_cancel, direction_enroll
from tests.factories import astana
from tests.opendata.conftest import csv_rows, json_rows


def _rows(client, query=""):
    response = client.get(f"/open/releases/{query}")
    assert response.status_code == 200
    return response.context["rows"]


def test_every_publication_and_every_withdrawal_is_a_row_newest_first(client, world, clock):
    rows = _rows(client)
    assert [(r["event"], r["kindergarten_code"], r["outcome"], r["direction_number"]) for r in rows] == [
        ("withdrawn", "azamat", "withdrawn", None),
        ("published", "azamat", "withdrawn", None),
        ("published", "azamat", "claimed", world.directions["k1"].number),
        ("published", "arman", "claimed", world.directions["t21"].number),
        ("published", "arman", "free_priority", None),
        ("published", "arman", "free_priority", None),
    ]
    published = rows[-1]
    assert published["published_at"] == astana(2024, 6, 2, 18)
    assert published["open_at"] == astana(2024, 6, 3, 7)
    assert published["priority_until"] == astana(2024, 6, 6, 7)
    assert rows[0]["at"] == astana(2024, 6, 3, 10)
    assert rows[0]["seat"] == world.withdrawn_seat.pk


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?locality=temirtau", 3),
        ("?locality=karaganda", 3),
        ("?kindergarten=azamat", 3),
        ("?date_from=2024-06-03", 1),  # the withdrawal on Monday
        ("?date_to=2024-06-02", 5),  # Sunday's bulletin
        ("?date_from=2024-06-02&date_to=2024-06-02", 5),
        ("?date_from=2024-06-04", 0),
        ("?event=withdrawn", 1),
        ("?event=published&locality=karaganda", 2),
    ],
)
def test_filters_by_locality_kindergarten_date_and_event(client, world, clock, query, expected):
    assert len(_rows(client, query)) == expected


def test_what_became_of_a_seat_follows_its_directions_and_its_republication(client, world, clock):
    # Tuesday: t21 is enrolled; k1 declines, so its seat goes back and the 18:00 bulletin republishes it.
    direction_enroll(application=world.apps["t21"], now=astana(2024, 6, 4, 9))
    direction_cancel(application=world.apps["k1"], now=astana(2024, 6, 4, 10))
    bulletin_publish(now=astana(2024, 6, 4, 18))
    clock.set(astana(2024, 6, 5, 12))
    seat = world.directions["k1"].seat_id
    rows = [r for r in _rows(client, "?event=published") if r["seat"] == seat]
    assert [(r["published_at"], r["outcome"], r["direction_number"]) for r in rows] == [
        (astana(2024, 6, 4, 18), "free_priority", None),
        (astana(2024, 6, 2, 18), "released_again", world.directions["k1"].number),
    ]
    assert rows[0]["open_at"] == astana(2024, 6, 5, 7)
    assert rows[0]["priority_until"] == astana(2024, 6, 10, 7)  # Wed 05.06 + 3 working days
    enrolled = [r for r in _rows(client) if r["group_code"] == "arman-3"]
    assert [(r["outcome"], r["direction_number"]) for r in enrolled] == [("enrolled", world.directions["t21"].number)]


def test_downloads_hold_the_filtered_rows(client, world, clock):
    csv_data = csv_rows(client.get("/open/releases/?locality=karaganda&format=csv"))
    json_data = json_rows(client.get("/open/releases/?locality=karaganda&format=json"))
    assert [r["outcome"] for r in csv_data] == [r["outcome"] for r in json_data] == ["withdrawn", "withdrawn", "claimed"]
    assert json_data[2]["open_at"] == "2024-06-03T07:00:00+05:00"
    assert json_data[0]["published_at"] is None and csv_data[0]["published_at"] == ""
