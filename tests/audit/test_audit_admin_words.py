"""Issue 11, item 7: the audit trail in the admin reads in words: actions, roles, objects, devices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone, translation

from audit.context import Actor, acting_as
from audit.labels import ACTION_LABELS, action_label, device_label
from core.iin import iin_build
from queues.models import Locality
from queues.services import application_file

pytestmark = pytest.mark.django_db

ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"


@pytest.fixture
def application(db):
    Locality.objects.create(code="karaganda", name="Караганда", name_kk="Қарағанды")
    born = timezone.now().date().replace(year=timezone.now().year - 2, day=1)
    with acting_as(Actor(kind="staff", label="aigul", ip="10.0.0.5", device=ANDROID_CHROME)):
        return application_file(child_iin=iin_build(born, serial=404), locality_code="karaganda", now=timezone.now() - dt.timedelta(hours=1))


def test_the_audit_list_shows_actions_roles_objects_and_devices_in_words(client, application):
    client.force_login(User.objects.create_superuser("chief", password="Long-Password-1"))
    client.cookies["django_language"] = "en"

    page = client.get("/admin/audit/auditrecord/").content.decode()

    rows = page[page.index('id="result_list"') :]
    assert "Application filed" in rows
    assert "education department staff" in rows
    assert f'<a href="/admin/queues/application/{application.pk}/change/">Application No. {application.number}</a>' in rows
    assert "Chrome Mobile 120 · Android 10" in rows
    assert ANDROID_CHROME not in rows
    assert ">application.file<" not in rows and ">staff<" not in rows


def test_the_audit_list_reads_in_kazakh(client, application):
    client.force_login(User.objects.create_superuser("chief", password="Long-Password-1"))
    client.cookies["django_language"] = "kk"
    with translation.override("kk"):
        expected = action_label("application.file")

    page = client.get("/admin/audit/auditrecord/").content.decode()

    assert expected in page[page.index('id="result_list"') :]


def test_every_action_written_has_a_label():
    """The registry knows every action code the code base writes (a new one must be added)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    written = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        written |= set(re.findall(r'audit_record\(\s*action="([a-z0-9_.]+)"', path.read_text()))
    written |= {"admin.add", "admin.change", "direction.expired", "direction.cancelled", "direction.revoked"}
    assert written - set(ACTION_LABELS) == set()


@pytest.mark.parametrize(
    ("device", "words"),
    [
        (ANDROID_CHROME, "Chrome Mobile 120 · Android 10"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome 120 · Windows 10"),
        ("kiosk:arman", "Kiosk arman"),
        ("device:0123456789ab", "The cabinet's registered device"),
        ("", ""),
    ],
)
def test_devices_read_as_a_browser_and_a_system(device, words):
    with translation.override("en"):
        assert device_label(device) == words
