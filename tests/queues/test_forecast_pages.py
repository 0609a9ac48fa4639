"""The wait forecast where people read it (issue 12, item 1): beside each place in the cabinet and on
the public queue check, in Kazakh, Russian and English; and the back-test report for staff.

History: tests/queues/test_forecast.py (two years of releases, 2 places a week outside summer)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from queues.forecast_backtest import forecast_backtest
from queues.models import Application
from queues.selectors import queue_order
from queues.selectors_cabinet import application_summary
from tests.admin.conftest import staff_user
from tests.opendata.conftest import body, client_from_own_address
from tests.queues.test_forecast import NOW, two_years  # noqa: F401 (the fixture)


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _tenth_waiting(locality) -> Application:
    """Place 10 of the queue at NOW: 2 a week → about five weeks, early April 2025."""
    return Application.objects.get(pk=queue_order(locality_id=locality.pk, birth_year=2022, kind="general")[9])


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Forecast of the wait", "2025"]),
        ("ru", ["апрель", "2025"]),
        ("kk", ["сәуір", "2025"]),
    ],
)
def test_the_public_queue_check_shows_the_forecast_in_words(two_years, at_now, language, words):  # noqa: F811
    application = _tenth_waiting(two_years)
    client = client_from_own_address()
    client.cookies["django_language"] = language
    page = body(client.get(f"/open/check/?number={application.number}"))
    assert "forecast forecast--ok" in page
    for word in words:
        assert word in page, (language, word)


def test_the_cabinet_shows_the_forecast_beside_the_place(two_years):  # noqa: F811
    # The cabinet's own summary and card (queues/selectors_cabinet.py, templates/queues/_application.html);
    # the login around them is tested in tests/cabinet.
    application = _tenth_waiting(two_years)
    summary = application_summary(application=application, now=NOW)
    (row,) = summary.positions
    assert row.position.position == 10 and row.forecast.status == "ok"
    with translation.override("en"):
        page = render_to_string("queues/_application.html", {"summary": summary, "single": True})
    assert "place 10 of" in page
    assert "Forecast of the wait:" in page and "Priority access is most likely to reach this place" in page
    assert "April 2025" in page
    with translation.override("kk"):
        assert "сәуір" in render_to_string("queues/_application.html", {"summary": summary, "single": True})


@pytest.mark.django_db
def test_a_queue_without_history_says_so_plainly(at_now):
    from tests.factories import ApplicationFactory

    application = ApplicationFactory()
    client = client_from_own_address()
    client.cookies["django_language"] = "en"
    page = body(client.get(f"/open/check/?number={application.number}"))
    assert "forecast--too_little_history" in page and "too little history" in page
    assert "in eight cases out of ten" not in page


def test_staff_read_the_latest_backtest_in_the_reports(client, two_years, at_now):  # noqa: F811
    forecast_backtest(now=NOW, at=dt.datetime(2024, 9, 1, tzinfo=NOW.tzinfo), horizon_days=120)
    latest = forecast_backtest(now=NOW, at=dt.datetime(2024, 3, 1, tzinfo=NOW.tzinfo), horizon_days=300)
    client.force_login(staff_user("clerk", "queues.view_application"))
    client.cookies["django_language"] = "en"
    page = client.get("/admin/reports/forecast/").content.decode()
    assert "Latest back-test: forecast as of 01.03.2024" in page
    assert f"<td>{latest.checked}</td>" in page
    assert "Earlier back-tests" in page and "01.09.2024" in page
    assert 'href="/admin/reports/forecast/"' in client.get("/admin/reports/").content.decode()
    client.force_login(staff_user("nobody", is_staff=True))
    assert client.get("/admin/reports/forecast/").status_code == 403
