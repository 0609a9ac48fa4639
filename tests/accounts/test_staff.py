"""Department staff roles and the password lockout of staff and operator accounts."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from placements.models import Kindergarten
from queues.models import Locality
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def test_roles_exist_with_their_permissions():
    call_command("migrate", verbosity=0)  # post_migrate keeps the roles in sync
    clerk = set(Group.objects.get(name="clerk").permissions.values_list("codename", flat=True))
    supervisor = set(Group.objects.get(name="supervisor").permissions.values_list("codename", flat=True))
    auditor = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))
    assert "change_application" in clerk and "change_kindergarten" not in clerk
    assert {"change_kindergarten", "add_calendaroverride", "change_cabinet"} <= supervisor
    # The auditor changes nothing: it reads, and runs the fairness audit (which writes only its report).
    assert auditor and all(codename.startswith("view_") for codename in auditor - {"add_fairnessaudit"})
    assert {"view_auditrecord", "view_fairnessaudit", "add_fairnessaudit", "view_forecastreport"} <= auditor
    assert {"view_fairnessaudit", "view_forecastreport"} <= clerk and "add_fairnessaudit" in supervisor


def test_an_auditor_reads_but_cannot_change_applications(client):
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("auditor1", password="x-Long-Password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="auditor"))
    client.force_login(user)
    application = ApplicationFactory(child_last_name="Омаров")
    listing = client.get("/admin/queues/application/")
    assert listing.status_code == 200 and f"/admin/queues/application/{application.pk}/change/" in listing.content.decode()  # listed
    change = f"/admin/queues/application/{application.pk}/change/"
    page = client.get(change).content.decode()
    assert "Омаров" in page and 'name="_save"' not in page  # shown read-only, no button to save
    assert client.post(change, {"child_last_name": "Подделкин"}).status_code == 403
    application.refresh_from_db()
    assert application.child_last_name == "Омаров"
    assert client.get("/admin/core/calendaroverride/add/").status_code == 403


def test_five_wrong_staff_passwords_lock_the_account(client):
    User.objects.create_user("clerk1", password="Right-Password-1", is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "clerk1", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    response = client.post("/admin/login/?next=/admin/", {"username": "clerk1", "password": "Right-Password-1"}, REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


# The lockout counts per account name and address together: wrong passwords typed for one name
# must not lock everyone else who logs in from the same office, NAT or proxy.

LOGIN_PAGES = ["/admin/login/", "/operator/login/"]


@pytest.fixture
def two_accounts(db):
    """Two staff members who are also the operators of a kindergarten: both login pages open to them."""
    locality = Locality.objects.create(code="temirtau", name="Темиртау")
    kindergarten = Kindergarten.objects.create(code="arman", name="Ясли-сад «Арман»", locality=locality)
    for name in ("clerk-a", "clerk-b"):
        kindergarten.operators.add(User.objects.create_user(name, password="Right-Password-1", is_staff=True))


def _log_in(client, page, username, password, **extra):
    return client.post(page, {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_wrong_passwords_for_one_name_do_not_lock_another_from_the_same_address(two_accounts, page):
    attacker, colleague = Client(REMOTE_ADDR="10.0.0.5"), Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(5):
        _log_in(attacker, page, "clerk-a", "wrong")
    assert _log_in(attacker, page, "clerk-a", "Right-Password-1").status_code == 429
    assert _log_in(colleague, page, "clerk-b", "Right-Password-1").status_code == 302


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_a_forged_forwarded_for_header_gets_no_fresh_attempts_without_trusted_proxies(two_accounts, page, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="10.0.0.5")
    for n in range(5):
        _log_in(client, page, "clerk-a", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert _log_in(client, page, "clerk-a", "Right-Password-1", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_behind_the_proxy_the_lockout_is_the_clients_not_the_proxys(two_accounts, page, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "172.18.0.2"}
    for _ in range(5):
        _log_in(Client(), page, "clerk-a", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert _log_in(Client(), page, "clerk-a", "Right-Password-1", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # The same name from another client of the proxy, forging the address it was locked at in front.
    assert _log_in(Client(), page, "clerk-a", "Right-Password-1", HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.4", **proxy).status_code == 302
