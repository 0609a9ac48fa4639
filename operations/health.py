"""Liveness and readiness for the orchestrator and the monitoring (issue 10).

`/health/` answers "ok" without touching the database: the process is alive. `/health/ready/`
checks what a request needs and what the schedule needs: the database, the cache, the broker, a
recent beat heartbeat, and the watchdog (operations/watchdog.py). 200 when all pass, 503 naming the ones
that fail. Neither reads a session or a CSRF token, neither is translated (an i18n-free URL).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Callable

from celery import current_app as app
from django.core.cache import cache, caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from operations.watchdog import watchdog_problems

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "health:beat-heartbeat"
# The beat runs operations.tasks.heartbeat every minute; three missed in a row mean beat (or every worker) is gone.
HEARTBEAT_MAX_AGE = dt.timedelta(minutes=3)
BROKER_TIMEOUT = 3.0
# Before any heartbeat, a process younger than this says "waiting" and passes (a fresh deployment).
STARTED_AT = time.monotonic()

Check = tuple[bool, str]


def heartbeat_record(*, now: dt.datetime) -> None:
    """The beat's sign of life; kept twice as long as it is trusted."""
    cache.set(HEARTBEAT_KEY, now.isoformat(), timeout=int(HEARTBEAT_MAX_AGE.total_seconds()) * 2)


def heartbeat_check(*, now: dt.datetime, waiting_ok: bool = False) -> Check:
    value = cache.get(HEARTBEAT_KEY)
    if value is None:
        if waiting_ok:
            return True, "waiting for the first heartbeat"
        return False, "no heartbeat: is celery beat (and a worker) running?"
    age = now - dt.datetime.fromisoformat(value)
    seconds = int(age.total_seconds())
    if age > HEARTBEAT_MAX_AGE:
        return False, f"last heartbeat {seconds} s ago"
    return True, f"last heartbeat {seconds} s ago"


def _database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def _cache() -> Check:
    key, value = "health:probe", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    if cache.get(key) != value:
        return False, "a value set could not be read back"
    return True, caches["default"].__class__.__name__


def _broker() -> Check:
    url = str(app.conf.broker_url or "")
    if url.startswith("filesystem://"):
        options = app.conf.broker_transport_options or {}
        folders = {options.get(name) for name in ("data_folder_in", "data_folder_out", "processed_folder") if options.get(name)}
        unwritable = sorted(folder for folder in folders if not os.access(folder, os.W_OK))
        if unwritable:
            return False, f"filesystem broker folder not writable: {', '.join(unwritable)}"
        return True, "filesystem"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
    return True, url.split("://", 1)[0]


def readiness(*, now: dt.datetime, waiting_ok: bool = False) -> dict[str, dict]:
    """Every check's result, by name; a check that raises fails with its error's type."""
    checks: dict[str, Callable[[], Check]] = {
        "database": _database,
        "cache": _cache,
        "broker": _broker,
        "beat": lambda: heartbeat_check(now=now, waiting_ok=waiting_ok),
    }
    results: dict[str, dict] = {}
    for name, check in checks.items():
        try:
            ok, detail = check()
        except Exception as exc:  # a check is a question: any error is its answer
            logger.warning("readiness: %s failed", name, exc_info=exc)
            ok, detail = False, f"{type(exc).__name__}: {str(exc)[:200]}"
        results[name] = {"ok": ok, "detail": detail}
    if results["database"]["ok"]:
        try:
            problems = {problem.check: problem.detail for problem in watchdog_problems(now=now)}
        except Exception as exc:
            logger.warning("readiness: watchdog failed", exc_info=exc)
            problems = {name: f"{type(exc).__name__}: {str(exc)[:200]}" for name in ("bulletin", "expiry")}
    else:
        problems = {name: "database unavailable" for name in ("bulletin", "expiry")}
    for name in ("bulletin", "expiry"):
        results[name] = {"ok": name not in problems, "detail": problems.get(name, "on time")}
    return results


@require_GET
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    uptime = time.monotonic() - STARTED_AT
    checks = readiness(now=timezone.now(), waiting_ok=uptime < HEARTBEAT_MAX_AGE.total_seconds())
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
