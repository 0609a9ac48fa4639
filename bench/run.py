"""`make bench`: how fast the engine is, on this machine, with the configured database.

(a) simulate — a reproducible scenario (the command always replays in an in-memory SQLite database) of 1,000 applications over 60 days (three localities, eight
    kindergartens, daily releases, claims, extensions, cancellations, enrollments) is written to
    var/bench/ and replayed by `python manage.py simulate` in a subprocess, end to end. Target: 60 s.
(b) queue order — 20,000 queued applications in one queue (plus 15,000 rows around it) are
    bulk-inserted into a throw-away database (Django's test-database machinery, as `simulate` does;
    never the user's data) and queue_order, application_positions and a 100-seat bulletin are timed.

Usage: .venv/bin/python bench/run.py [--only simulate|queue] [--applications N] [--queue-size N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import zoneinfo
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")

OUT_DIR = ROOT / "var" / "bench"
SEED = 1000060
SIMULATE_TARGET_SECONDS = 60.0
zoneinfo.reset_tzpath(to=[])  # as indigo/settings.py: Astana time from the pinned tzdata package
ASTANA = zoneinfo.ZoneInfo("Asia/Almaty")

# --- (a) the simulate scenario -------------------------------------------------------------------

START = dt.datetime(2025, 4, 14, tzinfo=ASTANA)  # Monday; the May holidays, 1 June (E turns 2025) and Eid inside
DAYS = 60
LOCALITIES = [("temirtau", "Темиртау", 0.7), ("aktau", "Актау", 0.15), ("topar", "Топар", 0.15)]
KINDERGARTENS = [  # code, locality, extra groups
    ("arman", "temirtau", [(3, "special"), (4, "special")]),
    ("balapan", "temirtau", [(3, "sanatorium"), (4, "sanatorium")]),
    ("aigolek", "temirtau", []),
    ("bobek", "temirtau", []),
    ("erkemai", "temirtau", []),
    ("skazka", "temirtau", []),
    ("ainalaiyn", "aktau", []),
    ("karlygash", "topar", []),
]


def _iso(t: dt.datetime) -> str:
    return t.astimezone(ASTANA).isoformat(timespec="seconds")


def _enrollment_year(t: dt.datetime) -> int:
    local = t.astimezone(ASTANA)
    return local.year if (local.month, local.day) >= (6, 1) else local.year - 1


def _spec_order(waiting: list[dict], ratio: int = 3) -> list[dict]:
    """SPEC §4: all of E, then G G G P …; the generator's guess of who is at the head."""
    ordered = sorted(waiting, key=lambda a: a["filed"])
    e = [a for a in ordered if a["benefit"] == "extraordinary"]
    p = [a for a in ordered if a["benefit"] == "priority"]
    g = [a for a in ordered if a["benefit"] == "none"]
    out, gi, pi = list(e), 0, 0
    while gi < len(g) or pi < len(p):
        out.extend(g[gi : gi + ratio])
        gi += ratio
        if pi < len(p):
            out.append(p[pi])
            pi += 1
    return out


def scenario_build(applications: int) -> dict:
    """A reproducible scenario (fixed seed). Who claims is guessed from a model of the queue, so most
    claims succeed and some are refused, as in life."""
    from core.calendar import WorkCalendar, next_seven_am
    from core.iin import iin_build

    rng = random.Random(SEED)
    calendar = WorkCalendar()
    until = START + dt.timedelta(days=DAYS)
    events: list[tuple[dt.datetime, int, dict]] = []
    seq = iter(range(10**9))

    def add(at: dt.datetime, event: dict) -> None:
        if START <= at <= until:
            events.append((at, next(seq), {"at": _iso(at), **event}))

    groups = []
    kindergartens = []
    for n, (code, locality, extras) in enumerate(KINDERGARTENS):
        kg_groups = [
            {"code": f"{code}-{age}{age + 1}", "age_from": age, "age_to": age + 1, "language": ["kk", "ru", "both"][(n + age) % 3], "kind": "general"}
            for age in range(1, 6)
        ]
        kg_groups += [{"code": f"{code}-{age}{age + 1}-{kind}", "age_from": age, "age_to": age + 1, "language": "ru", "kind": kind} for age, kind in extras]
        kindergartens.append({"code": code, "name": f"Ясли-сад «{code.title()}»", "locality": locality, "groups": kg_groups})
        groups += [{**g, "locality": locality} for g in kg_groups]

    # Applications: a backlog filed in the first days, then a steady trickle.
    waiting: dict[tuple, list[dict]] = defaultdict(list)
    apps = []
    used_iins: set[str] = set()
    for i in range(applications):
        filed = START + dt.timedelta(minutes=rng.randrange((3 if i < applications * 0.4 else 50) * 24 * 60))
        birth = dt.date(2019, 3, 1) + dt.timedelta(days=rng.randrange((dt.date(2024, 12, 31) - dt.date(2019, 3, 1)).days))
        while (iin := iin_build(birth, female=rng.random() < 0.5, rng=rng)) in used_iins:
            pass
        used_iins.add(iin)
        r = rng.random()
        benefit = "extraordinary" if r < 0.05 else "priority" if r < 0.20 else "none"
        locality = rng.choices([loc[0] for loc in LOCALITIES], [loc[2] for loc in LOCALITIES])[0]
        sen = locality == "temirtau" and rng.random() < 0.03
        kinds = ["general"] + ([rng.choice(["special", "sanatorium"])] if sen else [])
        app = {"ref": f"A{i + 1}", "filed": filed, "benefit": benefit, "birth_year": birth.year, "locality": locality, "kinds": kinds}
        apps.append(app)
        event = {"type": "apply", "ref": app["ref"], "child_iin": iin, "locality": locality, "benefit": benefit}
        if sen:
            event.update(queues=kinds, sen_pmpk=True)
        add(filed, event)
        for kind in kinds:
            waiting[(locality, birth.year, kind)].append(app)
        if benefit != "none" and rng.random() < 0.85:
            decided = filed + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
            add(decided, {"type": "confirm_benefit" if rng.random() < 0.93 else "reject_benefit", "application": app["ref"]})
        if rng.random() < 0.02:
            add(filed + dt.timedelta(days=rng.randint(3, 40)), {"type": "withdraw_application", "application": app["ref"]})

    # Releases every working day; the model of the queue decides who claims.
    release_no = 0
    taken: set[str] = set()
    day = START.date()
    while day < until.date():
        if calendar.is_working_day(day):
            for _ in range(rng.randint(8, 14)):
                group = rng.choice(groups)
                at = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randrange(60)), tzinfo=ASTANA)
                birth_year = _enrollment_year(at) - group["age_from"]
                count = rng.randint(1, 3)
                release_no += 1
                ref = f"R{release_no}"
                add(at, {"type": "release", "ref": ref, "group": group["code"], "birth_year": birth_year, "count": count})
                if rng.random() < 0.02:
                    add(at + dt.timedelta(hours=1), {"type": "withdraw_seat", "seat": f"{ref}.1"})
                    count -= 1
                bulletin = dt.datetime.combine(day, dt.time(18), tzinfo=ASTANA)
                open_at = next_seven_am(bulletin)
                priority_until = calendar.add_working_days(open_at, 3)
                queue = [a for a in _spec_order(waiting[(group["locality"], birth_year, group["kind"])]) if a["ref"] not in taken and a["filed"] < bulletin]
                claimants = queue[:count]
                if rng.random() < 0.4 and len(queue) > count:  # someone lower down tries in general access
                    claimants.append(queue[count + rng.randrange(min(10, len(queue) - count))])
                for n, app in enumerate(claimants):
                    t = open_at + dt.timedelta(minutes=rng.randint(0, 240)) if n < count else priority_until + dt.timedelta(minutes=rng.randint(1, 600))
                    add(t, {"type": "claim", "application": app["ref"], "group": group["code"]})
                    taken.add(app["ref"])
                    r = rng.random()
                    follow = t + dt.timedelta(days=1, hours=rng.randint(1, 6))
                    if r < 0.6:
                        add(follow, {"type": "enroll", "application": app["ref"]})
                    elif r < 0.72:
                        add(follow, {"type": "extend", "application": app["ref"]})
                        add(follow + dt.timedelta(days=rng.randint(5, 15)), {"type": "enroll", "application": app["ref"]})
                    elif r < 0.84:
                        add(follow, {"type": "cancel_direction", "application": app["ref"]})
                        taken.discard(app["ref"])  # back in the queue (with a strike)
                    else:
                        taken.discard(app["ref"])  # lets it expire
        day += dt.timedelta(days=1)

    # Families trying their luck anywhere (refusals: not_eligible, no_access, not_open_yet, no_seat).
    for _ in range(applications // 5):
        app = rng.choice(apps)
        add(app["filed"] + dt.timedelta(hours=rng.randint(1, 40 * 24)), {"type": "claim", "application": app["ref"], "group": rng.choice(groups)["code"]})

    events.sort(key=lambda e: (e[0], e[1]))
    return {
        "start": _iso(START),
        "until": _iso(until),
        "calendar": {"days_off": [], "working_days": []},
        "localities": [{"code": code, "name": name} for code, name, _ in LOCALITIES],
        "kindergartens": kindergartens,
        "events": [e for _, _, e in events],
    }


def bench_simulate(applications: int) -> bool:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    scenario = scenario_build(applications)
    path = OUT_DIR / f"simulate-{applications}.json"
    path.write_text(json.dumps(scenario, ensure_ascii=False, indent=1))
    kinds = Counter(e["type"] for e in scenario["events"])
    print(
        f"(a) simulate: {path.relative_to(ROOT)} — {len(scenario['events'])} events over {DAYS} days: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", "simulate", str(path)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    rss_mb = usage.ru_maxrss / 1024
    if done.returncode != 0:
        print(f"    FAIL: simulate exited {done.returncode}\n{done.stderr[-2000:]}")
        return False
    output = json.loads(done.stdout)
    (OUT_DIR / f"simulate-{applications}.out.json").write_text(done.stdout)
    results = Counter("ok" if e["ok"] else e["error"] for e in output["events"])
    directions = Counter(d["status"] for a in output["applications"].values() for d in a["directions"])
    statuses = Counter(a["status"] for a in output["applications"].values())
    print("    outcomes: " + ", ".join(f"{k} {v}" for k, v in results.most_common()))
    print(f"    applications: {dict(statuses)}; directions: {dict(directions)}; bulletins {len(output['bulletins'])}, seats {len(output['seats'])}")
    verdict = "PASS" if seconds < SIMULATE_TARGET_SECONDS else "FAIL"
    print(f"    simulate took {seconds:.1f} s end to end (target < {SIMULATE_TARGET_SECONDS:.0f} s): {verdict}")
    print(f"    ({cpu:.1f} s of CPU in the subprocess, peak RSS {rss_mb:.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return verdict == "PASS"


# --- (b) queue order on 20,000 applications --------------------------------------------------------


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _queue_fill(size: int, rng: random.Random):
    """Bulk rows: `size` queued in (temirtau, 2023, general), 5,000 others in it, 10,000 in other years."""
    from core.iin import iin_build
    from queues.models import Application, Locality

    temirtau = Locality.objects.create(code="temirtau", name="Темиртау")
    start = dt.datetime(2023, 6, 1, 9, tzinfo=ASTANA)
    rows, number, iins = [], 0, set()

    def row(birth_year: int, status: str) -> Application:
        nonlocal number
        number += 1
        birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        while (iin := iin_build(birth, female=rng.random() < 0.5, rng=rng)) in iins:
            pass
        iins.add(iin)
        r = rng.random()
        benefit = "extraordinary" if r < 0.05 else "priority" if r < 0.20 else "none"
        benefit_status = None if benefit == "none" else rng.choices(["claimed", "confirmed", "rejected"], [30, 60, 10])[0]
        sen = rng.random() < 0.02
        filed = start + dt.timedelta(seconds=rng.randrange(3 * 365 * 24 * 3600))
        return Application(
            number=number,
            child_iin=iin,
            child_birth_date=birth,
            birth_year=birth_year,
            locality=temirtau,
            benefit=benefit,
            benefit_status=benefit_status,
            sen_pmpk=sen,
            wants_special=sen,
            filed_at=filed,
            status=status,
            archive_reason="over_age" if status == "archived" else None,
            status_changed_at=filed,
        )

    rows += [row(2023, "queued") for _ in range(size)]
    rows += [row(2023, rng.choice(["directed", "enrolled", "withdrawn", "archived"])) for _ in range(5000)]
    rows += [row(rng.choice([2021, 2022, 2024, 2025]), "queued") for _ in range(10000)]
    started = time.perf_counter()
    Application.objects.bulk_create(rows, batch_size=2000)
    return temirtau, time.perf_counter() - started


def bench_queue(size: int) -> None:
    import django

    django.setup()
    from django.db import connection

    from placements.models import Group, Kindergarten
    from placements.services import bulletin_publish, seat_release
    from queues.models import Application
    from queues.selectors import application_positions, queue_order

    rng = random.Random(SEED)
    connection.settings_dict.setdefault("TEST", {})
    if connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"indigo_bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        temirtau, insert_seconds = _queue_fill(size, rng)
        print(f"(b) queue order on {connection.vendor}: {size:,} queued in one queue (+15,000 rows around it), bulk insert {insert_seconds:.1f} s")
        order = []

        def run_order() -> None:
            order[:] = queue_order(locality_id=temirtau.pk, birth_year=2023, kind="general")

        times = _timed(run_order, 5)
        median, low, high = (round(x * 1000) for x in (statistics.median(times), min(times), max(times)))
        print(f"    queue_order(general): {len(order):,} ids, median {median} ms (min {low}, max {high}, 5 runs)")
        special = _timed(lambda: queue_order(locality_id=temirtau.pk, birth_year=2023, kind="special"), 5)
        print(f"    queue_order(special): median {statistics.median(special) * 1000:.0f} ms")

        positions = {app_id: n for n, app_id in enumerate(order, start=1)}
        sample = list(Application.objects.filter(pk__in=rng.sample(order, 200)))
        wrong = 0

        def run_positions() -> None:
            nonlocal wrong
            for application in sample:
                wrong += application_positions(application)["general"].position != positions[application.pk]

        per_call = _timed(run_positions, 1)[0] / len(sample)
        agrees = "yes" if not wrong else f"NO, {wrong} differ"
        print(f"    application_positions: {per_call * 1000:.1f} ms per application (200 sampled); agrees with queue_order: {agrees}")

        kindergarten = Kindergarten.objects.create(code="arman", name="Ясли-сад №9 «Арман»", locality=temirtau)
        group = Group.objects.create(code="arman-3", kindergarten=kindergarten, age_from=3, age_to=4, language="kk")
        now = dt.datetime(2026, 11, 20, 18, tzinfo=ASTANA)
        seat_release(group=group, birth_year=2023, count=100, now=now - dt.timedelta(hours=2))
        started = time.perf_counter()
        bulletin = bulletin_publish(now=now)
        seconds = time.perf_counter() - started
        print(f"    bulletin_publish of 100 seats in that queue (grants to the first 100): {seconds * 1000:.0f} ms, {bulletin.grants.count()} grants")
        print(f"    peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["simulate", "queue"])
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--queue-size", type=int, default=20000)
    args = parser.parse_args()
    print(f"INDIGO bench — database: {'PostgreSQL' if os.environ.get('DATABASE_URL', '').startswith('postgres') else 'SQLite'}; {os.cpu_count()} CPUs")
    ok = True
    if args.only in (None, "simulate"):
        ok = bench_simulate(args.applications)
    if args.only in (None, "queue"):
        bench_queue(args.queue_size)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
