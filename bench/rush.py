"""`make bench` (c): the 07:00 rush — many families pressing "get a direction" at the same moment.

On PostgreSQL (DATABASE_URL): a throw-away test database (never the user's data) gets one locality,
20 groups with 25 published seats each (500 seats) and 2,000 queued applications; at the moment the
seats turn general, 2,000 claims run from 16 threads, each with its own connection, every family
picking a group at random (so the last seats of a group are contended). It prints claims per second
and checks the invariant: no seat has two directions, every seat is taken, and everybody else got a
clean refusal. On SQLite it only says that the rush needs PostgreSQL.

Usage: .venv/bin/python bench/rush.py [--families N] [--threads N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import threading
import time
import zoneinfo
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indigo.settings")
zoneinfo.reset_tzpath(to=[])
ASTANA = zoneinfo.ZoneInfo("Asia/Almaty")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        print("(c) rush: skipped — concurrent claims need PostgreSQL (set DATABASE_URL)")
        return 0

    from core.errors import Refusal
    from core.iin import iin_build
    from notifications.services import deliveries_suspended
    from placements.models import Direction, Group, Kindergarten, Seat
    from placements.services import bulletin_publish, seat_claim, seat_release
    from queues.models import Application, Locality
    from queues.services import application_file

    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"indigo_bench_rush_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rng = random.Random(7)
        filed = dt.datetime(2024, 3, 1, 9, tzinfo=ASTANA)
        locality = Locality.objects.create(code="temirtau", name="Темиртау")
        kindergarten = Kindergarten.objects.create(code="k1", name="Ясли-сад №1", locality=locality)
        groups = [Group.objects.create(code=f"g{i}", kindergarten=kindergarten, age_from=2, age_to=3, language="ru") for i in range(20)]
        with deliveries_suspended():
            for n in range(args.families):
                day = dt.date(2022, 1, 1) + dt.timedelta(days=n % 360)
                application_file(child_iin=iin_build(day, serial=n), locality_code="temirtau", now=filed + dt.timedelta(minutes=n))
            released = dt.datetime(2024, 6, 2, 12, tzinfo=ASTANA)
            for group in groups:
                seat_release(group=group, birth_year=2022, count=25, now=released)
            bulletin_publish(now=dt.datetime(2024, 6, 2, 18, tzinfo=ASTANA))
        general_from = Seat.objects.first().priority_until  # everyone may claim from here
        applications = list(Application.objects.order_by("?"))
        queue = list(applications)
        lock = threading.Lock()
        outcomes: Counter[str] = Counter()

        def family_worker() -> None:
            try:
                while True:
                    with lock:
                        if not queue:
                            return
                        application = queue.pop()
                        group = rng.choice(groups)
                    with deliveries_suspended():
                        try:
                            seat_claim(application=application, group=group, now=general_from)
                            outcome = "direction"
                        except Refusal as refusal:
                            outcome = refusal.code
                    with lock:
                        outcomes[outcome] += 1
            finally:
                connections.close_all()

        threads = [threading.Thread(target=family_worker) for _ in range(args.threads)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        seats = Seat.objects.count()
        directions = Direction.objects.count()
        distinct_seats = Direction.objects.values("seat").distinct().count()
        print(f"(c) rush: {len(applications)} families, {args.threads} threads, {seats} seats in {len(groups)} groups")
        print(f"    {sum(outcomes.values())} claims in {seconds:.1f} s = {sum(outcomes.values()) / seconds:.0f} claims/s; outcomes {dict(outcomes)}")
        ok = directions == distinct_seats == seats == outcomes["direction"] and Seat.objects.exclude(state="claimed").count() == 0
        print(f"    every seat given exactly once: {'PASS' if ok else 'FAIL'} ({directions} directions for {distinct_seats} distinct seats)")
        return 0 if ok else 1
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
