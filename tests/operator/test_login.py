"""Logging in and out of the operator cabinet: Django's login view, locked after 5 wrong passwords."""

import pytest
from django.contrib.auth.models import User

from tests.operator.conftest import PASSWORD, body

pytestmark = pytest.mark.django_db
LOGIN = "/operator/login/"


def test_the_login_page_renders(english, world, clock):
    response = english.get(LOGIN)
    assert response.status_code == 200 and 'name="password"' in body(response)


def test_an_operator_logs_in_to_the_dashboard(english, world, clock):
    response = english.post(LOGIN, {"username": "operator-arman", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/operator/")
    assert "Ясли-сад «Арман»" in body(english.get("/operator/"))


def test_the_login_returns_to_the_page_asked_for(english, world, clock):
    response = english.post(f"{LOGIN}?next=/operator/kindergartens/arman/seats/", {"username": "operator-arman", "password": PASSWORD})
    assert response["Location"] == "/operator/kindergartens/arman/seats/"


def test_a_wrong_password_is_refused(english, world, clock):
    response = english.post(LOGIN, {"username": "operator-arman", "password": "wrong"})
    html = body(response)
    # The login page again, saying why, with the name kept and the password not echoed back.
    assert response.status_code == 200 and 'name="password"' in html
    assert "Please enter a correct username and password" in html
    assert 'value="operator-arman"' in html and 'value="wrong"' not in html
    assert english.get("/operator/")["Location"].startswith(LOGIN)


def test_an_account_bound_to_no_kindergarten_cannot_log_in(english, world, clock):
    User.objects.create_user("stranger", password=PASSWORD)
    response = english.post(LOGIN, {"username": "stranger", "password": PASSWORD})
    assert "not bound to any kindergarten" in body(response)
    assert english.get("/operator/").status_code == 302


def test_five_wrong_passwords_lock_the_operator_account(english, world):
    # The real clock: django-axes reads its own `now` when it counts the recent failures.
    for _ in range(5):
        english.post(LOGIN, {"username": "operator-arman", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    # Locked per account name and address together (issue 8): even the right password is refused there.
    response = english.post(LOGIN, {"username": "operator-arman", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 429
    assert "Too many wrong passwords" in body(response) and "locked for 15 minutes" in body(response)
    assert english.get("/operator/")["Location"].startswith(LOGIN)


def test_logging_out_takes_a_post(operator_a, world):
    assert operator_a.get("/operator/logout/").status_code == 405
    response = operator_a.post("/operator/logout/")
    assert (response.status_code, response["Location"]) == (302, "/operator/login/")
    assert operator_a.get("/operator/").status_code == 302
