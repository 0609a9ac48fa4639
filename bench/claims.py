"""`make bench` (claims): the claim core against the bare stack, in-process, on PostgreSQL.

A throw-away database (Django's test-database machinery; never the user's data) gets one locality,
20 groups × 25 published general seats (500 seats) and 2,000 queued applications. Each round, every
family presses "get a direction" once, for a group drawn at random (the same draw for every round),
from N threads with a connection each:

- real: `placements.claims.seat_claim` — the product's claim (SPEC §7), with its audit record,
  direction number, message and refusals;
- bare: the least a claim can be on the same tables — one `UPDATE placements_seat … WHERE id =
  (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id` plus one INSERT into a bench table.

Seats are reset between rounds and real and bare rounds alternate (so both see the same warm
caches and the same table bloat). Reported: the median claims/s of each and their ratio, the
queries of one real claim, and the real claim's throughput at 4, 8, 16 and 32 threads.

Invariants (a failure makes `bench/run.py` exit non-zero): no seat given twice, every claim either
a direction or a clean Refusal (no other exception), as many directions as "direction" answers (no
lost claim), and every seat taken when there are more families than seats.

Usage: .venv/bin/python bench/claims.py [--families N] [--threads N] [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import threading
import time
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")
zoneinfo.reset_tzpath(to=[])
ASTANA = zoneinfo.ZoneInfo("Asia/Almaty")

PART = "claims"
GROUPS = 20
SEATS_PER_GROUP = 25
SCALING_THREADS = (4, 8, 16, 32)
BARE_TABLE = "bench_bare_claim"
# The bare claim: the whole of what the database must do to hand out one seat.
BARE_CLAIM_SQL = (
    "UPDATE placements_seat SET state = 'claimed' WHERE id = ("
    "SELECT id FROM placements_seat WHERE group_id = %s AND birth_year = %s AND state = 'general' "
    "ORDER BY published_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
)
BARE_INSERT_SQL = f"INSERT INTO {BARE_TABLE} (seat_id, application_id, claimed_at) VALUES (%s, %s, now())"


def row(
    figure: str, value: float, unit: str, goal: str, *, met: bool | None = None, bare: float | None = None, ratio: float | None = None, part: str = PART
) -> dict:
    """One result row in the format shared by every part of the bench (bench/run.py prints them)."""
    return {"part": part, "figure": figure, "value": value, "unit": unit, "bare": bare, "ratio": ratio, "goal": goal, "met": met}


def rows_print(rows: list[dict], *, digits: int = 0) -> None:
    """The rows as lines, for a part run on its own (bench/run.py prints the table)."""
    for r in rows:
        bare = "" if r["bare"] is None else f"  bare {r['bare']:.0f}"
        ratio = "" if r["ratio"] is None else f"  ratio {r['ratio']:.2f}"
        met = {True: "met", False: "NOT met", None: ""}[r["met"]]
        print(f"{r['figure']}: {r['value']:.{digits}f} {r['unit']}{bare}{ratio}  goal {r['goal']}  {met}")


@contextlib.contextmanager
def throwaway_database(part: str) -> Iterator[str]:
    """A fresh, migrated database named indigo_bench_<part>_<pid> beside the configured one; dropped
    afterwards, whatever happens. Yields its name (this process's connection points at it)."""
    from django.db import connection, connections

    name = f"indigo_bench_{part}_{os.getpid()}"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def sequences_sync() -> None:
    """After a bulk load, move the number sequences past the loaded numbers (helper C's
    core.sequences.sequences_sync, when it exists)."""
    try:
        from core import sequences
    except ImportError:
        return
    sync = getattr(sequences, "sequences_sync", None)
    if sync is not None:
        sync()


# --- the data set ---------------------------------------------------------------------------------


def load(*, families: int, groups: int = GROUPS, seats_per_group: int = SEATS_PER_GROUP) -> dict:
    """One locality, `groups` groups × `seats_per_group` published seats, `families` queued
    applications, filed through the real services; the seats are promoted to `general`."""
    from core.iin import iin_build
    from notifications.services import deliveries_suspended
    from placements.bulletin import bulletin_publish
    from placements.models import Group, Kindergarten, Seat
    from placements.seats import seat_release, seats_promote
    from queues.models import Application, Locality
    from queues.services import application_file

    filed = dt.datetime(2024, 3, 1, 9, tzinfo=ASTANA)
    locality = Locality.objects.create(code="temirtau", name="Темиртау")
    kindergarten = Kindergarten.objects.create(code="k1", name="Ясли-сад №1", locality=locality)
    group_rows = [Group.objects.create(code=f"g{i}", kindergarten=kindergarten, age_from=2, age_to=3, language="ru") for i in range(groups)]
    with deliveries_suspended():
        for n in range(families):
            day = dt.date(2022, 1, 1) + dt.timedelta(days=n % 360)
            application_file(child_iin=iin_build(day, serial=n), locality_code="temirtau", now=filed + dt.timedelta(minutes=n))
        released = dt.datetime(2024, 6, 2, 12, tzinfo=ASTANA)
        for group in group_rows:
            seat_release(group=group, birth_year=2022, count=seats_per_group, now=released)
        bulletin_publish(now=dt.datetime(2024, 6, 2, 18, tzinfo=ASTANA))
    general_from = Seat.objects.order_by("priority_until").values_list("priority_until", flat=True).last()
    seats_promote(now=general_from)  # the minute job: the state column says `general`, as the bare SQL reads it
    sequences_sync()
    with _cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, seat_id bigint NOT NULL, application_id bigint NOT NULL, claimed_at timestamptz NOT NULL)"
        )
    return {
        "groups": group_rows,
        "applications": list(Application.objects.order_by("pk")),
        "general_from": general_from,
        "seats": Seat.objects.count(),
    }


@contextlib.contextmanager
def _cursor():
    from django.db import connection

    with connection.cursor() as cursor:
        yield cursor


def reset() -> None:
    """Every seat general again, every application queued again, no direction and no bare claim;
    then VACUUM, so each round starts from the same tables."""
    from django.db import connection

    with _cursor() as cursor:
        cursor.execute("DELETE FROM placements_direction")
        cursor.execute(f"DELETE FROM {BARE_TABLE}")
        cursor.execute("UPDATE placements_seat SET state = 'general' WHERE state <> 'general'")
        cursor.execute("UPDATE queues_application SET status = 'queued' WHERE status <> 'queued'")
    if connection.in_atomic_block:
        return
    with _cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE placements_seat, placements_direction, queues_application, {BARE_TABLE}")


# --- one claim each way ---------------------------------------------------------------------------


def bare_claim(*, application_id: int, group_id: int, birth_year: int) -> int | None:
    """The bare stack's claim: the seat id, or None when the group has no free seat."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BARE_CLAIM_SQL, [group_id, birth_year])
        taken = cursor.fetchone()
        if taken is None:
            return None
        cursor.execute(BARE_INSERT_SQL, [taken[0], application_id])
        return taken[0]


def run_round(*, kind: str, draws: list[tuple], threads: int, now: dt.datetime) -> dict:
    """All families claim once, from `threads` threads, each with its own connection."""
    from django.db import connections

    from core.errors import Refusal
    from placements.claims import seat_claim

    pending = list(reversed(draws))
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()
    errors: list[str] = []

    def worker() -> None:
        try:
            while True:
                with lock:
                    if not pending:
                        return
                    application, group = pending.pop()
                try:
                    if kind == "real":
                        seat_claim(application=application, group=group, now=now)
                        outcome = "direction"
                    else:
                        taken = bare_claim(application_id=application.pk, group_id=group.pk, birth_year=application.birth_year)
                        outcome = "direction" if taken is not None else "no_seat"
                except Refusal as refusal:
                    outcome = refusal.code
                except Exception as error:  # anything but a clean refusal breaks the invariant
                    outcome = "error"
                    with lock:
                        errors.append(f"{type(error).__name__}: {error}"[:300])
                with lock:
                    outcomes[outcome] += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    seconds = time.perf_counter() - started
    claims = sum(outcomes.values())
    return {"kind": kind, "threads": threads, "claims": claims, "seconds": seconds, "rate": claims / seconds, "outcomes": dict(outcomes), "errors": errors}


def check_round(result: dict, *, seats: int, families: int) -> list[str]:
    """The invariants after one round; the list of what broke (empty: all held)."""
    with _cursor() as cursor:
        if result["kind"] == "real":
            cursor.execute("SELECT count(*), count(DISTINCT seat_id), count(DISTINCT application_id) FROM placements_direction")
        else:
            cursor.execute(f"SELECT count(*), count(DISTINCT seat_id), count(DISTINCT application_id) FROM {BARE_TABLE}")
        given, distinct_seats, distinct_applications = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM placements_seat WHERE state = 'claimed'")
        (claimed,) = cursor.fetchone()
    broken = []
    label = f"{result['kind']} round, {result['threads']} threads"
    if given != distinct_seats:
        broken.append(f"{label}: a seat given twice ({given} claims for {distinct_seats} seats)")
    if given != distinct_applications:
        broken.append(f"{label}: an application got two seats")
    if given != result["outcomes"].get("direction", 0) or claimed != given:
        broken.append(f"{label}: a lost claim ({result['outcomes'].get('direction', 0)} answered, {given} recorded, {claimed} seats claimed)")
    if result["errors"]:
        broken.append(f"{label}: {len(result['errors'])} claims neither a direction nor a Refusal, e.g. {result['errors'][0]}")
    if families > seats and given != seats:
        broken.append(f"{label}: {given} directions for {seats} seats with {families} families")
    return broken


def queries_per_claim(*, application, group, now: dt.datetime) -> tuple[int, list[str]]:
    """The queries of one successful real claim (from a fresh state)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from placements.claims import seat_claim

    connection.queries_log.clear()  # a full log (DEBUG) would hide the new queries
    with CaptureQueriesContext(connection) as captured:
        seat_claim(application=application, group=group, now=now)
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


# --- the part -------------------------------------------------------------------------------------


def run(*, quick: bool = False, families: int = 2000, threads: int = 16, rounds: int | None = None, verbose: bool = True) -> tuple[list[dict], bool]:
    """The claim core against the bare claim; returns (rows, invariants held)."""
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("claims: skipped — concurrent claims need PostgreSQL (set DATABASE_URL)")
        return [], True
    rounds = rounds or (1 if quick else 3)
    say = print if verbose else (lambda *a, **k: None)
    with _no_query_log():
        return _run(families=families, threads=threads, rounds=rounds, say=say, verbose=verbose)


@contextlib.contextmanager
def _no_query_log() -> Iterator[None]:
    """As in production: no connection keeps a log of its queries (DEBUG would, in every thread)."""
    from django.conf import settings

    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug


def _run(*, families: int, threads: int, rounds: int, say, verbose: bool) -> tuple[list[dict], bool]:
    from notifications.services import deliveries_suspended

    broken: list[str] = []
    with throwaway_database(PART):
        started = time.perf_counter()
        data = load(families=families)
        say(f"claims: loaded {families} applications, {data['seats']} seats in {len(data['groups'])} groups in {time.perf_counter() - started:.0f} s")
        rng = random.Random(7)
        draws = [(application, rng.choice(data["groups"])) for application in data["applications"]]
        rng.shuffle(draws)
        now = data["general_from"]
        results: dict[str, list[dict]] = {"real": [], "bare": []}
        scaling: dict[int, list[float]] = {}
        with deliveries_suspended():  # messages are recorded, none is sent
            schedule = [kind for _ in range(rounds) for kind in ("real", "bare")]
            schedule += [("scale", n) for n in SCALING_THREADS if n != threads]
            for step in schedule:
                kind, n = (step[0], step[1]) if isinstance(step, tuple) else (step, threads)
                reset()
                result = run_round(kind="real" if kind == "scale" else kind, draws=draws, threads=n, now=now)
                broken += check_round(result, seats=data["seats"], families=families)
                if kind != "scale":
                    results[kind].append(result)
                if result["kind"] == "real":
                    scaling.setdefault(n, []).append(result["rate"])
                say(f"  {kind:5} {n:2} threads: {result['claims']} claims in {result['seconds']:.1f} s = {result['rate']:.0f}/s {result['outcomes']}")
            reset()
            application, group = data["applications"][0], data["groups"][0]
            queries, sql = queries_per_claim(application=application, group=group, now=now)
        say(f"  one real claim: {queries} queries")
        if verbose and os.environ.get("BENCH_SHOW_SQL"):
            for statement in sql:
                say(f"    {statement[:200]}")

    real = statistics.median(r["rate"] for r in results["real"])
    bare = statistics.median(r["rate"] for r in results["bare"])
    by_threads = {n: statistics.median(rates) for n, rates in sorted(scaling.items())}
    best = max(by_threads.values())
    label = f"{families} families on {data['seats']} seats"
    rows = [
        row(
            f"claim core, {label}, {threads} threads (median of {rounds})",
            real,
            "claims/s",
            "≥ 25% of bare",
            bare=bare,
            ratio=real / bare,
            met=real >= 0.25 * bare,
        ),
        row("queries in one claim", queries, "queries", "≤ 8", met=queries <= 8),
    ]
    for n, rate in by_threads.items():
        is_last = n == max(by_threads)
        rows.append(
            row(
                f"claim core at {n} threads",
                rate,
                "claims/s",
                "does not fall as threads grow (≥ 80% of the best)" if is_last else "—",
                ratio=rate / best,
                met=(rate >= 0.8 * best) if is_last else None,
            )
        )
    rows.append(row("claims invariant: no seat twice, no lost claim, only clean refusals", 0 if not broken else len(broken), "broken", "0", met=not broken))
    for problem in broken:
        print(f"  INVARIANT BROKEN: {problem}")
    return rows, not broken


def bench_claims(args: argparse.Namespace) -> tuple[list[dict], bool]:
    """bench/run.py's entry: --quick, --families, --threads, --rounds."""
    return run(
        quick=args.quick, families=getattr(args, "families", None) or 2000, threads=getattr(args, "threads", None) or 16, rounds=getattr(args, "rounds", None)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=None, help="interleaved real/bare rounds (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows, ok = run(quick=args.quick, families=args.families, threads=args.threads, rounds=args.rounds)
    rows_print(rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
