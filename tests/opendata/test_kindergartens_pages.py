"""The kindergarten directory and each kindergarten's passport (seeds/003: the passport shows the free seats)."""

import pytest

from tests.opendata.conftest import AFTER, json_rows


def test_the_directory_lists_kindergartens_with_their_groups_and_free_seats(client, world, clock):
    rows = client.get("/open/kindergartens/").context["rows"]
    assert [(r["code"], r["groups"], r["capacity"], r["free_priority"], r["free_general"]) for r in rows] == [
        ("azamat", 1, 15, 0, 0),  # one seat claimed, the other withdrawn
        ("arman", 2, 45, 2, 0),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("?locality=temirtau", ["arman"]), ("?name=Азамат", ["azamat"]), ("?name=арман", ["arman"]), ("?language=ru", ["azamat"]), ("?language=kk", ["arman"])],
)
def test_the_directory_filters(client, world, clock, query, expected):
    assert [r["code"] for r in client.get(f"/open/kindergartens/{query}").context["rows"]] == expected


def test_the_directory_downloads(client, world, clock):
    clock.set(AFTER)
    rows = json_rows(client.get("/open/kindergartens/?locality=temirtau&format=json"))
    assert rows == [
        {
            "code": "arman",
            "name": "Ясли-сад №9 «Арман»",
            "locality": "Темиртау",
            "address": "г. Темиртау, пр. Металлургов, 5",
            "phone": "+7 7213 44-55-66",
            "groups": 2,
            "capacity": 45,
            "free_priority": 0,
            "free_general": 2,
            "free_seats": 2,
        }
    ]


def test_the_passport_shows_address_phone_groups_and_free_seats_now(client, world, clock):
    response = client.get("/open/kindergarten/arman/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    passport = response.context["passport"]
    assert passport.kindergarten["address"] == "г. Темиртау, пр. Металлургов, 5"
    assert [
        (g["code"], g["age_from"], g["age_to"], g["language"], g["kind"], g["capacity"], g["free_priority"], g["free_general"]) for g in passport.groups
    ] == [
        ("arman-2", 2, 3, "kk", "general", 20, 2, 0),
        ("arman-3", 3, 4, "kk", "general", 25, 0, 0),
    ]
    assert [(r["group_code"], r["birth_year"], r["seats"], r["access"]) for r in passport.free_seats] == [("arman-2", 2022, 2, "priority")]
    text = response.content.decode()
    assert "+7 7213 44-55-66" in text and "2 to 3 years" in text and "06.06.2024 07:00" in text


def test_an_unknown_kindergarten_is_not_found(client, world, clock):
    assert client.get("/open/kindergarten/nowhere/").status_code == 404
