"""What every public list shares: it renders in Kazakh and Russian, the downloads hold the rows the
page holds, htmx gets only the results, no row costs a query, and nothing personal leaks (SPEC §8)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.iin import iin_build
from opendata import views
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.models import Group, Kindergarten
from placements.seats import seat_release, seat_withdraw
from queues.models import Locality
from queues.services import application_file
from tests.factories import astana
from tests.opendata.conftest import APPLICANT, CHILD_MIDDLE_NAME, body, csv_rows, json_rows

LISTS = [
    "/open/free-seats/",
    "/open/releases/",
    "/open/directions/",
    "/open/queues/",
    "/open/queues/?locality=temirtau&birth_year=2022",
    "/open/kindergartens/",
]
PAGES = [*LISTS, "/open/kindergarten/arman/", "/open/check/"]


def _with(url: str, **params: str) -> str:
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_in_russian_and_kazakh(client, world, clock, url, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = body(response)
    assert f'lang="{language}"' in text
    if url != "/open/check/":
        # Names in the visitor's language (Kazakh names where the kindergarten has them).
        assert ("Теміртау" if language == "kk" else "Темиртау") in text


@pytest.mark.parametrize("url", LISTS)
def test_csv_and_json_hold_exactly_the_rows_of_the_page(client, world, clock, url):
    page = client.get(url)
    rows = page.context["rows"]
    assert rows, "the world has rows on every list"
    from_csv = csv_rows(client.get(_with(url, format="csv")))
    from_json = json_rows(client.get(_with(url, format="json")))
    assert len(from_csv) == len(from_json) == len(rows) == page.context["page_obj"].paginator.count
    columns = list(from_csv[0])
    assert list(from_json[0]) == columns
    for html_row, csv_row, json_row in zip(rows, from_csv, from_json, strict=True):
        for column in columns:
            value = json_row[column]
            assert csv_row[column] == ("" if value is None else str(value))
            if not isinstance(html_row[column], dt.datetime):
                assert html_row[column] == value


@pytest.mark.parametrize("url", LISTS)
def test_a_download_is_an_attachment_streamed_in_astana_time(client, world, clock, url):
    response = client.get(_with(url, format="csv"))
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = body(response)
    assert "+06:00" not in text and "Z," not in text  # every moment with the +05:00 offset of 2024


@pytest.mark.parametrize("url", LISTS)
def test_htmx_gets_only_the_results_fragment(client, world, clock, url):
    response = client.get(url, HTTP_HX_REQUEST="true")
    text = body(response)
    assert response.status_code == 200
    assert "<html" not in text and "<form" not in text
    assert 'class="od-found"' in text
    assert "HX-Request" in response["Vary"]
    # A boosted navigation needs the whole page.
    boosted = body(client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true"))
    assert "<html" in boosted and 'id="od-results"' in boosted


@pytest.mark.parametrize("url", LISTS)
def test_every_list_works_without_javascript(client, world, clock, url):
    text = body(client.get(url))
    assert '<form class="od-filters" method="get" action="' in text
    assert 'href="?format=csv' in text.replace("&amp;", "&") or "format=csv" in text


def _grow(world) -> None:
    """More of everything: a locality, a kindergarten, applications, seats, directions, a withdrawal."""
    saran = Locality.objects.create(code="saran", name="Сарань", name_kk="Саран")
    kindergarten = Kindergarten.objects.create(code="balbobek", name="Ясли-сад «Балбөбек»", locality=saran)
    group = Group.objects.create(code="balbobek-2", kindergarten=kindergarten, age_from=2, age_to=3, language="ru")
    other = Group.objects.create(code="balbobek-2b", kindergarten=kindergarten, age_from=2, age_to=3, language="kk")
    apps = [
        application_file(
            child_iin=iin_build(dt.date(2022, 9, 1) + dt.timedelta(days=i), serial=700 + i),
            locality_code="saran",
            now=astana(2024, 5, 5, 9) + dt.timedelta(minutes=i),
            child_last_name="Жанибекова",
            child_first_name="Сара",
        )
        for i in range(6)
    ]
    for i in range(4):  # the Temirtau queue grows too
        application_file(
            child_iin=iin_build(dt.date(2022, 10, 1) + dt.timedelta(days=i), serial=800 + i),
            locality_code="temirtau",
            now=astana(2024, 5, 6, 9) + dt.timedelta(minutes=i),
            benefit="priority" if i % 2 else "none",
            child_last_name="Ерланова",
            child_first_name="Дильназ",
        )
    seats = seat_release(group=group, birth_year=2022, count=4, now=astana(2024, 6, 3, 12))
    seat_release(group=other, birth_year=2022, count=2, now=astana(2024, 6, 3, 12))
    seat_release(group=world.arman_3, birth_year=2021, count=2, now=astana(2024, 6, 3, 12))
    bulletin_publish(now=astana(2024, 6, 3, 18))
    seat_claim(application=apps[0], group=group, now=astana(2024, 6, 4, 8))
    seat_claim(application=apps[1], group=group, now=astana(2024, 6, 4, 8, 30))
    seat_withdraw(seat=seats[3], now=astana(2024, 6, 4, 9))


@pytest.mark.parametrize("url", [*LISTS, "/open/kindergarten/arman/"])
def test_more_rows_cost_no_more_queries(client, world, clock, url):
    client.get(url)  # warm-up: sessions, content types
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    _grow(world)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]
    assert response.status_code == 200


def _secrets(world) -> list[str]:
    return [*world.secrets, CHILD_MIDDLE_NAME, *APPLICANT.values()]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_iin_phone_address_birth_date_or_full_name_on_any_page_or_download(client, world, clock, language, monkeypatch):
    monkeypatch.setattr(views, "CHECK_LIMIT", 1000)
    urls = [*PAGES, *(_with(u, format=f) for u in LISTS for f in ("csv", "json"))]
    urls += [f"/open/check/?number={a.number}" for a in world.apps.values()]
    urls += ["/open/queues/?locality=karaganda&birth_year=2023", "/open/kindergarten/azamat/"]
    texts = {url: body(client.get(url, HTTP_ACCEPT_LANGUAGE=language)) for url in urls}
    for application in world.apps.values():
        for query in (application.child_iin, application.applicant_iin, str(application.number)):
            response = client.post("/open/check/", {"query": query}, HTTP_ACCEPT_LANGUAGE=language)
            texts[f"POST {query}"] = body(response)
            assert application.child_name_masked in texts[f"POST {query}"]
    for url, text in texts.items():
        for secret in _secrets(world):
            assert secret not in text, f"{secret!r} leaks on {url}"
    # The masked form is what shows: surname initial, first-name initial.
    assert "О*** А." in texts["/open/queues/?locality=temirtau&birth_year=2022"]
    assert "Б*** А." in texts["/open/directions/"]
