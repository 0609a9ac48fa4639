"""Log lines (core/logs.py): JSON or text with time, level, logger and request id; the id follows a
request into its tasks; no IIN, phone or one-time code in any line, across the journeys."""

from __future__ import annotations

import json
import logging
import re
import threading

import pytest
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from core.logs import JsonFormatter, PersonalDataFilter, RequestIdFilter, mask, request_id_var
from indigo.celery import app
from notifications.models import OutboxSms
from tests.cabinet.conftest import PARENT_IIN, PHONE, PHONE2, capture, clock_start, login, temirtau  # noqa: F401

log = logging.getLogger("tests.logs")


@app.task(name="tests.core.test_logs.log_in_task")
def log_in_task(event_id: str | None = None) -> None:
    log.info("in the task")
    if event_id:
        _events[event_id].set()


_events: dict[str, threading.Event] = {}


def enqueue_view(request):
    log.info("in the view")
    log_in_task.delay()
    return HttpResponse("ok")


urlpatterns = [path("enqueue/", enqueue_view)]


def console_handler() -> logging.Handler:
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters)]
    assert handlers, "settings.LOGGING puts the masking filter on the root console handler"
    return handlers[0]


def lines(records) -> list[str]:
    """The records as the console handler writes them (its filters, then its formatter)."""
    handler = console_handler()
    return [handler.format(record) for record in records if handler.filter(record)]


@pytest.fixture
def logs(caplog):
    """Everything from DEBUG up, each record stamped with its request id where it was emitted."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    caplog.handler.addFilter(RequestIdFilter())
    return caplog


def record(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("tests.logs", logging.WARNING, __file__, 1, message, args, exc_info)


# --- format ---------------------------------------------------------------------------------------


def test_json_lines_carry_time_level_logger_request_id_and_message():
    token = request_id_var.set("abc-123")
    try:
        rec = record("application %s filed", 42)
        RequestIdFilter().filter(rec)
        PersonalDataFilter().filter(rec)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(rec))
    assert line["level"] == "WARNING" and line["logger"] == "tests.logs"
    assert line["request_id"] == "abc-123" and line["message"] == "application 42 filed"
    assert line["time"][:4].isdigit() and "T" in line["time"] and line["time"][-6] in "+-"


def test_json_lines_carry_the_masked_exception():
    try:
        raise ValueError("IIN 900517401234 refused")
    except ValueError as error:
        rec = record("failed", exc_info=(type(error), error, error.__traceback__))
    RequestIdFilter().filter(rec)
    PersonalDataFilter().filter(rec)
    line = json.loads(JsonFormatter().format(rec))
    assert "ValueError: IIN [iin] refused" in line["exception"] and "900517401234" not in json.dumps(line)
    assert line["request_id"] == "-"


def test_text_lines_by_default_carry_time_level_logger_and_request_id(settings):
    assert settings.LOG_FORMAT == "text"
    rec = record("hello")
    line = lines([rec])[0]
    assert "WARNING tests.logs [-] hello" in line and line[:4].isdigit()


# --- request id ----------------------------------------------------------------------------------


@pytest.mark.urls("tests.core.test_logs")
def test_a_sane_request_id_from_the_proxy_comes_back_and_is_in_the_lines(client, logs):
    response = client.get("/enqueue/", HTTP_X_REQUEST_ID="proxy.id_42-x")
    assert response["X-Request-ID"] == "proxy.id_42-x"
    view = [r for r in logs.records if r.getMessage() == "in the view"]
    assert view and view[0].request_id == "proxy.id_42-x"


@pytest.mark.urls("tests.core.test_logs")
@pytest.mark.parametrize("offered", ["", "a" * 65, "bad id", "x;rm -rf", "ид"])
def test_an_insane_request_id_is_replaced_by_a_new_one(client, offered):
    response = client.get("/enqueue/", HTTP_X_REQUEST_ID=offered)
    assert response["X-Request-ID"] != offered and len(response["X-Request-ID"]) == 32
    assert client.get("/enqueue/")["X-Request-ID"] != response["X-Request-ID"]


@pytest.mark.urls("tests.core.test_logs")
def test_a_task_enqueued_in_a_request_logs_the_same_id_eager(client, logs, settings):
    """Eager (the tests): nothing is published, so before_task_publish does not fire; the task runs
    inside the request, and task_prerun keeps the request's id instead of the task id."""
    assert settings.CELERY_TASK_ALWAYS_EAGER
    response = client.get("/enqueue/")
    task_lines = [r for r in logs.records if r.getMessage() == "in the task"]
    assert task_lines and task_lines[0].request_id == response["X-Request-ID"]
    assert request_id_var.get() is None


def test_a_task_without_a_request_logs_its_task_id(logs):
    result = log_in_task.apply()
    task_lines = [r for r in logs.records if r.getMessage() == "in the task"]
    assert task_lines[0].request_id == result.id


def test_a_real_worker_logs_the_id_of_the_request_that_published_the_task(logs, monkeypatch):
    """Not eager: the id goes through the message headers (before_task_publish) to a worker thread."""
    from celery.contrib.testing.worker import start_worker

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    _events["real"] = threading.Event()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # The worker re-applied settings.LOGGING (core.logs setup_logging), which removed caplog's handler.
        logging.getLogger().addHandler(logs.handler)
        token = request_id_var.set("req-from-web")
        try:
            log_in_task.delay("real")
        finally:
            request_id_var.reset(token)
        assert _events["real"].wait(60), "the worker did not run the task"  # generous: a loaded CI machine
    task_lines = [r for r in logs.records if r.getMessage() == "in the task"]
    assert task_lines and task_lines[0].request_id == "req-from-web"


# --- masking -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "IIN 900517401234 filed",
        "iin=900517401234,",
        "phone 77011234567",
        "phone 87011234567",
        "phone +77011234567",
        "phone +7 701 123 45 67",
        "phone +7 (701) 123-45-67",
        "phone 8 (701) 123-45-67",
        "phone 8-701-123-45-67",
        "phone 7011234567",
        "code 123456",
        "Код:654321.",
        "code=000042",
        "IIN ９００５１７４０１２３４ (fullwidth)",
    ],
)
def test_masks_iins_phones_and_codes(text):
    masked = mask(text)
    assert not any(run in masked for run in ("900517401234", "7011234567", "123456", "654321", "000042", "９００５"))
    assert "[iin]" in masked or "[phone]" in masked or "[code]" in masked


@pytest.mark.parametrize("text", ["application 12345", "direction 7 of 2024", "2024-06-04 12:00:00", "took 0.0123 s", "date 20240604"])
def test_short_numbers_dates_and_times_stay_readable(text):
    assert mask(text) == text


def test_the_filter_masks_the_message_and_its_args_and_stores_them_back():
    rec = record("applicant %s phone %s code %s", "900517401234", "+7 701 123 45 67", 123456)
    assert PersonalDataFilter().filter(rec)
    assert rec.args is None and rec.getMessage() == "applicant [iin] phone [phone] code [code]"
    rec = record("%(iin)s", {"iin": "900517401234"})
    PersonalDataFilter().filter(rec)
    assert rec.getMessage() == "[iin]"


# --- across the journeys ----------------------------------------------------------------------------


def test_no_iin_phone_or_code_in_any_line_of_filing_and_cabinet_login(client, capture, clock, logs, monkeypatch, temirtau):  # noqa: F811
    """File an application, log in to the cabinet with the SMS code; SQL logged too (with its
    parameters), everything from DEBUG up: no formatted line holds the IIN, the phones or the code."""
    from django.db import connections

    for alias in connections:
        monkeypatch.setattr(connections[alias], "force_debug_cursor", True)
    from tests.cabinet.conftest import file_application

    file_application(locality=temirtau, applicant_iin=PARENT_IIN, phone=PHONE, phone2=PHONE2, serial=77)
    login(client, capture)
    codes = [m for sms in OutboxSms.objects.all() for m in re.findall(r"\b\d{6}\b", sms.text)]
    logging.getLogger("tests.logs").warning("the parent %s logged in with %s from %s", PARENT_IIN, codes[0], PHONE)

    written = lines(logs.records)
    assert codes and len(written) > 10
    secrets = [PARENT_IIN, PHONE, PHONE[1:], PHONE2, PHONE2[1:], *codes]
    leaks = [(secret, line) for line in written for secret in secrets if secret in line]
    assert not leaks, leaks[:3]
    assert any("[iin]" in line for line in written) and any("[code]" in line for line in written)
    assert connection.vendor in ("postgresql", "sqlite")
