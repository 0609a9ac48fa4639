"""INDIGO's own error pages, in the visitor's language, saying what to do: 404, 403, 429 through
the catalog; 500 and 503 in every portal language (rendered with no database and no catalog
needed), 503 whenever the database is unreachable."""

import sqlite3
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import translation
from django.utils.html import escape

pytestmark = pytest.mark.django_db

KK_500 = "Біздің тарапта қате орын алды"
RU_500 = "Что-то пошло не так на нашей стороне"
KK_503 = "Қызмет уақытша қолжетімсіз"
RU_503 = "Сервис временно недоступен"


@pytest.fixture(autouse=True)
def _failing_views(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.core.error_urls"


def _client(language: str) -> Client:
    # The test client would re-raise the view's exception; a browser gets the page.
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language
    return client


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return escape(translation.gettext(text))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_unknown_address_gets_the_not_found_page_naming_it(language):
    response = _client(language).get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in page
    assert _in(language, "Page not found") in page and "/no/such/page/" in page
    assert 'href="/"' in page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_forbidden_page_says_so_and_what_to_do(language):
    response = _client(language).get("/fail/forbidden/")
    assert response.status_code == 403
    assert f'<html lang="{language}">' in response.content.decode()
    assert _in(language, "Access denied") in response.content.decode()


@pytest.mark.parametrize(("language", "first", "second"), [("kk", KK_500, RU_500), ("ru", RU_500, KK_500)])
def test_a_bug_gets_the_server_error_page_in_both_languages_without_the_database(language, first, second, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = _client(language).get("/fail/bug/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Server Error" not in page
    assert first in page and second in page and page.index(first) < page.index(second)  # the visitor's own first
    assert "Сіздің деректеріңіз сақтаулы" in page and "Ваши данные в сохранности" in page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_view_that_finds_the_database_unreachable_gets_the_maintenance_page(language):
    response = _client(language).get("/fail/database/")
    page = response.content.decode()
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert KK_503 in page and RU_503 in page
    assert "Ничего не потеряно" in page and "Ештеңе жоғалған жоқ" in page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_too_many_requests_gets_the_page_in_the_visitors_language(language, monkeypatch):
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))  # one window
    client = _client(language)
    statuses = [client.post("/cabinet/login/", {"iin": "123"}).status_code for _ in range(11)]
    assert statuses[-1] == 429
    page = client.post("/cabinet/login/", {"iin": "123"}).content.decode()
    assert _in(language, "Too many requests. Please wait a minute and try again.") in page
    assert {"kk": "Сұраулар тым көп", "ru": "Слишком много запросов"}[language] in page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_form_without_its_csrf_token_gets_the_expired_form_page(language):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = language
    response = client.post("/locality/", {"locality": ""})
    assert response.status_code == 403
    assert _in(language, "The form has expired") in response.content.decode()
    assert "CSRF verification failed" not in response.content.decode()  # Django's own English page


# --- a database that is really down -----------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """Every new connection goes to a port nobody listens on; the test database is back afterwards.
    SQLite's in-memory test database ignores close(), so there every cursor fails instead, as a
    missing database file would."""
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    if connection.vendor == "sqlite":

        def unreachable(*args, **kwargs):
            raise sqlite3.OperationalError("unable to open database file")

        monkeypatch.setattr(type(connections["default"]), "create_cursor", unreachable)
    yield
    connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_with_the_database_down_a_page_answers_the_maintenance_page(database_down, language):
    response = _client(language).get("/")
    assert response.status_code == 503 and response["Retry-After"]
    assert KK_503 in response.content.decode() and RU_503 in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_a_visitor_with_a_session_gets_the_maintenance_page(database_down):
    # The session is read by the cabinet middleware, before any view: the 500 handler answers 503.
    client = _client("ru")
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/open/check/")
    assert response.status_code == 503
    assert RU_503 in response.content.decode()
