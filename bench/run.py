"""`make bench`: the scale bench (issue 9) — one table, on PostgreSQL, each part in a throw-away database.

Parts (`--only a,b,…`; all by default):
  national   a national data set (bench/national.py: 1,000,000 applications over ~240 localities × 7
             birth years, ~11,000 kindergartens) COPYed into one throw-away database, shared by:
  positions  a child's positions for 1,000 random queued children, p50/p95, 50 checked independently;
  pages      the public queue check and the largest queue's list (page 1 and a deep page) through the
             real views, p50/p95;
  bulletin   20,000 seats over ~5,000 queues published, grants included;
  jobs       directions_expire with 10,000 due directions, directions_remind_expiring, seats_promote;
  claims     the claim core against a bare SKIP LOCKED claim (bench/claims.py, its own database);
  http       the 07:00 rush over HTTP (bench/http_rush.py, its own database and gunicorn);
  simulate   `manage.py simulate` of 1,000 applications over 60 days (a subprocess; it always replays
             in an in-memory SQLite database).
The reads run before the bulletin and the jobs, which change the data.

It prints the table (figure, value, the bare or reference figure from the same run, ratio, goal,
met), writes it to var/bench/last.md, and exits 1 only on a broken invariant (a seat given twice, a
lost claim, a wrong position) — never on a time. On SQLite only `simulate` runs.

Usage: .venv/bin/python bench/run.py [--quick] [--only national,positions,…] [--applications N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import traceback
import zoneinfo
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")

OUT_DIR = ROOT / "var" / "bench"
SEED = 1000060
SIMULATE_TARGET_SECONDS = 60.0
zoneinfo.reset_tzpath(to=[])  # as indigo/settings.py: Astana time from the pinned tzdata package
ASTANA = zoneinfo.ZoneInfo("Asia/Almaty")
PARTS = ("national", "positions", "pages", "bulletin", "jobs", "claims", "http", "simulate")
NATIONAL_PARTS = ("national", "positions", "pages", "bulletin", "jobs")

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


def row(
    part: str, figure: str, value: float, unit: str, goal: str = "", *, met: bool | None = None, bare: float | None = None, ratio: float | None = None
) -> dict:
    return {"part": part, "figure": figure, "value": value, "unit": unit, "bare": bare, "ratio": ratio, "goal": goal, "met": met}


def bench_simulate(args: argparse.Namespace) -> tuple[list[dict], bool]:
    """(a) as before the scale bench: a reproducible scenario replayed by `manage.py simulate`."""
    applications = args.simulate_applications
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    scenario = scenario_build(applications)
    path = OUT_DIR / f"simulate-{applications}.json"
    path.write_text(json.dumps(scenario, ensure_ascii=False, indent=1))
    kinds = Counter(e["type"] for e in scenario["events"])
    print(f"simulate: {path.relative_to(ROOT)} — {len(scenario['events'])} events over {DAYS} days: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", "simulate", str(path)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    figure = f"simulate: {applications:,} applications over {DAYS} days, end to end"
    if done.returncode != 0:
        print(f"  INVARIANT BROKEN: simulate exited {done.returncode}\n{done.stderr[-2000:]}")
        return [row("simulate", figure + " — exited with an error", seconds, "s", f"< {SIMULATE_TARGET_SECONDS:.0f} s", met=False)], False
    output = json.loads(done.stdout)
    (OUT_DIR / f"simulate-{applications}.out.json").write_text(done.stdout)
    results = Counter("ok" if e["ok"] else e["error"] for e in output["events"])
    directions = Counter(d["status"] for a in output["applications"].values() for d in a["directions"])
    statuses = Counter(a["status"] for a in output["applications"].values())
    print("    outcomes: " + ", ".join(f"{k} {v}" for k, v in results.most_common()))
    print(f"    applications: {dict(statuses)}; directions: {dict(directions)}; bulletins {len(output['bulletins'])}, seats {len(output['seats'])}")
    print(f"    {seconds:.1f} s end to end ({cpu:.1f} s of CPU in the subprocess, peak RSS {usage.ru_maxrss / 1024:.0f} MB)")
    return [row("simulate", figure, seconds, "s", f"< {SIMULATE_TARGET_SECONDS:.0f} s", met=seconds < SIMULATE_TARGET_SECONDS)], True


def bench_national_parts(args: argparse.Namespace, chosen: list[str]) -> tuple[list[dict], bool]:
    """Load the national data set once into one throw-away database; reads first, then writes."""
    import national
    import scale

    drop = national.throwaway_database("national")
    rows, ok = [], True
    try:
        data = national.national_load(applications=args.applications)
        rows.append(row("national", f"national data set: {data.rows:,} rows COPYed, VACUUM ANALYZE included", data.seconds, "s", "a few minutes"))
        rows.append(row("national", "national data set: COPY rate", data.rows / max(data.load_seconds, 1e-9), "rows/s"))
        order = scale.IndependentOrder()
        steps = [
            ("positions", lambda: scale.bench_positions(data, samples=args.positions, order=order)),
            ("pages", lambda: scale.bench_pages(data, hits=args.page_hits, order=order)),
            ("bulletin", lambda: scale.bench_bulletin(data, seats=args.seats, queues=args.queues)),
            ("jobs", lambda: scale.bench_jobs(data, due=args.due)),
        ]
        for name, step in steps:
            if name in chosen:
                part_rows, part_ok = _guarded(name, step)
                rows += part_rows
                ok = ok and part_ok
    finally:
        drop()
    return rows, ok


def _guarded(name: str, step) -> tuple[list[dict], bool]:
    """A part that crashes shows as a row (not met) and the others still run; a crash is not an
    invariant verdict, so it does not fail the bench by itself."""
    print(f"--- {name}", flush=True)
    started = time.perf_counter()
    try:
        return step()
    except Exception as error:
        traceback.print_exc()
        return [row(name, f"{name}: crashed ({type(error).__name__}: {str(error)[:80]})", time.perf_counter() - started, "s", "runs", met=False)], True


def _external(name: str, module: str, function: str, args: argparse.Namespace) -> tuple[list[dict], bool]:
    """E2's parts (bench/claims.py, bench/http_rush.py), imported only when asked for."""
    try:
        fn = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as error:
        print(f"--- {name}: skipped ({module}.{function} is not there: {error})")
        return [row(name, f"{name}: skipped, {module}.{function} missing", 0, "", "runs", met=None)], True
    return _guarded(name, lambda: fn(args))


def machine_line() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.node()}: {os.cpu_count()} CPUs, load average {load}; Python {platform.python_version()}"


def database_line() -> tuple[str, bool]:
    """The server's version, and whether the scale parts can run on it (PostgreSQL, reachable)."""
    from django.db import OperationalError, connection

    if connection.vendor != "postgresql":
        return f"database: {connection.vendor}", False
    where = f"{connection.settings_dict.get('HOST') or 'local socket'}:{connection.settings_dict.get('PORT') or ''}"
    try:
        # The server, not the named database: the throw-away databases are created beside it.
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
    except OperationalError as error:
        return f"database: PostgreSQL at {where} is not reachable ({str(error).strip().splitlines()[0][:120]})", False
    return f"database: {version} at {where}", True


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"


def table(rows: list[dict]) -> list[str]:
    lines = ["| part | figure | value | bare / reference | ratio | goal | met |", "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        value = f"{_fmt(r['value'])} {r['unit']}".strip()
        bare = f"{_fmt(r['bare'])} {r['unit']}".strip() if r["bare"] is not None else ""
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else ""
        lines.append(f"| {r['part']} | {r['figure']} | {value} | {bare} | {ratio} | {r['goal']} | {met} |")
    return lines


QUICK = {"applications": 50_000, "seats": 2_000, "queues": 500, "due": 1_000, "positions": 300, "page_hits": 30, "http_families": 200, "families": 2_000}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {','.join(PARTS)}")
    parser.add_argument("--quick", action="store_true", help="a smoke run in a few minutes: " + ", ".join(f"{k} {v:,}" for k, v in QUICK.items()))
    parser.add_argument("--applications", type=int, help="national data set size (1,000,000)")
    parser.add_argument("--seats", type=int, help="bulletin seats (20,000)")
    parser.add_argument("--queues", type=int, help="bulletin queues (5,000)")
    parser.add_argument("--due", type=int, help="due directions for the expiry (10,000)")
    parser.add_argument("--positions", type=int, help="random children whose positions are timed (1,000)")
    parser.add_argument("--page-hits", type=int, help="timed hits of each page (100)")
    parser.add_argument("--families", type=int, help="claim core: families (2,000)")
    parser.add_argument("--threads", type=int, default=16, help="claim core: threads (16)")
    parser.add_argument("--rounds", type=int, default=None, help="claim core: interleaved real/bare rounds")
    parser.add_argument("--http-families", type=int, help="HTTP rush: families (1,000)")
    parser.add_argument("--simulate-applications", type=int, default=1000)
    args = parser.parse_args()
    full = {
        "applications": 1_000_000,
        "seats": 20_000,
        "queues": 5_000,
        "due": 10_000,
        "positions": 1_000,
        "page_hits": 100,
        "http_families": 1_000,
        "families": 2_000,
    }
    for key, value in (QUICK if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(args.only) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    return args


def main() -> int:
    args = arguments()
    import django

    django.setup()
    started = dt.datetime.now(ASTANA)
    database, scale_ok = database_line()
    header = [machine_line(), database, f"parts: {', '.join(args.only)}" + (" (--quick)" if args.quick else "")]
    print("INDIGO scale bench — " + "\n".join(header), flush=True)
    chosen = list(args.only)
    if not scale_ok:
        print("The scale bench needs PostgreSQL (DATABASE_URL=postgres://…, reachable): only simulate runs.")
        chosen = [p for p in chosen if p == "simulate"]
    rows, ok = [], True
    if any(p in chosen for p in NATIONAL_PARTS):
        part_rows, part_ok = _guarded("national", lambda: bench_national_parts(args, chosen))
        rows, ok = rows + part_rows, ok and part_ok
    if "claims" in chosen:
        part_rows, part_ok = _external("claims", "bench.claims", "bench_claims", args)
        rows, ok = rows + part_rows, ok and part_ok
    if "http" in chosen:
        part_rows, part_ok = _external("http", "bench.http_rush", "bench_http", args)
        rows, ok = rows + part_rows, ok and part_ok
    if "simulate" in chosen:
        part_rows, part_ok = _guarded("simulate", lambda: bench_simulate(args))
        rows, ok = rows + part_rows, ok and part_ok

    lines = table(rows)
    verdict = "every invariant held" if ok else "AN INVARIANT IS BROKEN (see INVARIANT BROKEN above)"
    print("\n" + "\n".join(lines) + f"\n\n{verdict}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    took = (dt.datetime.now(ASTANA) - started).total_seconds()
    note = [
        f"`make bench` run of {started:%Y-%m-%d %H:%M} (Astana), {took / 60:.0f} min" + (", `--quick`" if args.quick else ""),
        "",
        *(f"- {line}" for line in header),
        f"- national data set: {args.applications:,} applications; bulletin {args.seats:,} seats over {args.queues:,} queues; {args.due:,} due directions",
        "",
        *lines,
        "",
        verdict,
        "",
    ]
    (OUT_DIR / "last.md").write_text("\n".join(note))
    print(f"written to {(OUT_DIR / 'last.md').relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
