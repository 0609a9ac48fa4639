"""Issue 11, item 7: what a parent does before the login completes (setting the password, typing
it) is recorded with the cabinet as the actor, not as an anonymous visitor."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Cabinet
from accounts.services import cabinet_password_set
from audit.models import AuditRecord
from tests.accounts.conftest import PARENT_IIN, last_code

pytestmark = pytest.mark.django_db
PASSWORD = "Qazaqstan-2026!"


def _code(client, capture):
    with capture(execute=True):
        client.post("/cabinet/login/", {"iin": PARENT_IIN})
    return client.post("/cabinet/login/code/", {"code": last_code()})


def test_a_parent_setting_the_password_is_recorded_with_the_cabinet(client, application, django_capture_on_commit_callbacks):
    cabinet = Cabinet.objects.get(iin=PARENT_IIN)
    assert _code(client, django_capture_on_commit_callbacks).url == "/cabinet/password/"

    response = client.post("/cabinet/password/", {"password": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302 and response.url == "/cabinet/"
    record = AuditRecord.objects.get(action="cabinet.password_set")
    assert (record.actor_kind, record.actor) == ("parent", f"cabinet {cabinet.pk}")
    registered = AuditRecord.objects.get(action="cabinet.device_register")
    assert (registered.actor_kind, registered.actor) == ("parent", f"cabinet {cabinet.pk}")


def test_a_wrong_password_is_recorded_with_the_cabinet(client, application, django_capture_on_commit_callbacks):
    cabinet = cabinet_password_set(cabinet=Cabinet.objects.get(iin=PARENT_IIN), password=PASSWORD, purpose="login", now=timezone.now())
    assert _code(client, django_capture_on_commit_callbacks).url == "/cabinet/login/password/"

    client.post("/cabinet/login/password/", {"password": "not-the-password"})

    record = AuditRecord.objects.get(action="cabinet.login_failed")
    assert (record.actor_kind, record.actor) == ("parent", f"cabinet {cabinet.pk}")
