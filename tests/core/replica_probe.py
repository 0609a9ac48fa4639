"""A real PostgreSQL streaming replica, proven (issue 10, core/routers.py).

    python tests/core/replica_probe.py

builds a throw-away primary and a standby streaming from it (initdb, pg_basebackup -R, pg_ctl; as
the `postgres` user when run as root, since PostgreSQL refuses to run as root), then, in a Django
process configured with DATABASE_URL=primary and DATABASE_REPLICA_URL=standby: migrates, creates a
kindergarten, pauses replay on the standby, creates a second one, and shows that the public
open-data pages (read from the standby) do not list it yet while the operator's cabinet and the
admin (the primary) do; resumes replay, and the public pages list it. Both servers are stopped and
their folder removed afterwards, also on failure. It prints what it proved and exits 1 when any
step fails. Needs PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup), not a running
server; tests/core/test_streaming_replica.py runs the same steps.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARIES = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
DATABASE = "indigo"
TIMEOUT = 30.0  # seconds for any one wait


class ProbeUnavailable(Exception):
    """This machine cannot run the probe (the reason says why); not a failure of the portal."""


def pg_bindir() -> Path | None:
    """A folder holding all of PostgreSQL's server binaries the probe needs, or None."""
    candidates: list[Path] = []
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            candidates.append(Path(os.path.realpath(found)).parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in BINARIES):
            return folder
    return None


def unavailable_reason() -> str | None:
    """Why the probe cannot run here, or None when it can."""
    if pg_bindir() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root, and runuser (to run PostgreSQL as postgres) is missing"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run PostgreSQL as"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A primary and a standby streaming from it, in a temporary folder."""

    def __init__(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise ProbeUnavailable(reason)
        self.bindir = pg_bindir()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.folder = Path(tempfile.mkdtemp(prefix="indigo-replica-"))
        if self.as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.primary = self.folder / "primary"
        self.standby = self.folder / "standby"
        self.primary_port = _free_port()
        self.standby_port = _free_port()
        self.started: list[Path] = []

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"

    def _run(self, binary: str, *args: str) -> None:
        command = [*self.as_postgres, str(self.bindir / binary), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{binary} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")

    def _start(self, data: Path) -> None:
        self.started.append(data)
        self._run("pg_ctl", "-D", str(data), "-l", str(data.parent / f"{data.name}.log"), "-w", "-t", str(int(TIMEOUT)), "start")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.primary), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.primary_port),
            "unix_socket_directories": f"'{self.folder}'",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "hot_standby": "on",
            # A throw-away cluster: durability is not what is proven here, speed is welcome.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with open(self.primary / "postgresql.conf", "a") as conf:
            conf.write("\n# indigo replica probe\n" + "".join(f"{key} = {value}\n" for key, value in settings.items()))
        with open(self.primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self._start(self.primary)
        # -R writes standby.signal and primary_conninfo; the standby keeps the primary's settings.
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"),
            *("-D", str(self.standby), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        )
        with open(self.standby / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.standby_port}\n")
        self._start(self.standby)

    def stop(self) -> None:
        for data in reversed(self.started):
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def wait_streaming(self) -> None:
        """Until the standby is in recovery and the primary shows it streaming."""
        import psycopg

        with psycopg.connect(self.url(self.primary_port).rsplit("/", 1)[0] + "/postgres", autocommit=True) as primary:
            primary.execute(f'CREATE DATABASE "{DATABASE}"')
            deadline = time.monotonic() + TIMEOUT
            while True:
                streaming = primary.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").fetchone()[0]
                with contextlib.suppress(psycopg.OperationalError), psycopg.connect(self.url(self.standby_port), autocommit=True) as standby:
                    if streaming and standby.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError("the standby did not start streaming")
                time.sleep(0.1)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """A streaming primary and standby for the time of the block; stopped and removed after it."""
    running = Cluster()
    try:
        running.start()
        running.wait_streaming()
        yield running
    finally:
        running.stop()


def probe_env(running: Cluster) -> dict[str, str]:
    """The environment of the Django process: its own settings, the primary and the standby."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SENTRY_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="indigo.settings",
        DEBUG="true",
        DATABASE_URL=running.url(running.primary_port),
        DATABASE_REPLICA_URL=running.url(running.standby_port),
        CELERY_TASK_ALWAYS_EAGER="true",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_django_part(running: Cluster) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--django"], cwd=ROOT, env=probe_env(running), capture_output=True, text=True, timeout=180
    )


# --- the Django part: runs in its own process, configured by probe_env() -------------------------


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


def django_part() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import setup_test_environment

    from placements.models import Kindergarten
    from queues.models import Locality

    setup_test_environment()  # the test client's host, locmem e-mail
    primary, standby = connections["default"], connections["replica"]

    def scalar(connection, sql: str):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def standby_caught_up() -> bool:
        target = scalar(primary, "SELECT pg_current_wal_lsn()::text")
        return bool(scalar(standby, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"))

    def proved(text: str) -> None:
        print(f"proved: {text}", flush=True)

    assert scalar(standby, "SELECT pg_is_in_recovery()") is True
    assert scalar(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") >= 1
    proved("the standby is in recovery and the primary streams to it (pg_stat_replication)")

    call_command("migrate", verbosity=0)
    _wait(standby_caught_up, "the standby replayed the migrations")
    proved("migrations ran on the primary only, and reached the standby by streaming")

    locality = Locality.objects.create(code="temirtau", name="Темиртау", name_kk="Теміртау")
    Kindergarten.objects.create(code="balapan", name="Балапан", name_kk="Балапан", locality=locality)
    operator = get_user_model().objects.create_user("operator", password="probe-operator-password")
    admin = get_user_model().objects.create_superuser("admin", "admin@example.kz", "probe-admin-password")
    _wait(standby_caught_up, "the standby replayed the first kindergarten")

    public = Client()
    page = public.get("/open/kindergartens/?locality=")
    assert page.status_code == 200 and "Балапан" in page.text, page.status_code
    proved("the public kindergarten list shows the first kindergarten")

    scalar(standby, "SELECT pg_wal_replay_pause()")
    _wait(lambda: scalar(standby, "SELECT pg_get_wal_replay_pause_state()") == "paused", "replay is paused on the standby")
    second = Kindergarten.objects.create(code="akbota", name="Ақбота", name_kk="Ақбота", locality=locality)
    second.operators.add(operator)
    assert not scalar(standby, "SELECT count(*) FROM placements_kindergarten WHERE code = 'akbota'")
    proved("replay paused: the second kindergarten is on the primary, not yet on the standby")

    page = public.get("/open/kindergartens/?locality=")
    assert page.status_code == 200 and "Балапан" in page.text and "Ақбота" not in page.text
    assert public.get("/open/kindergarten/akbota/").status_code == 404
    proved("the public open-data pages read the standby: the second kindergarten is not listed, its passport is 404")

    cabinet = Client()
    cabinet.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    page = cabinet.get("/operator/")
    assert page.status_code == 200 and "Ақбота" in page.text, page.status_code
    proved("the operator's cabinet reads the primary: it shows the second kindergarten")

    staff = Client()
    staff.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    page = staff.get("/admin/placements/kindergarten/")
    assert page.status_code == 200 and "Ақбота" in page.text, page.status_code
    proved("the admin reads the primary: it lists the second kindergarten")

    scalar(standby, "SELECT pg_wal_replay_resume()")
    _wait(standby_caught_up, "the standby replayed the second kindergarten")
    page = public.get("/open/kindergartens/?locality=")
    assert page.status_code == 200 and "Ақбота" in page.text
    assert public.get("/open/kindergarten/akbota/").status_code == 200
    proved("replay resumed: the public pages list the second kindergarten and show its passport")


def main() -> int:
    if "--django" in sys.argv:
        django_part()
        return 0
    reason = unavailable_reason()
    if reason:
        print(f"cannot run here: {reason}")
        return 2
    started = time.monotonic()
    with cluster() as running:
        print(f"primary on 127.0.0.1:{running.primary_port}, standby on 127.0.0.1:{running.standby_port}, streaming", flush=True)
        result = run_django_part(running)
    print(result.stdout, end="")
    if result.returncode != 0:
        print(result.stderr, end="", file=sys.stderr)
        print("FAILED", file=sys.stderr)
        return 1
    print(f"all proved in {time.monotonic() - started:.1f} s; both servers stopped and removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
