import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls there otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
def _cache_empty():
    """Rate-limit counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
