"""The admin's upload page for the old portal's queue: the same service as the command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from core.calendar import local
from queues.models import Application
from tests.admin.conftest import csv_bytes, old_row, staff_user

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/queues/application/import/"


def _upload(rows: list[dict[str, str]], **options: str) -> dict:
    return {"file": SimpleUploadedFile("queue.csv", csv_bytes(rows), content_type="text/csv"), **options}


def _rows(**bad: str) -> list[dict[str, str]]:
    today = local(timezone.now()).date()
    born = today.replace(year=today.year - 2, day=1)
    filed = local(timezone.now() - dt.timedelta(days=200))
    return [old_row("7", f"{filed:%d.%m.%Y %H:%M}", born, 1), old_row("8", f"{filed:%d.%m.%Y %H:%M}", born, 2, **bad)]


def test_the_changelist_shows_the_import_button_to_whom_may_import(client, superuser, clerk):
    client.force_login(superuser)
    assert IMPORT_URL in client.get("/admin/queues/application/").content.decode()
    client.force_login(clerk)
    page = client.get("/admin/queues/application/")
    assert page.status_code == 200
    assert IMPORT_URL not in page.content.decode()


def test_a_valid_upload_imports_the_file_and_returns_to_the_applications(client, superuser, karaganda):
    client.force_login(superuser)
    assert client.get(IMPORT_URL).status_code == 200
    response = client.post(IMPORT_URL, _upload(_rows()), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == reverse("admin:queues_application_changelist")
    assert "Imported 2 applications" in response.content.decode()
    assert sorted(Application.objects.values_list("legacy_number", flat=True)) == ["7", "8"]
    record = AuditRecord.objects.get(action="applications.import")
    assert (record.actor_kind, record.actor, record.details["imported"]) == ("staff", "chief", 2)


def test_a_file_too_large_for_the_page_is_sent_to_the_command(client, superuser, karaganda):
    client.force_login(superuser)
    rows = _rows()
    rows[0]["address"] = "x" * (600 * 1024)
    response = client.post(IMPORT_URL, _upload(rows), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "import_applications" in response.content.decode()
    assert not Application.objects.exists()


def test_an_upload_with_a_bad_row_lists_it_and_saves_nothing(client, superuser, karaganda):
    client.force_login(superuser)
    response = client.post(IMPORT_URL, _upload(_rows(channel="pigeon")), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = response.context["report"].errors
    assert [(e.row, e.column) for e in errors] == [(3, "channel")]
    assert "“pigeon” is not one of: sms, email." in response.content.decode()
    assert not Application.objects.exists()


def test_a_check_only_upload_saves_nothing(client, superuser, karaganda):
    client.force_login(superuser)
    response = client.post(IMPORT_URL, _upload(_rows(), dry_run="on"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "all 2 rows can be imported" in response.content.decode()
    assert not Application.objects.exists()


def test_staff_without_the_add_permission_are_refused(client, clerk, karaganda):
    client.force_login(clerk)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, _upload(_rows())).status_code == 403
    assert not Application.objects.exists()


def test_staff_with_the_add_permission_may_import(client, karaganda):
    client.force_login(staff_user("importer", "queues.view_application", "queues.add_application"))
    assert client.post(IMPORT_URL, _upload(_rows())).status_code == 302
    assert Application.objects.count() == 2


def test_someone_not_staff_is_sent_to_the_login(client, karaganda):
    client.force_login(staff_user("parent", "queues.add_application", is_staff=False))
    response = client.post(IMPORT_URL, _upload(_rows()))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Application.objects.exists()
