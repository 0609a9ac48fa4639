import pytest

from tests.numbers import numbers_restart


@pytest.fixture
def fresh_numbers():
    """Direction and application numbers start again at 1 (tests.numbers)."""
    numbers_restart()
