import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls there otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Benefit documents written by a test land in its own temporary folder."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    yield


@pytest.fixture(autouse=True)
def _cache_empty():
    """Rate-limit counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
