"""The home page (SPEC §8 counters), the locality chooser and the language switcher, as a visitor sees them.

The home view reads the clock, so the rows are made through the real services at moments counted
back from now: the counters must see them the way a visitor today would.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.calendar import enrollment_year
from placements.application_actions import application_withdraw
from placements.bulletin import bulletin_publish
from placements.claims import seat_claim
from placements.directions import direction_enroll
from placements.seats import seat_release, seat_withdraw
from placements.selectors import portal_counters
from queues.models import Locality
from tests.factories import ApplicationFactory, GroupFactory, KindergartenFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
COUNTER_VALUE = re.compile(r'<span class="counter__value">(\d+)</span>')


@pytest.fixture(autouse=True)
def _compiled_catalogs(settings):
    """The .mo files are build products (`make messages`): compile them so a bare pytest run sees the .po files."""
    call_command("compile_catalogs", stdout=io.StringIO())
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)  # setting_changed: Django drops its cached catalogs


@pytest.fixture
def city() -> dict:
    """Two localities with kindergartens, seats and applications in every state the counters look at.

    Temirtau: 2 kindergartens; free seats 3 (group 1: 5 published − 3 taken − 1 withdrawn = 1, its
    window long past but the state column not promoted yet; group 2: 2 published an hour ago);
    queued 2 (_a4, _a7); enrolled in the last 5 days 1 (a2; a1 was 7 days ago); withdrawn in the
    last 5 days 1 (a5; a6 was 6 days ago). A released seat not yet in a bulletin is not free.
    Saran: 1 kindergarten, 1 free seat, 1 queued, 0 enrolled, 1 withdrawn recently.
    Whole portal: 3, 4, 3, 1, 2.
    """
    now = timezone.now()
    birth_year = enrollment_year(now) - 3  # 2–4 years old whichever side of 1 June the test runs
    born = dt.date(birth_year, 3, 4)
    temirtau = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    saran = Locality.objects.create(code="saran", name="Сарань", name_kk="Саран")
    group_1 = GroupFactory(kindergarten=KindergartenFactory(locality=temirtau), age_from=1, age_to=5)
    group_2 = GroupFactory(kindergarten=KindergartenFactory(locality=temirtau), age_from=1, age_to=5)
    group_saran = GroupFactory(kindergarten=KindergartenFactory(locality=saran), age_from=1, age_to=5)

    filed = now - 40 * DAY
    a1, a2, a3, _a4, a5, a6, _a7 = (ApplicationFactory(locality=temirtau, child_birth_date=born, filed_at=filed) for _ in range(7))
    _b1, b2 = (ApplicationFactory(locality=saran, child_birth_date=born, filed_at=filed) for _ in range(2))

    seats_1 = seat_release(group=group_1, birth_year=birth_year, count=5, now=now - 31 * DAY)
    seat_release(group=group_saran, birth_year=birth_year, count=1, now=now - 31 * DAY)
    bulletin_publish(now=now - 30 * DAY)  # priority for 3 working days, long over by now

    seat_claim(application=a1, group=group_1, now=now - 8 * DAY)
    direction_enroll(application=a1, now=now - 7 * DAY)
    application_withdraw(application=a6, now=now - 6 * DAY)
    seat_claim(application=a2, group=group_1, now=now - 3 * DAY)
    direction_enroll(application=a2, now=now - 2 * DAY)
    seat_claim(application=a3, group=group_1, now=now - 1 * DAY)
    application_withdraw(application=a5, now=now - 1 * DAY)
    application_withdraw(application=b2, now=now - 1 * DAY)
    seat_withdraw(seat=seats_1[4], now=now - 1 * DAY)

    seat_release(group=group_2, birth_year=birth_year, count=2, now=now - 2 * dt.timedelta(hours=1))
    bulletin_publish(now=now - dt.timedelta(hours=1))
    seat_release(group=group_1, birth_year=birth_year, count=1, now=now - dt.timedelta(minutes=30))
    return {"temirtau": temirtau, "saran": saran}


def _counter_values(response) -> list[int]:
    return [int(value) for value in COUNTER_VALUE.findall(response.content.decode())]


def _choose_locality(client: Client, code: str, next_url: str = "/"):
    return client.post("/locality/", {"locality": code, "next": next_url})


def test_home_shows_the_portal_counters_from_real_rows_in_russian(client, city):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    # kindergartens, free seats, in the queues, enrolled in 5 days, withdrawn in 5 days
    assert _counter_values(response) == [3, 4, 3, 1, 2]
    assert "Свободных мест" in html
    assert "Показатели по всем населённым пунктам." in html


def test_home_shows_the_same_counters_in_kazakh(client, city):
    client.cookies["django_language"] = "kk"

    response = client.get("/")

    html = response.content.decode()
    assert '<html lang="kk">' in html
    assert _counter_values(response) == [3, 4, 3, 1, 2]
    assert "Бос орындар" in html
    assert "Кезек қалай жұмыс істейді" in html


def test_locality_chooser_remembers_the_locality_and_filters_the_counters(client, city):
    response = _choose_locality(client, "temirtau")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["locality"] == "temirtau"
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert _counter_values(home) == [2, 3, 2, 1, 1]
    html = home.content.decode()
    assert "Показатели: Темиртау." in html
    assert '<option value="temirtau" selected>Темиртау</option>' in html

    _choose_locality(client, "saran")
    assert _counter_values(client.get("/")) == [1, 1, 1, 0, 1]


def test_choosing_all_localities_forgets_the_locality(client, city):
    _choose_locality(client, "saran")

    _choose_locality(client, "")

    assert "locality" not in client.session
    assert _counter_values(client.get("/")) == [3, 4, 3, 1, 2]


def test_an_unknown_locality_code_shows_all_localities(client, city):
    _choose_locality(client, "temirtau")

    _choose_locality(client, "atlantis")

    assert "locality" not in client.session
    assert _counter_values(client.get("/")) == [3, 4, 3, 1, 2]


def test_the_locality_chooser_shows_kazakh_names_in_kazakh(client, city):
    client.cookies["django_language"] = "kk"
    _choose_locality(client, "temirtau")

    html = client.get("/").content.decode()

    assert '<option value="temirtau" selected>Теміртау</option>' in html
    assert "Көрсеткіштер: Теміртау." in html


def test_locality_chooser_goes_back_to_the_page_it_was_posted_from(client, city):
    response = _choose_locality(client, "temirtau", next_url="/open/free-seats/?birth_year=2022")

    assert response["Location"] == "/open/free-seats/?birth_year=2022"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", ""])
def test_locality_chooser_never_redirects_off_the_site(client, city, next_url):
    response = _choose_locality(client, "temirtau", next_url=next_url)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_locality_chooser_accepts_only_post(client, city):
    assert client.get("/locality/?locality=temirtau").status_code == 405


def test_locality_chooser_checks_the_csrf_token(city):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/locality/", {"locality": "temirtau", "next": "/"})

    assert response.status_code == 403
    # The forged choice changed nothing: the home page still asks for a locality.
    html = client.get("/").content.decode()
    assert '<option value="temirtau" selected>' not in html and "Көрсеткіштер: Теміртау." not in html


def _switcher_form(html: str, code: str) -> tuple[str, dict]:
    """The header's form for language `code`, as the browser would submit it: (action, fields)."""
    for form in re.findall(r"<form [^>]*>.*?</form>", html, flags=re.S):
        if f'name="language" value="{code}"' in form:
            action = re.search(r'action="([^"]+)"', form).group(1)
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
            return action, {**fields, "language": code}
    raise AssertionError(f"no language button {code!r} in the header")


def test_the_header_switcher_brings_the_visitor_back_to_the_same_page_in_kazakh(city):
    client = Client(enforce_csrf_checks=True)  # the form carries its own CSRF token
    page = "/open/kindergartens/"
    action, fields = _switcher_form(client.get(page, HTTP_ACCEPT_LANGUAGE="ru").content.decode(), "kk")

    response = client.post(action, fields, follow=True)

    assert response.redirect_chain[-1][0] == page  # the same page, not the home page
    html = response.content.decode()
    assert '<html lang="kk">' in html and 'value="kk" lang="kk" aria-current="true"' in html
    assert client.cookies["django_language"].value == "kk"


def test_the_chosen_language_is_remembered_in_the_cookie(client, city):
    action, fields = _switcher_form(client.get("/").content.decode(), "kk")
    client.post(action, fields)

    assert client.cookies["django_language"].value == "kk"
    assert '<html lang="kk">' in client.get("/").content.decode()
    # A later visit with a browser that prefers Russian still gets Kazakh: the cookie wins.
    assert "Мектепке дейінгі ұйымдар" in client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    client.post(*_switcher_form(client.get("/").content.decode(), "en"))
    assert "How the queue works" in client.get("/").content.decode()


def test_the_header_offers_every_language_and_marks_the_current_one(client, city):
    client.cookies["django_language"] = "ru"

    html = client.get("/").content.decode()

    for code in ("kk", "ru", "en"):
        assert f'name="language" value="{code}" lang="{code}"' in html
    assert 'value="ru" lang="ru" aria-current="true"' in html
    assert 'value="kk" lang="kk" aria-current="true"' not in html


def test_the_page_needs_no_inline_script_or_style(client, city):
    html = client.get("/").content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert re.search(r'<script src="/static/js/htmx\.min\.js" defer>', html)
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]+\"\}'>", html)


def test_the_footer_links_to_every_open_data_page(client, city):
    html = client.get("/").content.decode()

    for path in ("/open/free-seats/", "/open/releases/", "/open/directions/", "/open/queues/", "/open/kindergartens/", "/open/check/"):
        assert f'href="{path}"' in html


def test_the_counters_take_at_most_three_queries(city, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        portal_counters(now=timezone.now(), locality=city["temirtau"])
