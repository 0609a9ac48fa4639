"""One-time form tokens (core/once.py): used once, in the transaction of the change; forgotten after a day."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from core.errors import Refusal
from core.models import FormToken
from core.once import FIELD, form_once, form_token_issue, form_tokens_sweep
from core.tasks import form_tokens_sweep as sweep_task
from tests.factories import astana

pytestmark = pytest.mark.django_db
NOW = astana(2024, 6, 4, 12)


@pytest.fixture
def user() -> User:
    return User.objects.create_user("operator-arman", password="Operator-Password-17")


def _sending(user: User, token: str):
    request = RequestFactory().post("/", {FIELD: token})
    request.user = user
    return request


def _token(user: User, scope: str = "test") -> str:
    request = RequestFactory().get("/")
    request.user = user
    return form_token_issue(request, scope=scope)


def test_a_token_is_used_once(user):
    token = _token(user)
    done = []
    with form_once(_sending(user, token), scope="test", now=NOW):
        done.append(1)
    with pytest.raises(Refusal) as refusal, form_once(_sending(user, token), scope="test", now=NOW):
        done.append(2)
    assert refusal.value.code == "form_resent"
    assert done == [1]


def test_a_refused_change_leaves_the_token_unused(user):
    token = _token(user)
    with pytest.raises(Refusal), form_once(_sending(user, token), scope="test", now=NOW):
        raise Refusal("invalid_count")
    assert not FormToken.objects.exists()
    with form_once(_sending(user, token), scope="test", now=NOW):
        pass
    assert FormToken.objects.count() == 1


def test_used_tokens_are_forgotten_after_a_day(user):
    for minutes in (0, 1):
        with form_once(_sending(user, _token(user)), scope="test", now=NOW - dt.timedelta(days=1, minutes=minutes)):
            pass
    with form_once(_sending(user, _token(user)), scope="test", now=NOW - dt.timedelta(hours=23)):
        pass
    assert form_tokens_sweep(now=NOW) == 1  # exactly a day old stays, a minute more goes
    assert FormToken.objects.count() == 2
    assert sweep_task.apply().get() == 2  # the real clock: both are long past
