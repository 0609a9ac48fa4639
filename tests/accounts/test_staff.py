"""Department staff roles and the password lockout of staff and operator accounts."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_roles_exist_with_their_permissions():
    call_command("migrate", verbosity=0)  # post_migrate keeps the roles in sync
    clerk = set(Group.objects.get(name="clerk").permissions.values_list("codename", flat=True))
    supervisor = set(Group.objects.get(name="supervisor").permissions.values_list("codename", flat=True))
    auditor = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))
    assert "change_application" in clerk and "change_kindergarten" not in clerk
    assert {"change_kindergarten", "add_calendaroverride", "change_cabinet"} <= supervisor
    assert auditor and all(codename.startswith("view_") for codename in auditor)
    assert "view_auditrecord" in auditor


def test_an_auditor_reads_but_cannot_change_applications(client):
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("auditor1", password="x-Long-Password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="auditor"))
    client.force_login(user)
    assert client.get("/admin/queues/application/").status_code == 200
    assert client.get("/admin/core/calendaroverride/add/").status_code == 403


def test_five_wrong_staff_passwords_lock_the_account(client):
    User.objects.create_user("clerk1", password="Right-Password-1", is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "clerk1", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    response = client.post("/admin/login/?next=/admin/", {"username": "clerk1", "password": "Right-Password-1"}, REMOTE_ADDR="10.0.0.6")
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302
