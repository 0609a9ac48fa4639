"""SPEC §10: an operator works with their own kindergarten only. The operator of «Арман» gets a
404 for every object of «Азамат» on every URL of the cabinet, and changes nothing there; anonymous
visitors are sent to the login page; the admin stays closed to operators."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from placements.models import Direction, Seat, SeatRelease
from placements.operator import urls as operator_urls
from tests.operator.conftest import body

pytestmark = pytest.mark.django_db

CONTRACT = {"contract_number": "Д-1", "contract_date": "2024-06-04"}
# The views that do not need an object; every other URL must be in the lists below.
NO_OBJECT = {"login", "logout", "dashboard"}
ACCEPTS = {
    "release": {"GET", "POST"},
    "seats": {"GET"},
    "directions": {"GET"},
    "documents": {"GET"},
    "history": {"GET"},
    "seat_withdraw": {"GET", "POST"},
    "seats_withdraw_bulk": {"GET", "POST"},
    "direction": {"GET"},
    "direction_enroll": {"POST"},
    "direction_flag": {"POST"},
}


def _requests_on(world, *, kindergarten, group, seats, directions) -> list[tuple[str, str, dict]]:
    """(url name, path, POST data) for every URL of the cabinet with the given objects."""
    code = kindergarten.code
    requests = [
        ("release", f"/operator/kindergartens/{code}/release/", {"group": group.code, "birth_year": "2022", "count": "1"}),
        ("release", f"/operator/kindergartens/{code}/release/?group={group.code}", {}),
        ("seats", f"/operator/kindergartens/{code}/seats/", {}),
        ("directions", f"/operator/kindergartens/{code}/directions/", {}),
        ("documents", f"/operator/kindergartens/{code}/documents/", {}),
        ("history", f"/operator/kindergartens/{code}/history/", {}),
        ("seats_withdraw_bulk", f"/operator/groups/{group.code}/withdraw/", {"seats": [s.pk for s in seats], "reason": "ремонт", "confirm": "1"}),
    ]
    for seat in seats:
        requests.append(("seat_withdraw", f"/operator/seats/{seat.pk}/withdraw/", {}))
    for direction in directions:
        requests += [
            ("direction", f"/operator/directions/{direction.number}/", {}),
            ("direction_enroll", f"/operator/directions/{direction.number}/enroll/", CONTRACT),
            ("direction_flag", f"/operator/directions/{direction.number}/documents/", {"note": "паспорт"}),
        ]
    return requests


def _kindergarten_b_requests(world) -> list[tuple[str, str, dict]]:
    requests = _requests_on(
        world,
        kindergarten=world.kindergarten_b,
        group=world.group_b,
        seats=Seat.objects.filter(group=world.group_b),
        directions=Direction.objects.filter(seat__group=world.group_b),
    )
    return requests


def _state_of_b(world) -> dict:
    return {
        "seats": list(Seat.objects.filter(group=world.group_b).order_by("id").values_list("id", "state", "withdrawn_at")),
        "releases": SeatRelease.objects.filter(group=world.group_b).count(),
        "directions": list(
            Direction.objects.filter(seat__group=world.group_b)
            .order_by("id")
            .values_list("number", "status", "contract_number", "documents_missing_note", "documents_flagged_at")
        ),
    }


def test_every_url_of_the_cabinet_is_checked_here():
    assert {p.name for p in get_resolver(operator_urls).url_patterns} == NO_OBJECT | set(ACCEPTS)


def test_the_operator_of_a_gets_404_for_everything_of_b_and_changes_nothing(operator_a, world):
    before = _state_of_b(world)
    requests = _kindergarten_b_requests(world)
    assert {name for name, _, _ in requests} == set(ACCEPTS)
    for name, path, data in requests:
        for method in ("GET", "POST"):
            response = operator_a.get(path) if method == "GET" else operator_a.post(path, data)
            # A method the view does not take is refused before any object is looked at.
            expected = {404} if method in ACCEPTS[name] else {405}
            assert response.status_code in expected | {403}, (method, path, response.status_code)
            assert "Азамат" not in body(response) and "Солнышко" not in body(response)
    assert _state_of_b(world) == before


def test_the_group_of_b_is_refused_on_the_release_page_of_a(operator_a, world):
    before = _state_of_b(world)
    a_release = "/operator/kindergartens/arman/release/"
    assert operator_a.get(a_release, {"group": world.group_b.code}).status_code == 404
    assert operator_a.post(a_release, {"group": world.group_b.code, "birth_year": "2022", "count": "1"}).status_code == 404
    assert _state_of_b(world) == before


def test_the_operator_of_a_does_not_see_b_in_its_own_lists(operator_a, world):
    pages = ["/operator/", *(f"/operator/kindergartens/arman/{page}/" for page in ("release", "seats", "directions", "documents", "history"))]
    pages.append(f"/operator/kindergartens/arman/seats/?group={world.group_b.code}")
    for page in pages:
        response = operator_a.get(page)
        html = body(response)
        # The page opens for A and shows A's own kindergarten: a 403 everywhere would not pass.
        assert response.status_code == 200, page
        assert "Арман" in html, page
        assert "Азамат" not in html and "Солнышко" not in html and "Фамилия-plain_b" not in html, page
    # A's own rows are there: the group on the seat list, the child on the directions list.
    assert "Балапан" in body(operator_a.get("/operator/kindergartens/arman/seats/"))
    assert "Фамилия-plain_a" in body(operator_a.get("/operator/kindergartens/arman/directions/"))


def test_the_operator_of_b_is_refused_the_objects_of_a(english, world, clock):
    english.force_login(world.operator_b)
    assert english.get("/operator/kindergartens/arman/seats/").status_code == 404
    assert english.get(f"/operator/directions/{world.directions['issued_a'].number}/").status_code == 404
    assert english.get("/operator/kindergartens/azamat/seats/").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(english, world, clock):
    requests = _requests_on(
        world,
        kindergarten=world.kindergarten_a,
        group=world.group_a,
        seats=Seat.objects.filter(group=world.group_a),
        directions=Direction.objects.filter(seat__group=world.group_a),
    )
    requests.append(("dashboard", "/operator/", {}))
    before = _state_of_b(world), list(Seat.objects.filter(group=world.group_a).values_list("state", flat=True))
    for _name, path, data in requests:
        for response in (english.get(path), english.post(path, data)):
            assert response.status_code == 302, path
            assert response["Location"].startswith("/operator/login/?next=/operator/"), path
    assert (_state_of_b(world), list(Seat.objects.filter(group=world.group_a).values_list("state", flat=True))) == before


def test_the_operator_cannot_open_the_admin(operator_a, world):
    for path in ("/admin/", "/admin/placements/seat/", f"/admin/placements/direction/{world.directions['issued_a'].pk}/change/"):
        response = operator_a.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), path


def test_operator_credentials_do_not_open_the_admin(english, world, clock):
    from tests.operator.conftest import PASSWORD

    english.post("/admin/login/?next=/admin/", {"username": "operator-arman", "password": PASSWORD})
    assert english.get("/admin/").status_code == 302
