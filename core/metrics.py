"""Prometheus metrics, the counting side (issue 10). Exported at /metrics by operations/metrics_export.py.

Business events (claims, codes, deliveries, Celery tasks, the bulletin, the expiry) happen in many
processes on several machines: gunicorn workers of two web replicas, two Celery workers. They are
counted in one Redis hash (`HASH_KEY`, one pipelined HINCRBY / HINCRBYFLOAT per event), so any
replica's /metrics shows the same totals. Without REDIS_URL (the SQLite demo) each process counts
in its own memory: a web process then shows only what it counted itself, never a worker's events.

Counting is best effort and never anyone's problem: when Redis fails the event is dropped, the
process logs one warning and leaves Redis alone for `REDIS_PAUSE` seconds (a claim at the 07:00
rush must not wait for a dead Redis on every click), then tries again.

Request latency is per process: a prometheus_client Histogram labelled by the resolved view's name
(never the raw path: bounded labels), method and status class. With PROMETHEUS_MULTIPROC_DIR set
(gunicorn's several workers), prometheus_client keeps it in files there and /metrics adds them up.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import threading
import time
from collections.abc import Iterator

from celery import signals
from django.conf import settings
from prometheus_client import Histogram

logger = logging.getLogger(__name__)

HASH_KEY = "indigo:metrics:v1"
REDIS_TIMEOUT = 0.25  # seconds: counting must not slow a request down
REDIS_PAUSE = 30.0  # seconds a process leaves a failed Redis alone (events are dropped meanwhile)

# name (exported as indigo_<name>_total): (help, label names). Every label's values are a bounded set.
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "claims": ("Seat claims by outcome: ok, error, or the refusal code (SPEC §7).", ("outcome",)),
    "codes_sent": ("One-time codes handed to the SMS channel, by purpose (SPEC §9).", ("purpose",)),
    "message_deliveries": (
        "Message delivery attempts by channel, event and outcome: sent; retry (a temporary failure, tried again later); failed (given up) (SPEC §9).",
        ("channel", "event", "outcome"),
    ),
    "celery_tasks": ("Celery task outcomes by task name and state: success, failure, retry, revoked, expired.", ("task", "state")),
    "bulletin_runs": ("Bulletin job runs by result: published, or nothing (no released seat to publish) (SPEC §5).", ("result",)),
    "bulletin_seats_published": ("Seats published by the bulletin (SPEC §5).", ()),
    "bulletin_grants": ("Priority access grants given by the bulletin (SPEC §6).", ()),
    "directions_expired": ("Directions expired, by the minute job (job) or on the family's next action (on_demand) (SPEC §7).", ("via",)),
}
# name: help; exported as a summary: indigo_<name>_sum and indigo_<name>_count.
SUMMARIES: dict[str, str] = {
    "bulletin_duration_seconds": "How long bulletin runs took, in seconds (SPEC §5).",
}
# name: help; the latest value written by any process.
LATEST: dict[str, str] = {
    "bulletin_last_run_timestamp_seconds": "When the bulletin last ran (Unix time).",
    "bulletin_last_duration_seconds": "How long the last bulletin run took, in seconds.",
    "bulletin_last_seats_published": "Seats the last bulletin run published.",
}

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def _label(value: object) -> str:
    return _UNSAFE.sub("_", str(value))[:64] or "_"


def field_name(name: str, **labels: object) -> str:
    """The hash field of one series: `name:label=value,label=value`, labels in definition order."""
    names = COUNTERS[name][1] if name in COUNTERS else ()
    return name + ":" + ",".join(f"{label}={_label(labels[label])}" for label in names)


def field_parse(field: str) -> tuple[str, dict[str, str]]:
    name, _, rest = field.partition(":")
    labels = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
    return name, labels


# --- the store -----------------------------------------------------------------------------------


# Per thread and task, not per process: a replay never silences another request's counts (issue 13).
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("metrics_suspended", default=False)


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.local: dict[str, float] = {}
        self.url = ""
        self.client = None
        self.paused_until = 0.0
        self.warned = False

    def reset(self) -> None:
        """Forget everything this process holds (tests)."""
        with self.lock:
            self.local.clear()
        self.paused_until, self.warned = 0.0, False


store = _Store()


def _redis():
    """The Redis client for settings.REDIS_URL (made once per URL), or None without Redis."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    if store.url != url or store.client is None:
        import redis

        store.client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
        store.url = url
    return store.client


def _warn(error: Exception, doing: str) -> None:
    store.paused_until = time.monotonic() + REDIS_PAUSE
    if not store.warned:
        store.warned = True
        # The error's class only: its message could name a host or carry a value.
        logger.warning("metrics: Redis unavailable while %s (%s); events are not counted until it is back", doing, type(error).__name__)


def metrics_add(increments: dict[str, int | float], latest: dict[str, float] | None = None) -> None:
    """Add to counters (hash fields, see `field_name`) and set latest values, in one round trip.
    Never raises: a failing store drops the event (one warning per outage)."""
    if _suspended.get():
        return
    try:
        client = _redis()
        if client is None:
            with store.lock:
                for field, amount in increments.items():
                    store.local[field] = store.local.get(field, 0) + amount
                store.local.update(latest or {})
            return
        if time.monotonic() < store.paused_until:
            return
        pipe = client.pipeline(transaction=False)
        for field, amount in increments.items():
            if isinstance(amount, int):
                pipe.hincrby(HASH_KEY, field, amount)
            else:
                pipe.hincrbyfloat(HASH_KEY, field, amount)
        if latest:
            pipe.hset(HASH_KEY, mapping=latest)
        pipe.execute()
        store.warned = False
    except Exception as error:  # counting must never break what it counts
        _warn(error, "counting")


def metrics_read() -> dict[str, float] | None:
    """Every counted field and its value; None when the store cannot be read."""
    try:
        client = _redis()
        if client is None:
            with store.lock:
                return dict(store.local)
        raw = client.hgetall(HASH_KEY)
    except Exception as error:
        _warn(error, "reading")
        return None
    store.warned = False
    return {key.decode(): float(value) for key, value in raw.items()}


@contextlib.contextmanager
def metrics_suspended() -> Iterator[None]:
    """Count nothing (the `simulate` command replays a year of events that never happened)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


# --- events ---------------------------------------------------------------------------------------


def metrics_claim(*, outcome: str) -> None:
    metrics_add({field_name("claims", outcome=outcome): 1})


def metrics_code_sent(*, purpose: str) -> None:
    metrics_add({field_name("codes_sent", purpose=purpose): 1})


def metrics_delivery(*, channel: str, event: str, outcome: str) -> None:
    metrics_add({field_name("message_deliveries", channel=channel, event=event, outcome=outcome): 1})


def metrics_bulletin(*, seconds: float, seats: int, grants: int, at: float) -> None:
    """One bulletin run: `at` is its moment (Unix time), `seats` 0 when there was nothing to publish."""
    metrics_add(
        {
            field_name("bulletin_runs", result="published" if seats else "nothing"): 1,
            field_name("bulletin_seats_published"): seats,
            field_name("bulletin_grants"): grants,
            "bulletin_duration_seconds:sum": float(seconds),
            "bulletin_duration_seconds:count": 1,
        },
        latest={
            "bulletin_last_run_timestamp_seconds:": at,
            "bulletin_last_duration_seconds:": float(seconds),
            "bulletin_last_seats_published:": seats,
        },
    )


def metrics_directions_expired(*, count: int, via: str) -> None:
    if count:
        metrics_add({field_name("directions_expired", via=via): count})


# --- Celery task outcomes (connected when indigo.celery imports this module) -----------------------


def _task_name(sender: object, request: object = None) -> str:
    return getattr(sender, "name", None) or getattr(request, "task", None) or "unknown"


@signals.task_success.connect(weak=False)
def _task_success(sender=None, **kwargs) -> None:
    metrics_add({field_name("celery_tasks", task=_task_name(sender), state="success"): 1})


@signals.task_failure.connect(weak=False)
def _task_failure(sender=None, **kwargs) -> None:
    metrics_add({field_name("celery_tasks", task=_task_name(sender), state="failure"): 1})


@signals.task_retry.connect(weak=False)
def _task_retry(sender=None, request=None, **kwargs) -> None:
    metrics_add({field_name("celery_tasks", task=_task_name(sender, request), state="retry"): 1})


@signals.task_revoked.connect(weak=False)
def _task_revoked(sender=None, request=None, expired=False, **kwargs) -> None:
    # An expired one-time code's task (notifications.services.sms_send_code) is revoked as expired.
    metrics_add({field_name("celery_tasks", task=_task_name(sender, request), state="expired" if expired else "revoked"): 1})


# --- request latency -------------------------------------------------------------------------------

# Not in prometheus_client's global registry: /metrics builds its own registry per scrape.
REQUEST_LATENCY = Histogram(
    "indigo_http_request_duration_seconds",
    "Time to answer a request, by view name (unresolved: no URL matched), method and status class.",
    ("view", "method", "status"),
    registry=None,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name  # Django sets it to the URL name, or the view's dotted path when unnamed


class RequestLatencyMiddleware:
    """Times every request from just after the request id is set to the response (settings.MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        try:
            method = request.method if request.method in METHODS else "other"
            status = f"{response.status_code // 100}xx"
            REQUEST_LATENCY.labels(view_label(request), method, status).observe(time.perf_counter() - started)
        except Exception:  # a metric must never cost a response
            logger.warning("metrics: could not record a request's latency", exc_info=True)
        return response
