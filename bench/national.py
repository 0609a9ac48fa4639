"""A national data set for the scale bench: ~240 localities × 7 birth years, ~11,000 kindergartens.

`national_load(applications=…, now=…)` fills the CURRENT database (the bench's throw-away one) through
PostgreSQL COPY into the real tables, with every constraint and index on, then moves the id
sequences and the number sequences (core.sequences.sequences_sync when it exists) past what it wrote
and runs VACUUM ANALYZE. Skewed as a country is: a few cities hold most children (the largest
(locality, birth year) queue ~66k at 1,000,000 applications), many villages hold a few hundred.

Standalone: .venv/bin/python bench/national.py --applications 1000000 [--keep]
(loads into indigo_bench_national_<pid> beside DATABASE_URL's database, prints rows/s, drops it
unless --keep).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import os
import random
import sys
import time
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")
zoneinfo.reset_tzpath(to=[])  # as indigo/settings.py: Astana time from the pinned tzdata package
ASTANA = zoneinfo.ZoneInfo("Asia/Almaty")
UTC = dt.UTC

SEED = 20260901
# The bench's clock: a Friday 18:00, E = 2026, R = 1 September 2026 (SPEC §1).
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=ASTANA)
ENROLLMENT_YEAR = 2026
BIRTH_YEARS = tuple(range(2020, 2027))  # 7 years; 2026's children are 0 and wait for E = 2027
BIRTH_YEAR_WEIGHTS = (0.05, 0.09, 0.15, 0.21, 0.25, 0.18, 0.07)
OVER_AGE_BORN_BEFORE = dt.date(2020, 9, 2)  # 6 full years on R = 1 Sep 2026 (SPEC §3)
GROUP_AGES = tuple(range(1, 7))  # general groups 1–2 … 6–7 in every kindergarten
CITIES = [  # code, name, name_kk, share of the country's applications
    ("almaty", "Алматы", "Алматы", 0.31),
    ("astana", "Астана", "Астана", 0.20),
    ("shymkent", "Шымкент", "Шымкент", 0.09),
    ("karaganda", "Караганда", "Қарағанды", 0.07),
    ("aktobe", "Актобе", "Ақтөбе", 0.06),
]
LOCALITIES = 240
KINDERGARTENS_PER_MILLION = 11_000
STATUS_WEIGHTS = {"queued": 0.86, "enrolled": 0.07, "withdrawn": 0.03, "archived": 0.03, "directed": 0.01}
KG_NAMES = ("Арман", "Балапан", "Айгөлек", "Бөбек", "Еркемай", "Сказка", "Ақбота", "Құлыншақ", "Шұғыла", "Солнышко", "Нұрсәт", "Радуга")
SURNAMES = ("Ахметов", "Иванов", "Серікбаев", "Ким", "Омаров", "Петров", "Жумабаев", "Садыков", "Нуров", "Ли")
FIRST_NAMES = ("Алихан", "Айлин", "Амина", "Данияр", "Мария", "Нурсултан", "Томирис", "Артём", "Айару", "Марат")
EXTRAORDINARY = ("military", "special_state_body", "pedagogue")
PRIORITY = ("disabled_parent", "orphan", "large_family", "sen", "disabled_child_family")


@dataclass
class NationalData:
    """What the parts that run on the national data need to know about it."""

    applications: int
    now: dt.datetime
    enrollment_year: int
    seconds: float = 0.0  # COPY, sequences and VACUUM ANALYZE
    load_seconds: float = 0.0  # COPY and sequences
    rows: int = 0
    localities: dict[int, str] = field(default_factory=dict)  # id -> code
    # (locality id, age_from, kind) -> group ids: where seats of a queue can be released.
    groups: dict[tuple[int, int, str], list[int]] = field(default_factory=dict)
    queue_sizes: Counter = field(default_factory=Counter)  # (locality id, birth year) -> queued (general)
    statuses: Counter = field(default_factory=Counter)
    kindergartens: int = 0
    group_count: int = 0
    directions: int = 0
    bulletin_priority_until: dt.datetime | None = None  # set by the bulletin part, for seats_promote

    @property
    def largest_queue(self) -> tuple[int, int]:
        return self.queue_sizes.most_common(1)[0][0]

    def summary(self) -> str:
        (loc, year), size = self.queue_sizes.most_common(1)[0]
        sizes = sorted(self.queue_sizes.values())
        return (
            f"{self.applications:,} applications in {len(self.localities)} localities × {len(BIRTH_YEARS)} birth years; "
            f"{self.kindergartens:,} kindergartens, {self.group_count:,} groups, {self.directions:,} active directions; "
            f"statuses {dict(self.statuses.most_common())}; largest queue {self.localities[loc]} {year}: {size:,} queued, "
            f"median queue {sizes[len(sizes) // 2]:,}"
        )


def _model_columns(model) -> list:
    """The concrete fields a COPY writes: never a generated column (the database computes it)."""
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def copy_rows(cursor, model, rows: list[dict]) -> int:
    """COPY dicts keyed by attname into the model's table; a field left out gets its model default."""
    fields = _model_columns(model)
    defaults = {f.attname: f.get_default() for f in fields}
    names = [f.attname for f in fields]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] if n in row else defaults[n] for n in names])
    return len(rows)


def _next_id(cursor, model) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")
    return cursor.fetchone()[0]


def _ts(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=UTC)


class IinMaker:
    """Unique valid IINs: the next serial for each birth date and sex (SPEC §3 checksum)."""

    def __init__(self) -> None:
        self.serials: dict[tuple[dt.date, bool], int] = defaultdict(int)

    def make(self, birth: dt.date, female: bool) -> str:
        from core.iin import iin_check_digit

        seventh = (5 if birth.year >= 2000 else 3) + (1 if female else 0)
        while True:
            serial = self.serials[(birth, female)]
            self.serials[(birth, female)] += 1
            first11 = f"{birth:%y%m%d}{seventh}{serial:04d}"
            check = iin_check_digit(first11)
            if check is not None:
                return f"{first11}{check}"


def _locality_weights() -> list[tuple[str, str, str, float]]:
    tail = LOCALITIES - len(CITIES)
    tail_share = 1 - sum(c[3] for c in CITIES)
    harmonic = sum(1 / (i + 10) for i in range(1, tail + 1))
    out = list(CITIES)
    for i in range(1, tail + 1):
        out.append((f"loc-{i:03d}", f"Населённый пункт {i}", f"Елді мекен {i}", tail_share * (1 / (i + 10)) / harmonic))
    return out


def directions_copy(cursor, items: list[tuple[int, int, int, dt.datetime, dt.datetime, str]], *, now: dt.datetime) -> int:
    """Active directions straight into the tables: per item (application id, group id, birth year,
    issued_at, valid_until, status) one released-and-claimed seat and its direction (SPEC §7 state:
    seat `claimed`, application `directed`). The caller sets the applications' status."""
    from placements.models import Direction, Seat, SeatRelease

    release_id, seat_id, direction_id = _next_id(cursor, SeatRelease), _next_id(cursor, Seat), _next_id(cursor, Direction)
    cursor.execute(f"SELECT coalesce(max(number), 0) + 1 FROM {Direction._meta.db_table}")
    number = cursor.fetchone()[0]
    releases, seats, directions = [], [], []
    for n, (app_id, group_id, birth_year, issued_at, valid_until, status) in enumerate(items):
        released = issued_at - dt.timedelta(days=3)
        releases.append({"id": release_id + n, "group_id": group_id, "birth_year": birth_year, "count": 1, "released_at": released, "released_by_id": None})
        seats.append(
            {
                "id": seat_id + n,
                "release_id": release_id + n,
                "group_id": group_id,
                "birth_year": birth_year,
                "state": "claimed",
                "published_at": released + dt.timedelta(hours=2),
                "open_at": released + dt.timedelta(hours=15),
                "priority_until": released + dt.timedelta(days=3),
                "created_at": released,
                "released_at": released,
                "withdrawn_at": None,
            }
        )
        directions.append(
            {
                "id": direction_id + n,
                "number": number + n,
                "application_id": app_id,
                "seat_id": seat_id + n,
                "publication_id": None,
                "issued_at": issued_at,
                "valid_until": valid_until,
                "extended": False,
                "status": status,
                "ended_at": None,
                "contract_date": None,
                "documents_flagged_at": None,
            }
        )
    copy_rows(cursor, SeatRelease, releases)
    copy_rows(cursor, Seat, seats)
    copy_rows(cursor, Direction, directions)
    return len(items)


def sequences_after_load(models: list) -> None:
    """Ids and people's numbers continue after the bulk rows: identity sequences, then the number
    sequences (core.sequences.sequences_sync, helper C's; the Counter rows where it is not there)."""
    from django.core.management.color import no_style
    from django.db import connection

    from placements.models import Direction
    from queues.models import Application

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        for name, model in (("application", Application), ("direction", Direction)):
            cursor.execute(
                "INSERT INTO core_counter (name, value) SELECT %s, coalesce(max(number), 0) FROM " + model._meta.db_table + " "
                "ON CONFLICT (name) DO UPDATE SET value = GREATEST(core_counter.value, EXCLUDED.value)",
                [name],
            )
    try:
        from core.sequences import sequences_sync
    except ImportError:
        return
    sequences_sync()


def national_load(*, applications: int, now: dt.datetime = NOW, seed: int = SEED, log=print) -> NationalData:
    from django.db import connection

    from placements.models import Direction, Group, Kindergarten, Seat, SeatRelease
    from queues.models import Application, Locality

    rng = random.Random(seed)
    data = NationalData(applications=applications, now=now, enrollment_year=ENROLLMENT_YEAR)
    started = time.perf_counter()
    localities = _locality_weights()
    loc_cum = list(itertools.accumulate(w for *_, w in localities))
    year_cum = list(itertools.accumulate(BIRTH_YEAR_WEIGHTS))
    status_names, status_cum = list(STATUS_WEIGHTS), list(itertools.accumulate(STATUS_WEIGHTS.values()))

    connection.ensure_connection()
    conn = connection.connection  # the psycopg connection (autocommit): COPY straight through it
    with conn.cursor() as cursor:
        # Localities and kindergartens, kindergartens in proportion to children (at least 2 each).
        loc_rows = [{"id": i + 1, "code": code, "name": name, "name_kk": kk} for i, (code, name, kk, _w) in enumerate(localities)]
        copy_rows(cursor, Locality, loc_rows)
        data.localities = {r["id"]: r["code"] for r in loc_rows}
        total_kg = max(len(localities) * 2, round(KINDERGARTENS_PER_MILLION * applications / 1_000_000))
        kg_rows, group_rows = [], []
        for loc_id, (_code, _name, _kk, weight) in enumerate(localities, start=1):
            for n in range(max(2, round(total_kg * weight))):
                kg_id = len(kg_rows) + 1
                code = f"kg-{kg_id:05d}"
                kg_rows.append(
                    {
                        "id": kg_id,
                        "code": code,
                        "name": f"Ясли-сад №{n + 1} «{rng.choice(KG_NAMES)}»",
                        "name_kk": "",
                        "locality_id": loc_id,
                        "address": "",
                        "phone": "",
                    }
                )
                kinds = [("general", "")] + ([("general", "-b")] if rng.random() < 0.2 else [])
                # Every locality has special and sanatorium groups (its first two kindergartens), others some.
                if n == 0 or rng.random() < 0.06:
                    kinds.append(("special", "-special"))
                if n == 1 or rng.random() < 0.03:
                    kinds.append(("sanatorium", "-sanatorium"))
                for kind, suffix in kinds:
                    for age in GROUP_AGES:
                        group_id = len(group_rows) + 1
                        group_rows.append(
                            {
                                "id": group_id,
                                "code": f"{code}-{age}{age + 1}{suffix}",
                                "kindergarten_id": kg_id,
                                "name": "",
                                "age_from": age,
                                "age_to": age + 1,
                                "language": ("kk", "ru", "both")[(kg_id + age) % 3],
                                "kind": kind,
                                "capacity": 25,
                            }
                        )
                        data.groups.setdefault((loc_id, age, kind), []).append(group_id)
        copy_rows(cursor, Kindergarten, kg_rows)
        copy_rows(cursor, Group, group_rows)
        data.kindergartens, data.group_count = len(kg_rows), len(group_rows)

        # Applications: draw each, then number them in filing order (numbers are given at filing).
        now_ts = now.timestamp()
        drafts = []
        for _ in range(applications):
            loc_id = bisect.bisect(loc_cum, rng.random() * loc_cum[-1]) + 1
            year = BIRTH_YEARS[bisect.bisect(year_cum, rng.random() * year_cum[-1])]
            birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            birth_ts = dt.datetime.combine(birth, dt.time(12), tzinfo=ASTANA).timestamp()
            latest = min(now_ts - 86400, birth_ts + 6 * 365 * 86400)
            # Families file early: most soon after the birth, some years later.
            filed_ts = birth_ts + 86400 + (latest - birth_ts - 86400) * rng.random() ** 2
            drafts.append((filed_ts, loc_id, birth, rng.random(), rng.random(), rng.random(), rng.random(), rng.random()))
        drafts.sort(key=lambda d: d[0])

        iins = IinMaker()
        first_id = 1
        rows, directed = [], []
        for n, (filed_ts, loc_id, birth, r_benefit, r_queue, r_status, r_sex, r_misc) in enumerate(drafts):
            benefit = "extraordinary" if r_benefit < 0.05 else "priority" if r_benefit < 0.20 else "none"
            benefit_status = None
            category = ""
            if benefit != "none":
                benefit_status = "claimed" if r_misc < 0.3 else "confirmed" if r_misc < 0.9 else "rejected"
                category = (EXTRAORDINARY if benefit == "extraordinary" else PRIORITY)[int(r_misc * 1000) % (3 if benefit == "extraordinary" else 5)]
            wants_special = r_queue < 0.02
            wants_sanatorium = 0.02 <= r_queue < 0.03 or (wants_special and r_misc < 0.2)
            sen = wants_special or wants_sanatorium
            status = status_names[bisect.bisect(status_cum, r_status * status_cum[-1])]
            age_now = ENROLLMENT_YEAR - birth.year
            if status == "directed" and not (1 <= age_now <= 6 and data.groups.get((loc_id, age_now, "general"))):
                status = "queued"
            if status in ("queued", "directed") and birth < OVER_AGE_BORN_BEFORE and not sen:
                status = "archived" if r_misc < 0.3 else "enrolled"  # the 1 June over-age run (SPEC §3)
            filed_at = _ts(filed_ts)
            archive_reason = None
            strikes = 1 if status == "queued" and r_misc > 0.98 else 0
            if status == "archived":
                archive_reason = "over_age" if birth < OVER_AGE_BORN_BEFORE or r_misc < 0.5 else "expired_twice"
                strikes = 2 if archive_reason == "expired_twice" else 0
            changed_at = filed_at if status == "queued" else _ts(filed_ts + (now_ts - filed_ts) * r_sex)
            app_id = first_id + n
            female = r_sex < 0.5
            rows.append(
                {
                    "id": app_id,
                    "number": n + 1,
                    "child_iin": iins.make(birth, female),
                    "child_last_name": SURNAMES[int(r_sex * 1e6) % len(SURNAMES)] + ("а" if female else ""),
                    "child_first_name": FIRST_NAMES[int(r_misc * 1e6) % len(FIRST_NAMES)],
                    "child_birth_date": birth,
                    "birth_year": birth.year,
                    "phone": f"+7701{app_id % 10_000_000:07d}",
                    "locality_id": loc_id,
                    "benefit": benefit,
                    "benefit_category": category,
                    "benefit_status": benefit_status,
                    "sen_pmpk": sen,
                    "wants_special": wants_special,
                    "wants_sanatorium": wants_sanatorium,
                    "language": "kk" if r_misc < 0.55 else "ru",
                    "filed_at": filed_at,
                    "status": status,
                    "archive_reason": archive_reason,
                    "strikes": strikes,
                    "status_changed_at": changed_at,
                    "legacy_number": None,
                }
            )
            data.statuses[status] += 1
            if status == "queued":
                data.queue_sizes[(loc_id, birth.year)] += 1
            elif status == "directed":
                group_id = rng.choice(data.groups[(loc_id, age_now, "general")])
                issued = now - dt.timedelta(hours=rng.randint(20, 96))
                # Not due in the bench's first hour: the expiry part brings its own due directions.
                valid_until = now + dt.timedelta(hours=1, minutes=rng.randrange(6 * 24 * 60))
                directed.append((app_id, group_id, birth.year, issued, valid_until, "benefit_check" if benefit_status == "claimed" else "issued"))
        del drafts
        copy_rows(cursor, Application, rows)
        data.rows = len(loc_rows) + len(kg_rows) + len(group_rows) + len(rows)
        del rows
        data.directions = directions_copy(cursor, directed, now=now)
        data.rows += 3 * data.directions
    sequences_after_load([Locality, Kindergarten, Group, Application, SeatRelease, Seat, Direction])
    loaded = data.load_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    data.seconds = time.perf_counter() - started
    log(f"national data: {data.rows:,} rows COPYed in {loaded:.1f} s = {data.rows / loaded:,.0f} rows/s; with VACUUM ANALYZE {data.seconds:.1f} s")
    log(f"    {data.summary()}")
    return data


def throwaway_database(part: str):
    """Django's test-database machinery on the configured server: a fresh, migrated database named
    indigo_bench_<part>_<pid> (never the user's data). Returns a function that drops it."""
    from django.db import connection

    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"indigo_bench_{part}_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="leave the database for inspection")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the national data set needs PostgreSQL (set DATABASE_URL)")
        return 2
    drop = throwaway_database("national")
    try:
        national_load(applications=args.applications)
    finally:
        if args.keep:
            print(f"kept database {connection.settings_dict['NAME']}")
        else:
            drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
