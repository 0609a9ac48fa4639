"""SPEC §3 "check the queue": by child IIN, applicant IIN (POST only) or application number; the
position in each queue and why, priority access, the direction; refusals in plain words."""

import datetime as dt
from types import SimpleNamespace

from core.iin import iin_build
from opendata import views
from tests.opendata.conftest import body, client_from_own_address

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _check(client, query, **extra):
    response = client.post("/open/check/", {"query": query}, **{**EN, **extra})
    assert response.status_code == 200
    return response


def test_by_number_as_a_link_shows_the_position_and_why(client, world, clock):
    p2 = world.apps["p2"]
    response = client.get(f"/open/check/?number={p2.number}", **EN)
    [result] = response.context["results"]
    [place] = result.places
    # e1 g1 g2 g3 p1 g4 g5 [p2] p3: 1 extraordinary, 5 general and 1 priority stand before it.
    assert (place.kind, place.position, place.size) == ("general", 8, 9)
    assert (place.ahead_extraordinary, place.ahead_general, place.ahead_priority) == (1, 5, 1)
    text = response.content.decode()
    assert "place <strong>8</strong> of 9" in text
    assert "1 extraordinary applications, 5 general and 1 priority applications stand before yours." in text
    assert "Yours is priority application number 2, so its slot comes after general application number 6." in text
    assert "Fewer general applications are waiting than that, so it follows all of them." in text
    assert result.child == "К*** Т."


def test_by_the_childs_iin_the_form_is_posted_and_the_iin_is_not_echoed(client, world, clock):
    g4 = world.apps["g4"]
    response = _check(client, g4.child_iin)
    [result] = response.context["results"]
    assert result.number == g4.number
    assert [(p.position, p.ahead_extraordinary, p.ahead_general, p.ahead_priority) for p in result.places] == [(6, 1, 3, 1)]
    text = response.content.decode()
    assert "1 extraordinary applications, 3 general and 1 priority applications stand before yours." in text
    assert "Yours is general application number 4." in text
    assert g4.child_iin not in text
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]


def test_by_the_applicants_iin_with_the_open_grant_and_its_deadline(client, world, clock):
    e1 = world.apps["e1"]
    response = _check(client, f"{e1.applicant_iin[:6]} {e1.applicant_iin[6:]}")  # spaces people type are ignored
    [result] = response.context["results"]
    assert result.number == e1.number and result.places[0].position == 1
    assert [(g.kind, g.open_now) for g in result.grants] == [("general", True)]
    text = response.content.decode()
    assert "until <strong>06.06.2024 07:00</strong>" in text
    assert "yours is number 1 among them" in text
    assert e1.applicant_iin not in text


def test_a_directed_application_shows_its_direction_and_no_position(client, world, clock):
    k1 = world.apps["k1"]
    response = client.get(f"/open/check/?number={k1.number}", **EN)
    [result] = response.context["results"]
    assert result.status == "directed" and result.places == [] and result.grants == []
    assert (result.direction.number, result.direction.kindergarten, result.direction.active) == (world.directions["k1"].number, "Ясли-сад «Азамат»", True)
    text = response.content.decode()
    assert f"#{world.directions['k1'].number}" in text
    assert "valid until <strong>10.06.2024 09:00</strong>" in text
    assert "The application holds a direction, so it has left the queue." in text


def test_invalid_input_gets_a_clear_message_and_nothing_is_looked_up(client, world, clock):
    bad_checksum = world.apps["g1"].child_iin[:11] + str((int(world.apps["g1"].child_iin[11]) + 1) % 10)
    for query, message in [
        (bad_checksum, "This IIN is not valid: check its 12 digits."),
        ("12ab", "Enter digits only: a 12-digit IIN or an application number."),
        ("1234567890123", "An IIN has 12 digits; an application number is shorter."),
        ("", "Enter an IIN or an application number."),
    ]:
        response = _check(client, query)
        assert response.context["results"] == []
        assert message in response.content.decode()
        assert 'role="alert"' in response.content.decode()


def test_nothing_found_says_so(client, world, clock):
    response = _check(client, iin_build(dt.date(2020, 1, 1), serial=42))
    assert "No application was found." in response.content.decode()
    response = client.get("/open/check/?number=999", **EN)
    assert "No application was found." in response.content.decode()
    response = client.get("/open/check/?number=abc", **EN)
    assert "An application number is a whole number, 1 or more." in response.content.decode()


def test_an_iin_in_the_url_is_ignored(client, world, clock):
    response = client.get(f"/open/check/?query={world.apps['g1'].child_iin}&iin={world.apps['g1'].child_iin}")
    assert response.context["results"] == [] and not response.context["searched"]


def test_the_check_form_needs_its_csrf_token(world, clock):
    client = client_from_own_address(enforce_csrf_checks=True)
    assert client.post("/open/check/", {"query": str(world.apps["g1"].number)}).status_code == 403
    page = client.get("/open/check/")
    token = page.cookies["csrftoken"].value
    response = client.post("/open/check/", {"query": str(world.apps["g1"].number), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert len(response.context["results"]) == 1


def test_htmx_gets_only_the_result(client, world, clock):
    response = _check(client, str(world.apps["g1"].number), HTTP_HX_REQUEST="true")
    text = body(response)
    assert "<html" not in text and "od-application" in text
    assert "HX-Request" in response["Vary"]


def test_other_methods_are_refused(client, world, clock):
    assert client.put("/open/check/").status_code == 405


def test_lookups_of_one_identifier_are_limited_but_other_families_at_the_same_address_are_not(client, world, clock, monkeypatch):
    """Issue 9: families behind one carrier NAT or kiosk share an address; the limit is per child."""
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))  # one window
    monkeypatch.setattr(views, "CHECK_LIMIT", 2)
    for _ in range(2):
        assert len(_check(client, world.apps["g1"].child_iin).context["results"]) == 1
    refused = client.post("/open/check/", {"query": world.apps["g1"].child_iin}, **EN)
    assert refused.status_code == 429
    assert "Too many requests." in refused.content.decode()
    assert refused.context["results"] == []
    # The same child from another address is refused too: the budget is the child's, not the address's.
    assert client_from_own_address().post("/open/check/", {"query": world.apps["g1"].child_iin}, **EN).status_code == 429
    # Other families at the same address are not refused.
    for label in ("g2", "g3", "p1"):
        assert len(_check(client, world.apps[label].child_iin).context["results"]) == 1


def test_lookups_by_number_as_a_link_are_rate_limited_like_the_form(client, world, clock, monkeypatch):
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))  # one window
    url = f"/open/check/?number={world.apps['g1'].number}"
    for _ in range(views.CHECK_LIMIT):
        assert len(client.get(url, **EN).context["results"]) == 1
    refused = client.get(url, HTTP_ACCEPT_LANGUAGE="kk")
    assert refused.status_code == 429
    assert refused.context["results"] == []
    assert "Сұраулар тым көп. Бір минут күтіп, қайталап көріңіз." in refused.content.decode()
    assert client.get("/open/check/", **EN).status_code == 200  # the empty form is not a lookup
    # One budget for both ways of looking up the number: the form is refused as well.
    assert client.post("/open/check/", {"query": str(world.apps["g1"].number)}, **EN).status_code == 429
    assert len(client.get(f"/open/check/?number={world.apps['g2'].number}", **EN).context["results"]) == 1


def test_the_address_ceiling_still_stops_a_flood_of_lookups(client, world, clock, monkeypatch):
    """Walking through numbers or IINs from one address: each is new, the address's ceiling is not."""
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    monkeypatch.setattr("core.ratelimit.ADDRESS_CEILING", 5)
    statuses = [client.get(f"/open/check/?number={900_000 + n}", **EN).status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]
    assert client.post("/open/check/", {"query": world.apps["g1"].child_iin}, **EN).status_code == 429
    assert len(_check(client_from_own_address(), world.apps["g1"].child_iin).context["results"]) == 1
