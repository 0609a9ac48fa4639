import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

BROWSER = Path(__file__).resolve().parent / "browser"


def pytest_configure(config: pytest.Config) -> None:
    """`INDIGO_TEST_CLOCK=18:20 pytest` (or `make test-at AT=18:20`): the whole run reads today's
    date at that Astana time from `timezone.now()`, moving on from there as real time does, so a
    test that reads the real clock and only passes at some hours is caught at any hour (issue 13:
    the suite passes at 18:20, while the bulletin's day turns).

    Only Django's clock is moved, in this process. libfaketime moves every clock of the process,
    but its timed waits fail in threads and sockets (OSError 22, dropped local HTTP connections),
    so the concurrency tests cannot run under it; the project's code reads the hour nowhere but
    through `timezone.now()` (time.time() measures ages and rate-limit windows only)."""
    at = os.environ.get("INDIGO_TEST_CLOCK", "").strip()
    if not at:
        return
    hour, minute = (int(part) for part in at.split(":"))
    real_now = timezone.now
    today = real_now().astimezone(ZoneInfo("Asia/Almaty"))
    offset = today.replace(hour=hour, minute=minute, second=0, microsecond=0) - today
    timezone.now = lambda: real_now() + offset
    config.stash[_CLOCK_KEY] = at


_CLOCK_KEY = pytest.StashKey[str]()


def pytest_report_header(config: pytest.Config) -> str | None:
    at = config.stash.get(_CLOCK_KEY, None)
    return f"INDIGO_TEST_CLOCK: timezone.now() reads {at} Astana time at the start" if at else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser journeys run last (after any reordering, e.g. pytest-randomly's).

    Playwright's sync API leaves its event loop running in the test thread from the first journey
    until the end of the session, and Django refuses ORM calls from a thread with a running loop.
    Only the journeys may allow that (DJANGO_ALLOW_ASYNC_UNSAFE, set per test in
    tests/browser/conftest.py); every other test runs before them, without it (issue 13)."""
    items.sort(key=lambda item: item.path.is_relative_to(BROWSER))  # a stable sort keeps the order within each part


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Benefit documents written by a test land in its own temporary folder."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush (TRUNCATE), which the audit tables refuse on PostgreSQL:
    the refusal is switched off for the test database; tests/audit turns it on where it is tested."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_no_truncate")
            cursor.execute("ALTER TABLE audit_auditlink DISABLE TRIGGER audit_link_no_truncate")


@pytest.fixture(autouse=True)
def _audit_seals(settings, tmp_path):
    """A test's audit seals (and audit_verify's reading of them) stay in its own folder, not var/."""
    settings.AUDIT_SEAL_DIR = str(tmp_path / "audit-seals")
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request leaves its language active in the thread
    (LocaleMiddleware), and a test must not pass or fail by which test ran before it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _cache_empty():
    """Rate-limit counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


class Clock:
    """The moment the code under test reads as `timezone.now()`: pages, middleware and jobs (the
    browser journeys' live server too: it runs in this process). Services a test calls itself get
    theirs explicitly."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: dt.datetime) -> None:
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def set(self, at: dt.datetime) -> None:
        self.at = at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, clock_start: dt.datetime) -> Clock:
    """The one test clock. It starts at `clock_start`, which each test folder (or module) that uses
    the clock defines: the moment its story is told at."""
    return Clock(monkeypatch, clock_start)
