"""Log lines an administrator can search, and that hold no personal data (issue 10, logs).

- `RequestIdMiddleware` gives each request an id: the proxy's `X-Request-ID` when it is a sane
  token (at most 64 characters of `A-Z a-z 0-9 . _ -`), else a new uuid4 hex. The id is kept in a
  context variable for the request and returned in the `X-Request-ID` response header.
- The id follows the request into the Celery tasks it enqueues: `before_task_publish` puts it in the
  task's message headers, `task_prerun` / `task_postrun` set and restore it in the worker. A task
  published without one (beat, a management command) logs under its own task id. In eager mode
  (the tests) nothing is published: the task runs inside the request and keeps the request's id.
- `RequestIdFilter` adds `record.request_id` ("-" outside any request or task).
- `PersonalDataFilter` renders the message with its args, masks IINs, phone numbers and one-time
  codes (`mask`), and stores the masked text back with no args; the traceback and stack text too.
- `JsonFormatter` writes one JSON object a line (`LOG_FORMAT=json`): time, level, logger,
  request_id, message, and exception when there is one.

Both filters sit on every handler of `settings.LOGGING`; the Celery worker is told to keep that
configuration (`setup_logging` below) instead of installing handlers of its own.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import logging.config
import re
import uuid

from celery import signals

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_sane(value: object) -> bool:
    return isinstance(value, str) and _SANE_ID.fullmatch(value) is not None


def request_id_new() -> str:
    return uuid.uuid4().hex


# --- masking -----------------------------------------------------------------------------------

# `\d` matches any Unicode digit, so fullwidth or Arabic-Indic spellings are masked as well.
# An IIN: exactly 12 digits in a row.
_IIN = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A Kazakhstan phone: +7, 7 or 8, then 10 digits, spaces, dashes, dots or brackets between any
# of them ("+7 (701) 123-45-67", "8 701 123 45 67", "77011234567"); or 10 digits from 7 ("7011234567").
_PHONE = re.compile(r"(?<![\d+])(?:\+[\s(]*7|\(?[78])(?:[\s\-().]*\d){10}(?!\d)|(?<![\d+])7\d{9}(?!\d)")
# A one-time code: exactly 6 digits in a row (numbers of up to 5 digits, e.g. application and
# direction numbers, stay readable; so do longer runs such as 8-digit dates).
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def mask(text: str) -> str:
    """Text with IINs, phone numbers and 6-digit codes replaced by [iin], [phone] and [code]."""
    text = _IIN.sub("[iin]", text)
    text = _PHONE.sub("[phone]", text)
    return _CODE.sub("[code]", text)


class PersonalDataFilter(logging.Filter):
    """Masks the formatted message (msg % args), the traceback and the stack of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, masked
            message = f"{record.msg} {record.args!r}"
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


# --- request id ----------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """`record.request_id`: the current request's or task's id, "-" outside both (kept when set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or "-"
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER)
        request.request_id = offered if request_id_sane(offered) else request_id_new()
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request.request_id
        return response


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, local offset), level, logger, request_id, message."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or "-",
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


# --- Celery ---------------------------------------------------------------------------------------

_task_tokens: dict[str, list[contextvars.Token]] = {}


@signals.before_task_publish.connect(weak=False)
def _request_id_publish(headers=None, **kwargs) -> None:
    """The enqueuing request's (or task's) id travels in the task message's headers."""
    request_id = request_id_var.get()
    if request_id and isinstance(headers, dict):
        headers.setdefault(TASK_HEADER, request_id)


@signals.task_prerun.connect(weak=False)
def _request_id_task_start(task_id=None, task=None, **kwargs) -> None:
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None)
    if not request_id_sane(request_id):
        # Eager (tests, CELERY_TASK_ALWAYS_EAGER): the task runs inside its caller and keeps its id.
        request_id = request_id_var.get() if getattr(request, "is_eager", False) else None
    _task_tokens.setdefault(task_id, []).append(request_id_var.set(request_id or task_id))


@signals.task_postrun.connect(weak=False)
def _request_id_task_end(task_id=None, **kwargs) -> None:
    tokens = _task_tokens.get(task_id)
    if not tokens:
        return
    token = tokens.pop()
    if not tokens:
        _task_tokens.pop(task_id, None)
    try:
        request_id_var.reset(token)
    except ValueError:  # set in another context (a pool that moved the task): just clear it
        request_id_var.set(None)


@signals.setup_logging.connect(weak=False)
def _celery_logging(**kwargs) -> None:
    """The worker and beat keep settings.LOGGING (same handler, formatter and filters): with a
    receiver here Celery installs no handlers of its own and does not redirect stdout."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
