"""`make bench` (http): the 07:00 rush over HTTP, as families live it, against the bare stack.

A throw-away PostgreSQL database (migrated) gets N families — each an application with its
parent's cabinet and a logged-in session (made with the session engine, as the login pages leave
it) — and 500 general seats in 20 groups. The bench then starts gunicorn (4 sync workers on a free
127.0.0.1 port) and a Celery worker, both with DJANGO_SETTINGS_MODULE=bench.bare.settings: the
product's settings without debug, the bench's bare claim endpoint in front of the product's URLs,
and an SMS backend that puts each code in a Redis list keyed by the phone.

A bounded asyncio load generator (raw HTTP/1.1 over asyncio streams; no dependency) runs 64
families at a time, each doing the real flow with its session cookie and CSRF token (`family_flow`,
the one place the flow lives): the seats page, a group at random, its claim page, "send the code",
the code from the phone, the code (confirm); a family that loses its group's last seat tries
another (with the same code when the page still holds one — the claim code is for the application
— else with a new code after the 60 s resend wait), until it holds a direction or no seat is left.
Then the bare endpoint (POST /bench/bare-claim/: one UPDATE … SKIP LOCKED + one INSERT, no login,
no CSRF) is driven by the same number of concurrent clients on the same seats, reset.

Reported: p50/p95/p99 of each step and of the bare endpoint, the flow's requests/s against the
bare endpoint's, errors (5xx, connection errors, timeouts, lost codes) and double bookings, counted
in the database afterwards. gunicorn and the worker are stopped and the database dropped at the end.

Usage: .venv/bin/python bench/http_rush.py [--families N] [--concurrency N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")
zoneinfo.reset_tzpath(to=[])

from bench.claims import row as _row  # noqa: E402
from bench.claims import rows_print, sequences_sync, throwaway_database  # noqa: E402

PART = "http"
GROUPS = 20
SEATS_PER_GROUP = 25
WORKERS = 4
CONCURRENCY = 64
REQUEST_TIMEOUT = 60.0
CODE_WAIT = 30.0  # seconds a family waits for its SMS before counting it lost
RESEND_AFTER = 61.0  # accounts.otp.RESEND_AFTER, plus a second: a family waits as the page asks
MAX_ATTEMPTS = 40
DEFAULT_REDIS = "redis://127.0.0.1:6379/10"
SMS_KEY = "bench:sms:{phone}"
LOG_DIR = ROOT / "var" / "bench"
STEPS = ("seats page", "claim page", "send code", "confirm")


def row(*args, **kwargs) -> dict:
    return _row(*args, part=PART, **kwargs)


# --- the data set ---------------------------------------------------------------------------------


@dataclass
class Family:
    index: int
    number: int  # the application's number (its URLs)
    application_id: int
    birth_year: int
    phone: str
    session_key: str
    address: str  # its own client address, as nginx would pass it (X-Forwarded-For)


def load(*, families: int, now: dt.datetime, rng: random.Random, seats_per_group: int = SEATS_PER_GROUP) -> tuple[list[Family], list[tuple[int, str]]]:
    """`families` applications with cabinets and logged-in sessions; 20 groups × 25 seats published
    two weeks ago, so they are general now (state promoted). Returns the families and (id, code) of
    the groups."""
    from importlib import import_module

    from django.conf import settings
    from django.db import connection

    from accounts.middleware import SESSION_CABINET, SESSION_DEVICE
    from accounts.models import Cabinet
    from accounts.services import new_token, token_hash
    from core.calendar import enrollment_year
    from core.iin import iin_build
    from notifications.services import deliveries_suspended
    from placements.bulletin import bulletin_publish
    from placements.models import Group, Kindergarten, Seat
    from placements.seats import seat_release, seats_promote
    from queues.models import Locality
    from queues.services import application_file

    birth_year = enrollment_year(now) - 2  # groups of 2-3 year olds (SPEC §5: age_from ≤ E − birth year < age_to)
    filed = now - dt.timedelta(days=60)
    locality = Locality.objects.create(code="temirtau", name="Темиртау")
    kindergarten = Kindergarten.objects.create(code="k1", name="Ясли-сад №1", locality=locality)
    groups = [Group.objects.create(code=f"g{i}", kindergarten=kindergarten, age_from=2, age_to=3, language="ru") for i in range(GROUPS)]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    out: list[Family] = []
    with deliveries_suspended():
        for n in range(families):
            child = iin_build(dt.date(birth_year, 1, 1) + dt.timedelta(days=n % 300), serial=n)
            parent = iin_build(dt.date(1985, 1, 1) + dt.timedelta(days=n % 3000), serial=n)
            phone = f"7701{n:07d}"
            application = application_file(
                child_iin=child,
                locality_code="temirtau",
                now=filed + dt.timedelta(seconds=n),
                applicant_iin=parent,
                phone=phone,
                child_first_name=f"Child {n}",
            )
            # As the login pages leave it (accounts.views._complete_login): the device registered
            # on the cabinet, the session holding the cabinet and that device's hash.
            token = new_token()
            Cabinet.objects.filter(iin=parent).update(device_token_hash=token_hash(token), device_registered_at=now, last_login_at=now)
            session = store()
            session[SESSION_CABINET] = Cabinet.objects.get(iin=parent).pk
            session[SESSION_DEVICE] = token_hash(token)
            session.create()
            address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            out.append(Family(n, application.number, application.pk, application.birth_year, phone, session.session_key, address))
        released = now - dt.timedelta(days=14)
        for group in groups:
            seat_release(group=group, birth_year=birth_year, count=seats_per_group, now=released)
        bulletin_publish(now=released + dt.timedelta(hours=1))
        seats_promote(now=now)
    general = Seat.objects.filter(state=Seat.State.GENERAL).count()
    if general != GROUPS * seats_per_group:
        raise RuntimeError(f"expected {GROUPS * seats_per_group} general seats, found {general}")
    sequences_sync()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_bare_claim (id bigserial PRIMARY KEY, seat_id bigint NOT NULL, application_id bigint NOT NULL, claimed_at timestamptz NOT NULL)"
        )
    return out, [(g.pk, g.code) for g in groups]


# --- the servers ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(name: str) -> str:
    from django.db import connection

    d = connection.settings_dict
    user = urllib.parse.quote(d.get("USER") or "", safe="")
    password = urllib.parse.quote(d.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{d.get('HOST') or '127.0.0.1'}:{d.get('PORT') or 5432}/{name}"


class Servers:
    """gunicorn (4 sync workers) and a Celery worker on the bench's settings; stopped cleanly."""

    def __init__(self, *, database: str, redis_url: str, port: int) -> None:
        self.port = port
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.bare.settings",
            "DATABASE_URL": _database_url(database),
            "REDIS_URL": redis_url,
            "BENCH_SMS_REDIS_URL": redis_url,
            "DEBUG": "true",  # indigo.settings' development defaults (plain http); bench.bare.settings then turns DEBUG off
            "PYTHONPATH": str(ROOT),
        }
        for name in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"):
            self.env.pop(name, None)
        self.processes: list[subprocess.Popen] = []
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.worker_log = LOG_DIR / "http-celery.log"
        self.web_log = LOG_DIR / "http-gunicorn.log"

    def _bin(self, name: str) -> str:
        here = Path(sys.executable).parent / name
        return str(here) if here.exists() else (shutil.which(name) or name)

    def start(self) -> None:
        # Tasks left in the broker by an earlier run would act on this database's rows.
        subprocess.run([self._bin("celery"), "-A", "indigo", "purge", "-f"], cwd=ROOT, env=self.env, capture_output=True, timeout=60)
        worker_log = self.worker_log.open("w")
        worker = [
            self._bin("celery"),
            "-A",
            "indigo",
            "worker",
            "--pool=solo",
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.processes.append(subprocess.Popen(worker, cwd=ROOT, env=self.env, stdout=worker_log, stderr=subprocess.STDOUT))
        worker_log.close()
        self.processes.append(
            subprocess.Popen(
                [
                    self._bin("gunicorn"),
                    "indigo.wsgi:application",
                    f"--workers={WORKERS}",
                    "--worker-class=sync",
                    f"--bind=127.0.0.1:{self.port}",
                    "--backlog=2048",
                    "--timeout=120",
                    f"--error-logfile={self.web_log}",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 60
        web_ready = worker_ready = False
        while time.monotonic() < deadline and not (web_ready and worker_ready):
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited with {process.returncode}: see {self.web_log} and {self.worker_log}")
            if not web_ready:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                        s.sendall(b"GET /bench/bare-claim/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        web_ready = s.recv(12).startswith(b"HTTP/1.1 405")
                except OSError:
                    pass
            if not worker_ready:
                worker_ready = " ready." in self.worker_log.read_text(errors="replace")
            time.sleep(0.2)
        if not (web_ready and worker_ready):
            raise RuntimeError(f"servers not ready in 60 s (web {web_ready}, worker {worker_ready}); see {self.web_log}, {self.worker_log}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # gunicorn: graceful; celery: warm shutdown
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):  # a second Ctrl-C: no more waiting
                process.kill()
                process.wait(timeout=10)
        self.processes.clear()


# --- the load generator ---------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: str


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notes: Counter = field(default_factory=Counter)
    requests: int = 0


class Client:
    """One browser: its cookies, its address; raw HTTP/1.1, one connection a request (gunicorn's
    sync workers close each connection)."""

    def __init__(self, port: int, *, cookies: dict[str, str] | None = None, address: str = "127.0.0.1") -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.address = address

    async def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "User-Agent: indigo-bench",
            "Accept-Language: en",
            f"X-Forwarded-For: {self.address}",
            "Connection: close",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        head, _sep, content = raw.partition(b"\r\n\r\n")
        head_lines = head.decode("latin-1").split("\r\n")
        status = int(head_lines[0].split()[1])
        headers = [(k.strip().lower(), v.strip()) for k, _c, v in (line.partition(":") for line in head_lines[1:])]
        for name, value in headers:
            if name == "set-cookie":
                self._cookie(value)
        return Response(status, headers, content.decode("utf-8", errors="replace"))

    def _cookie(self, header: str) -> None:
        first, *attributes = header.split(";")
        name, _eq, value = first.strip().partition("=")
        lowered = [a.strip().lower() for a in attributes]
        if value in ("", '""') or "max-age=0" in lowered or any(a.startswith("expires=thu, 01 jan 1970") for a in lowered):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


async def timed(stats: Stats, step: str, client: Client, method: str, path: str, form: dict | None = None) -> Response | None:
    """One request of a step, its latency recorded; None on a connection error or a timeout."""
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(client.request(method, path, form), REQUEST_TIMEOUT)
    except (TimeoutError, OSError, ValueError, IndexError) as error:
        stats.errors.append(f"{step}: {type(error).__name__} {error}"[:200])
        return None
    finally:
        stats.requests += 1
    stats.latencies[step].append(time.perf_counter() - started)
    stats.statuses[response.status] += 1
    if response.status >= 500:
        stats.errors.append(f"{step}: HTTP {response.status}")
    return response


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE_FORM = 'name="code"'


async def read_code(redis, phone: str) -> str | None:
    """The family reads its phone: the latest code the bench's SMS backend put there."""
    popped = await redis.blpop([SMS_KEY.format(phone=phone)], timeout=CODE_WAIT)
    return popped[1].decode() if popped else None


async def family_flow(family: Family, *, port: int, redis, stats: Stats, rng: random.Random) -> str:
    """One family's rush, as the pages lead it (the one place the flow lives). Returns the outcome:
    `direction`, `no_seat_anywhere`, or what stopped it."""
    from django.conf import settings

    client = Client(port, cookies={settings.SESSION_COOKIE_NAME: family.session_key}, address=family.address)
    seats_url = f"/cabinet/applications/{family.number}/seats/"
    group_link = re.compile(rf'href="{re.escape(seats_url)}([\w-]+)/"')
    tried: set[str] = set()
    code: str | None = None
    last_sent = -1e9
    for _attempt in range(MAX_ATTEMPTS):
        page = await timed(stats, "seats page", client, "GET", seats_url)
        if page is None or page.status != 200:
            return f"seats page {page.status if page else 'failed'}"
        offered = list(dict.fromkeys(group_link.findall(page.body)))
        if not offered:
            return "no_seat_anywhere"
        group = rng.choice([g for g in offered if g not in tried] or offered)
        claim_url = f"{seats_url}{group}/"
        page = await timed(stats, "claim page", client, "GET", claim_url)
        if page is None or page.status != 200:
            return f"claim page {page.status if page else 'failed'}"
        if code is not None and CODE_FORM in page.body:
            stats.notes["same code, another group"] += 1  # the claim code is for the application
        else:
            if code is not None:
                stats.notes["new code after a lost race"] += 1
            wait = last_sent + RESEND_AFTER - time.monotonic()
            if wait > 0:  # the page asks to wait a minute before a new code
                stats.notes["waited for the resend minute"] += 1
                await asyncio.sleep(wait)
            token = CSRF.search(page.body)
            sent = await timed(stats, "send code", client, "POST", f"{claim_url}code/", {"csrfmiddlewaretoken": token.group(1) if token else "", "to": "1"})
            if sent is None or sent.status >= 500:
                return "send failed"
            if sent.status == 429:
                stats.notes["rate limited (429)"] += 1
                await asyncio.sleep(5)
                continue
            page = await timed(stats, "claim page", client, "GET", claim_url)  # the redirect back
            if page is None or page.status != 200:
                return f"claim page {page.status if page else 'failed'}"
            if CODE_FORM not in page.body:  # refused before a code was spent (the group filled up)
                stats.notes["refused before the code"] += 1
                tried.add(group)
                code = None
                continue
            last_sent = time.monotonic()
            code = await read_code(redis, family.phone)
            if code is None:
                stats.errors.append(f"family {family.index}: no SMS within {CODE_WAIT:.0f} s")
                return "code lost"
        token = CSRF.search(page.body)
        confirmed = await timed(stats, "confirm", client, "POST", claim_url, {"csrfmiddlewaretoken": token.group(1) if token else "", "code": code})
        if confirmed is None or confirmed.status >= 500:
            return "confirm failed"
        if confirmed.status == 302:
            stats.notes["directions answered"] += 1
            return "direction"
        stats.notes["confirm refused"] += 1
        tried.add(group)
    return "gave up"


async def bare_client(queue: list[Family], *, port: int, groups: list[int], full: set[int], stats: Stats, rng: random.Random) -> None:
    """The bare stack's family: claim a random group not yet seen full; a 409 marks it full (as the
    seats page stops listing it); stop when every group is full."""
    client = Client(port)
    while queue:
        family = queue.pop()
        while True:
            left = [g for g in groups if g not in full]
            if not left:
                return
            group = rng.choice(left)
            form = {"application": family.application_id, "group": group, "birth_year": family.birth_year}
            answer = await timed(stats, "bare claim", client, "POST", "/bench/bare-claim/", form)
            if answer is None or answer.status != 409:
                break
            full.add(group)


async def drive(coroutines, concurrency: int) -> tuple[float, list]:
    semaphore = asyncio.Semaphore(concurrency)

    async def bounded(coroutine):
        async with semaphore:
            return await coroutine

    started = time.perf_counter()
    results = await asyncio.gather(*(bounded(c) for c in coroutines))
    return time.perf_counter() - started, results


async def rush(families: list[Family], groups: list[tuple[int, str]], *, port: int, redis_url: str, concurrency: int, seed: int) -> dict:
    import redis.asyncio as aioredis

    redis = aioredis.Redis.from_url(redis_url, max_connections=concurrency * 2)
    async for key in redis.scan_iter(match=SMS_KEY.format(phone="*")):
        await redis.delete(key)
    rng = random.Random(seed)
    # Warm-up: each gunicorn worker imports and connects before the clock starts (GETs only).
    warm = Stats()
    from django.conf import settings

    await asyncio.gather(
        *(
            timed(
                warm,
                "warm",
                Client(port, cookies={settings.SESSION_COOKIE_NAME: f.session_key}, address=f.address),
                "GET",
                f"/cabinet/applications/{f.number}/seats/",
            )
            for f in families[: WORKERS * 4]
        )
    )
    product = Stats()
    product_seconds, outcomes = await drive(
        [family_flow(f, port=port, redis=redis, stats=product, rng=random.Random(rng.random())) for f in families], concurrency
    )
    await redis.aclose()
    return {"stats": product, "seconds": product_seconds, "outcomes": Counter(outcomes), "warm_errors": warm.errors}


async def rush_bare(families: list[Family], groups: list[tuple[int, str]], *, port: int, concurrency: int, seed: int) -> dict:
    stats = Stats()
    queue = list(families)
    full: set[int] = set()
    rng = random.Random(seed)
    rng.shuffle(queue)
    seconds, _ = await drive(
        [bare_client(queue, port=port, groups=[g for g, _c in groups], full=full, stats=stats, rng=random.Random(rng.random())) for _ in range(concurrency)],
        concurrency,
    )
    return {"stats": stats, "seconds": seconds}


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    if len(values) == 1:
        return (values[0],) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[94], cuts[98]


def check(*, answered: int) -> tuple[dict, list[str]]:
    """Double bookings and lost claims, counted in the database after the rush."""
    from django.db import connection

    with connection.cursor() as cursor:
        twice = "SELECT count(*) FROM (SELECT {0} FROM placements_direction WHERE status IN ('benefit_check', 'issued') GROUP BY {0} HAVING count(*) > 1) x"
        cursor.execute(twice.format("seat_id"))
        (double_seats,) = cursor.fetchone()
        cursor.execute(twice.format("application_id"))
        (double_applications,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM placements_direction")
        (directions,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM (SELECT seat_id FROM bench_bare_claim GROUP BY seat_id HAVING count(*) > 1) x")
        (bare_double,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM bench_bare_claim")
        (bare_claims,) = cursor.fetchone()
    broken = []
    if double_seats or double_applications:
        broken.append(f"double bookings: {double_seats} seats given twice, {double_applications} applications with two directions")
    if directions != answered:
        broken.append(f"lost claims: {answered} directions answered over HTTP, {directions} in the database")
    if bare_double:
        broken.append(f"the bare endpoint gave {bare_double} seats twice")
    return {"double": double_seats + double_applications, "directions": directions, "bare_claims": bare_claims, "bare_double": bare_double}, broken


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


def run(
    *,
    quick: bool = False,
    families: int | None = None,
    concurrency: int = CONCURRENCY,
    seats_per_group: int = SEATS_PER_GROUP,
    verbose: bool = True,
    seed: int = 9,
) -> tuple[list[dict], bool]:
    """The rush over HTTP against the bare endpoint; returns (rows, invariants held)."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    say = print if verbose else (lambda *a, **k: None)
    if connection.vendor != "postgresql":
        print("http: skipped — the rush over HTTP needs PostgreSQL (set DATABASE_URL)")
        return [], True
    redis_url = _redis_url()
    if redis_url is None:
        print(f"http: skipped — the rush over HTTP needs Redis for the broker and the codes (REDIS_URL, default {DEFAULT_REDIS})")
        return [], True
    families = families or (200 if quick else 1000)
    with throwaway_database(PART) as database:
        started = time.perf_counter()
        people, groups = load(families=families, now=timezone.now(), rng=random.Random(seed), seats_per_group=seats_per_group)
        say(f"http: loaded {families} families with sessions, {GROUPS * seats_per_group} seats in {GROUPS} groups in {time.perf_counter() - started:.0f} s")
        connection.close()  # the servers' connections only, while they run
        servers = Servers(database=database, redis_url=redis_url, port=_free_port())
        try:
            servers.start()
            say(f"  gunicorn ({WORKERS} sync workers) on 127.0.0.1:{servers.port} and a Celery worker are up; {concurrency} families at a time")
            product = asyncio.run(rush(people, groups, port=servers.port, redis_url=redis_url, concurrency=concurrency, seed=seed))
            with connection.cursor() as cursor:  # the same seats, free again, for the bare endpoint
                cursor.execute("UPDATE placements_seat SET state = 'general' WHERE state = 'claimed'")
            connection.close()
            bare = asyncio.run(rush_bare(people, groups, port=servers.port, concurrency=concurrency, seed=seed + 1))
        finally:
            servers.stop()
        stats: Stats = product["stats"]
        counted, broken = check(answered=stats.notes["directions answered"])

    bare_stats: Stats = bare["stats"]
    bare_p50, bare_p95, bare_p99 = _percentiles(bare_stats.latencies["bare claim"])
    flow_rate = stats.requests / product["seconds"]
    bare_rate = bare_stats.requests / bare["seconds"]
    errors = len(stats.errors) + len(bare_stats.errors)
    say(f"  flow: {stats.requests} requests in {product['seconds']:.1f} s; outcomes {dict(product['outcomes'])}; statuses {dict(stats.statuses)}")
    say(f"  flow notes: {dict(stats.notes)}")
    say(f"  bare: {bare_stats.requests} requests in {bare['seconds']:.1f} s; statuses {dict(bare_stats.statuses)}; {counted['bare_claims']} bare claims")
    for error in (stats.errors + bare_stats.errors)[:10]:
        say(f"  error: {error}")
    rows = [
        row(
            f"rush over HTTP: flow requests/s ({families} families, {concurrency} at a time, {WORKERS} sync workers)",
            flow_rate,
            "req/s",
            "≥ 50% of bare",
            bare=bare_rate,
            ratio=flow_rate / bare_rate,
            met=flow_rate >= 0.5 * bare_rate,
        ),
        row("rush over HTTP: families/s end to end", families / product["seconds"], "families/s", "—"),
    ]
    ms = 1000.0
    for step in STEPS:
        p50, p95, p99 = _percentiles(stats.latencies[step])
        rows.append(
            row(
                f"rush over HTTP: {step} p99 (p50 {p50 * ms:.0f}, p95 {p95 * ms:.0f} ms; n={len(stats.latencies[step])})",
                p99 * ms,
                "ms",
                "≤ 2× bare p99",
                bare=bare_p99 * ms,
                ratio=p99 / bare_p99,
                met=p99 <= 2 * bare_p99,
            )
        )
    rows += [
        row(f"rush over HTTP: bare claim endpoint p99 (p50 {bare_p50 * ms:.0f}, p95 {bare_p95 * ms:.0f} ms)", bare_p99 * ms, "ms", "—"),
        row("rush over HTTP: errors (5xx, connection errors, lost codes)", errors, "errors", "0", met=errors == 0),
        row("rush over HTTP: double bookings (counted in the database)", counted["double"], "seats", "0", met=counted["double"] == 0 and not broken),
    ]
    for problem in broken:
        print(f"  INVARIANT BROKEN: {problem}")
    return rows, not broken


def bench_http(args: argparse.Namespace) -> tuple[list[dict], bool]:
    """bench/run.py's entry: --quick, --http-families."""
    return run(quick=args.quick, families=getattr(args, "http_families", None))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=None, help="default 1,000 (200 with --quick)")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--seats-per-group", type=int, default=SEATS_PER_GROUP, help="seats in each of the 20 groups (25)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows, ok = run(quick=args.quick, families=args.families, concurrency=args.concurrency, seats_per_group=args.seats_per_group)
    rows_print(rows, digits=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
