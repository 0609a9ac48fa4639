"""The suite itself (issue 13): Django's async-safety check is on outside the browser journeys."""

import os

import pytest
from django.core.exceptions import SynchronousOnlyOperation


def test_async_unsafe_orm_calls_are_refused_outside_the_browser_journeys():
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ


@pytest.mark.django_db
def test_an_orm_call_from_a_running_event_loop_is_refused():
    import asyncio

    from django.contrib.auth.models import User

    async def query():
        return User.objects.count()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(query())
