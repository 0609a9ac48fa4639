"""SPEC §4, §8 queue lists: position, application number, filed_at, benefit class, masked child."""

import datetime as dt

from core.iin import iin_build
from placements.application_actions import benefit_reject
from queues.services import application_file
from tests.factories import astana
from tests.opendata.conftest import SPEC_ORDER, csv_rows, json_rows

TEMIRTAU_2022 = "/open/queues/?locality=temirtau&birth_year=2022&kind=general"


def _labels(world, numbers):
    by_number = {a.number: label for label, a in world.apps.items()}
    return [by_number[n] for n in numbers]


def test_positions_follow_the_spec_example(client, world, clock):
    """E=[e1], G=[g1..g5], P=[p1,p2,p3], filed g1 p1 g2 e1 g3 p2 g4 p3 g5 → e1 g1 g2 g3 p1 g4 g5 p2 p3."""
    response = client.get(TEMIRTAU_2022, HTTP_ACCEPT_LANGUAGE="en")
    rows = response.context["rows"]
    assert _labels(world, [r["number"] for r in rows]) == SPEC_ORDER
    assert [r["position"] for r in rows] == list(range(1, 10))
    assert [r["benefit"] for r in rows] == ["extraordinary", "none", "none", "none", "priority", "none", "none", "priority", "priority"]
    assert rows[0]["child"] == world.masked("e1") == "Т*** Е."
    assert rows[0]["filed_at"] == astana(2024, 5, 2, 10, 3)
    text = response.content.decode()
    assert "02.05.2024 10:03:00" in text
    assert f"?number={world.apps['e1'].number}" in text  # each row links to its check


def test_the_downloads_hold_the_same_order(client, world, clock):
    from_csv = csv_rows(client.get(TEMIRTAU_2022 + "&format=csv"))
    from_json = json_rows(client.get(TEMIRTAU_2022 + "&format=json"))
    assert _labels(world, [int(r["number"]) for r in from_csv]) == SPEC_ORDER
    assert [r["number"] for r in from_json] == [int(r["number"]) for r in from_csv]
    assert [r["position"] for r in from_json] == list(range(1, 10))
    assert from_json[0]["filed_at"] == "2024-05-02T10:03:00+05:00"
    assert from_json[0]["child"] == "Т*** Е."


def test_without_a_queue_chosen_the_page_lists_the_queues_and_their_sizes(client, world, clock):
    rows = client.get("/open/queues/").context["rows"]
    # t21 and k1 hold directions: they stand in no queue (SPEC §4).
    assert [(r["locality_code"], r["birth_year"], r["general"]) for r in rows] == [("karaganda", 2023, 1), ("temirtau", 2022, 9)]
    rows = client.get("/open/queues/?locality=temirtau").context["rows"]
    assert [(r["locality_code"], r["birth_year"]) for r in rows] == [("temirtau", 2022)]
    rows = client.get("/open/queues/?birth_year=2023").context["rows"]
    assert [(r["locality_code"], r["birth_year"]) for r in rows] == [("karaganda", 2023)]
    assert [r["birth_year"] for r in json_rows(client.get("/open/queues/?format=json"))] == [2023, 2022]


def test_a_rejected_benefit_stands_as_general(client, world, clock):
    benefit_reject(application=world.apps["e1"], now=astana(2024, 6, 4, 9))
    rows = client.get(TEMIRTAU_2022).context["rows"]
    # G = [g1, e1(filed 10:03), g2 ...]: by filing time g1 g2 e1 g3 | p1 | g4 g5 | p2 p3
    assert _labels(world, [r["number"] for r in rows]) == ["g1", "g2", "e1", "p1", "g3", "g4", "g5", "p2", "p3"]
    assert rows[2]["benefit"] == "none"


def test_the_special_queue_lists_only_its_members(client, world, clock):
    sen = application_file(
        child_iin=iin_build(dt.date(2022, 8, 1), serial=500),
        locality_code="temirtau",
        now=astana(2024, 5, 3, 9),
        queues=("general", "special"),
        sen_pmpk=True,
        child_last_name="Оралова",
        child_first_name="Томирис",
    )
    rows = client.get("/open/queues/?locality=temirtau&birth_year=2022&kind=special").context["rows"]
    assert [(r["position"], r["number"]) for r in rows] == [(1, sen.number)]
    assert len(client.get(TEMIRTAU_2022).context["rows"]) == 10


def test_pages_are_slices_of_the_order(client, world, clock):
    for i in range(53):
        application_file(
            child_iin=iin_build(dt.date(2023, 2, 1) + dt.timedelta(days=i), serial=600 + i),
            locality_code="karaganda",
            now=astana(2024, 5, 3, 9) + dt.timedelta(minutes=i),
            child_last_name="Қасенова",
            child_first_name="Ару",
        )
    url = "/open/queues/?locality=karaganda&birth_year=2023"
    first = client.get(url)
    assert [r["position"] for r in first.context["rows"]] == list(range(1, 51))
    assert 'rel="next"' in first.content.decode()
    second = client.get(url + "&page=2")
    assert [r["position"] for r in second.context["rows"]] == [51, 52, 53, 54]
    # k3 was filed first (02.05), the 53 after it, one a minute.
    assert second.context["rows"][-1]["filed_at"] == astana(2024, 5, 3, 9, 52)
    assert len(json_rows(client.get(url + "&page=2&format=json"))) == 54
