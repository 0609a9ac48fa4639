"""/metrics: what Prometheus scrapes (issue 10). The counting side is core/metrics.py.

A scrape exports three kinds of series:
- the business counters from the shared store (core.metrics: the same on every replica);
- gauges read from the database at scrape time, a handful of GROUP BY queries, cached
  `GAUGES_SECONDS` in the cache so that several replicas and scrapers share one computation;
  the beat's heartbeat age and the broker's queue length are read fresh (one cache or Redis read);
- this process's (or, with PROMETHEUS_MULTIPROC_DIR, this machine's gunicorn workers') request latency.

Closed to the public: with METRICS_TOKEN set, only `Authorization: Bearer <token>` gets an
answer; without it, only DEBUG (local development). Anyone else gets a 404, which advertises
nothing. Never cached (never_cache); no rate limit applies (limits are per view).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, F, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.exposition import choose_encoder

from core import metrics
from notifications.models import Message
from operations.health import HEARTBEAT_KEY
from operations.watchdog import watchdog_problems
from placements.models import Direction, Seat
from queues.models import QUEUE_KIND_ORDER, Application

logger = logging.getLogger(__name__)

GAUGES_CACHE_KEY = "metrics:gauges:v1"
GAUGES_SECONDS = 30

# name (exported as indigo_<name>): (help, label names).
GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "applications": ("Applications by status (SPEC §3).", ("status",)),
    "queue_applications": ("Applications waiting in a queue, by queue kind and class (SPEC §4).", ("kind", "queue_class")),
    "seats": ("Seats by state; a priority seat past priority_until counts as general (SPEC §5).", ("state",)),
    "directions": ("Directions by status (SPEC §7).", ("status",)),
    "messages_queued": ("Messages waiting to be sent, by channel (SPEC §9).", ("channel",)),
    "watchdog_problem": ("1 while the watchdog sees the problem (bulletin late, expiry behind), else 0.", ("check",)),
}


# --- gauges from the database ----------------------------------------------------------------------


def gauges_compute(*, now: dt.datetime) -> list[tuple[str, tuple[str, ...], float]]:
    """(name, label values, value) for every GAUGES series; set-based, a few statements in all."""
    samples: list[tuple[str, tuple[str, ...], float]] = []
    by_status = dict(Application.objects.order_by().values_list("status").annotate(n=Count("pk")))
    samples += [("applications", (status,), by_status.get(status, 0)) for status in Application.Status.values]
    # One pass over the queued rows: every application stands in the general queue, some also in others.
    queued = (
        Application.objects.filter(status=Application.Status.QUEUED)
        .order_by()
        .values("queue_class")
        .annotate(
            general=Count("pk"),
            special=Count("pk", filter=Q(wants_special=True)),
            sanatorium=Count("pk", filter=Q(wants_sanatorium=True)),
        )
    )
    for row in queued:
        samples += [("queue_applications", (kind, row["queue_class"]), row[kind]) for kind in QUEUE_KIND_ORDER]
    effective = Case(When(state=Seat.State.PRIORITY, priority_until__lte=now, then=Value(Seat.State.GENERAL.value)), default=F("state"))
    seats = dict(Seat.objects.order_by().annotate(effective=effective).values_list("effective").annotate(n=Count("pk")))
    samples += [("seats", (state,), seats.get(state, 0)) for state in Seat.State.values]
    directions = dict(Direction.objects.order_by().values_list("status").annotate(n=Count("pk")))
    samples += [("directions", (status,), directions.get(status, 0)) for status in Direction.Status.values]
    waiting = dict(Message.objects.filter(status=Message.Status.QUEUED).order_by().values_list("channel").annotate(n=Count("pk")))
    samples += [("messages_queued", (channel,), waiting.get(channel, 0)) for channel in ("sms", "email")]
    problems = {problem.check for problem in watchdog_problems(now=now)}
    samples += [("watchdog_problem", (check,), int(check in problems)) for check in ("bulletin", "expiry")]
    return samples


def gauges_cached(*, now: dt.datetime) -> list[tuple[str, tuple[str, ...], float]]:
    """The gauges computed at most once per GAUGES_SECONDS for every replica; a failing cache
    only means computing them each scrape."""
    try:
        samples = cache.get(GAUGES_CACHE_KEY)
    except Exception:
        samples = None
    if samples is None:
        samples = gauges_compute(now=now)
        with contextlib.suppress(Exception):
            cache.set(GAUGES_CACHE_KEY, samples, timeout=GAUGES_SECONDS)
    return samples


def _heartbeat_age(now: dt.datetime) -> float | None:
    value = cache.get(HEARTBEAT_KEY)
    return None if value is None else max(0.0, (now - dt.datetime.fromisoformat(value)).total_seconds())


def _broker_queue_length() -> int | None:
    """Tasks waiting in Celery's default queue, when the broker is Redis (a list named "celery")."""
    url = str(getattr(settings, "CELERY_BROKER_URL", ""))
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=metrics.REDIS_TIMEOUT, socket_timeout=metrics.REDIS_TIMEOUT)
    try:
        return int(client.llen("celery"))
    finally:
        client.close()


class DatabaseCollector:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        try:
            samples = gauges_cached(now=self.now)
        except Exception:
            logger.warning("metrics: the database gauges could not be read", exc_info=True)
            samples = []
        families = {name: GaugeMetricFamily(f"indigo_{name}", text, labels=list(labels)) for name, (text, labels) in GAUGES.items()}
        for name, labels, value in samples:
            if name in families:
                families[name].add_metric(list(labels), value)
        yield from families.values()
        try:
            age = _heartbeat_age(self.now)
        except Exception:
            age = None
        if age is not None:
            yield GaugeMetricFamily("indigo_beat_heartbeat_age_seconds", "Seconds since the beat's last heartbeat (absent: none yet).", value=age)
        try:
            length = _broker_queue_length()
        except Exception:
            logger.warning("metrics: the broker's queue length could not be read", exc_info=True)
            length = None
        if length is not None:
            family = GaugeMetricFamily("indigo_celery_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"])
            family.add_metric(["celery"], length)
            yield family


# --- business counters from the store --------------------------------------------------------------


class StoreCollector:
    def collect(self) -> Iterator[Metric]:
        values = metrics.metrics_read()
        yield GaugeMetricFamily("indigo_metrics_store_up", "1 when the counters' store (Redis) could be read, else 0.", value=0 if values is None else 1)
        if values is None:
            return
        counters = {name: CounterMetricFamily(f"indigo_{name}", text, labels=list(labels)) for name, (text, labels) in metrics.COUNTERS.items()}
        for field, value in sorted(values.items()):
            name, labels = metrics.field_parse(field)
            if name in counters:
                names = metrics.COUNTERS[name][1]
                if set(labels) == set(names):
                    counters[name].add_metric([labels[label] for label in names], value)
        yield from counters.values()
        for name, text in metrics.SUMMARIES.items():
            yield SummaryMetricFamily(f"indigo_{name}", text, count_value=values.get(f"{name}:count", 0), sum_value=values.get(f"{name}:sum", 0.0))
        for name, text in metrics.LATEST.items():
            if f"{name}:" in values:
                yield GaugeMetricFamily(f"indigo_{name}", text, value=values[f"{name}:"])


# --- the page ---------------------------------------------------------------------------------------


def latency_register(registry: CollectorRegistry) -> None:
    """This process's request latency; with PROMETHEUS_MULTIPROC_DIR, every gunicorn worker's on
    this machine, read from their files there (as prometheus_client documents)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(metrics.REQUEST_LATENCY)


def metrics_registry(*, now: dt.datetime) -> CollectorRegistry:
    registry = CollectorRegistry()
    latency_register(registry)
    registry.register(StoreCollector())
    registry.register(DatabaseCollector(now))
    return registry


def scrape_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return bool(settings.DEBUG)
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode())


@require_GET
@never_cache
def metrics_page(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        raise Http404  # not 403: nothing tells a stranger that something is here
    # The format the scraper asks for (OpenMetrics for Prometheus), else the classic text format.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(metrics_registry(now=timezone.now())), content_type=content_type)
