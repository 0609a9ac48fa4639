"""The old portal's queue comes in whole, with its filing times, or not at all (issue "The portal people use")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import translation

from audit.models import AuditRecord
from core.errors import Refusal
from core.iin import iin_build
from notifications.models import Message
from queues.importing import applications_import
from queues.models import Application
from queues.services import application_file
from tests.admin.conftest import csv_bytes, old_row
from tests.factories import astana

pytestmark = pytest.mark.django_db

NOW = astana(2024, 9, 10, 12)  # the import: E = 2024, R = 01.09.2024
BORN = dt.date(2022, 3, 4)


def _numbers_by_legacy() -> dict[str, int]:
    return dict(Application.objects.values_list("legacy_number", "number"))


def test_a_valid_file_is_imported_with_its_filing_times_in_filing_order(karaganda):
    rows = [
        old_row("120", "2024-05-02T10:00:00+05:00", BORN, 1),
        old_row("10", "02.05.2023 09:30", BORN, 2, benefit="priority", benefit_category="large_family", benefit_status="confirmed"),
        old_row("9", "2024-05-02T10:00", BORN, 3, benefit="extraordinary", benefit_category="military"),
        old_row("55", "15.01.2024 16:45", BORN, 4, sen_pmpk="1", queues="general;special;sanatorium", channel="email", email="a@example.kz"),
    ]
    report = applications_import(file=csv_bytes(rows), now=NOW)

    assert report.errors == []
    assert report.saved and report.valid == 4 and report.confirmed == 1
    # Numbers follow filed_at; "9" and "120" were filed at the same instant, so the old number decides (as a number).
    numbers = _numbers_by_legacy()
    assert sorted(numbers, key=numbers.get) == ["10", "55", "9", "120"]
    assert report.numbers == (numbers["10"], numbers["120"])
    by_legacy = {a.legacy_number: a for a in Application.objects.all()}
    assert by_legacy["10"].filed_at == astana(2023, 5, 2, 9, 30)
    assert by_legacy["55"].filed_at == astana(2024, 1, 15, 16, 45)
    assert by_legacy["120"].filed_at == by_legacy["9"].filed_at == astana(2024, 5, 2, 10)
    assert by_legacy["10"].benefit_status == "confirmed"
    assert by_legacy["9"].benefit_status == "claimed"
    assert by_legacy["120"].benefit_status is None
    assert by_legacy["55"].queue_kinds == ["general", "special", "sanatorium"]
    assert by_legacy["55"].channel == "email"
    assert by_legacy["120"].phone == "77011234567" and by_legacy["120"].phone2 == "77027654321"
    assert all(a.status == "queued" for a in by_legacy.values())


def test_the_import_is_audited_once_with_its_counts_and_sends_no_registered_message(karaganda):
    rows = [old_row("1", "2024-05-02T10:00", BORN, 1), old_row("2", "2024-05-03T10:00", BORN, 2, benefit="priority", benefit_status="confirmed")]
    report = applications_import(file=csv_bytes(rows), now=NOW)

    record = AuditRecord.objects.get(action="applications.import")
    assert record.details == {"rows": 2, "imported": 2, "confirmed": 1, "numbers": list(report.numbers)}
    assert AuditRecord.objects.filter(action="application.file").count() == 2
    assert not Message.objects.filter(event="registered").exists()


def test_imported_applications_are_audited_at_the_import_with_their_filing_time_in_the_details(karaganda):
    applications_import(file=csv_bytes([old_row("1", "2023-05-02T10:00", BORN, 1)]), now=NOW)

    application = Application.objects.get()
    assert application.filed_at == application.status_changed_at == astana(2023, 5, 2, 10)  # its place in the queue
    record = AuditRecord.objects.get(action="application.file")
    assert record.at == NOW  # the trail says when it happened here, not when the old portal took it
    assert record.details["filed_at"] == astana(2023, 5, 2, 10).isoformat()
    assert record.object_id == str(application.pk)


def test_a_file_with_bad_rows_saves_nothing_and_reports_every_bad_row(karaganda):
    application_file(child_iin=iin_build(BORN, serial=500), locality_code="karaganda", now=astana(2024, 4, 1))
    before = Application.objects.count()
    highest = max(Application.objects.values_list("number", flat=True), default=0)
    good_iin = iin_build(BORN, serial=1)
    bad_checksum = good_iin[:11] + str((int(good_iin[11]) + 1) % 10)
    rows = [
        old_row("1", "2024-05-02T10:00", BORN, 1),  # valid
        old_row("2", "2024-05-02T10:00", BORN, 2, child_iin=bad_checksum),  # row 3
        old_row("3", "2024-05-02T10:00", BORN, 3, locality="nowhere"),  # row 4
        old_row("4", "2024-05-03T10:00", BORN, 1),  # row 5: the same child as row 2, filed later
        old_row("5", "yesterday", BORN, 5),  # row 6
        old_row("6", "2024-05-02T10:00", dt.date(2017, 5, 1), 6),  # row 7: 7 years old on 01.09.2023
        old_row("7", "2024-05-02T10:00", BORN, 7, queues="general;special"),  # row 8: no PMPK
        old_row("8", "2024-05-02T10:00", BORN, 8, benefit_status="confirmed"),  # row 9: no benefit
        old_row("9", "2024-05-02T10:00", BORN, 500),  # row 10: already in the portal
        old_row("1", "2024-05-04T10:00", BORN, 11),  # row 11: the old number of row 2 again
        old_row("12", "2024-05-02T10:00", BORN, 12, phone="12345", benefit="sometimes"),  # row 12: two bad cells
    ]
    with translation.override("ru"):
        report = applications_import(file=csv_bytes(rows), now=NOW)
        expected = [
            (3, "child_iin", Refusal("invalid_iin").message),
            (4, "locality", Refusal("unknown_locality").message),
            (5, "child_iin", Refusal("duplicate").message),
            (6, "filed_at", None),
            (7, "child_iin", Refusal("over_age").message),
            (8, "queues", Refusal("pmpk_required").message),
            (9, "benefit_status", None),
            (10, "child_iin", Refusal("duplicate").message),
            (11, "legacy_number", None),
            (12, "phone", Refusal("invalid_phone").message),
            (12, "benefit", None),
        ]

    assert [(e.row, e.column) for e in report.errors] == [(row, column) for row, column, _ in expected]
    for error, (_, _, message) in zip(report.errors, expected, strict=True):
        assert error.message == message if message else error.message, (error, message)
    assert "02.05.2024 10:00" in report.errors[3].message  # the formats are named in the reason
    assert "2" in report.errors[8].message  # the row that holds the old number first
    assert not report.saved
    assert Application.objects.count() == before
    assert not AuditRecord.objects.filter(action="applications.import").exists()
    # No number is given twice. A rolled-back import leaves a gap on PostgreSQL, whose number
    # sequence does not roll back (core.sequences); SQLite's Counter row does.
    later = application_file(child_iin=iin_build(BORN, serial=900), locality_code="karaganda", now=NOW)
    assert later.number > highest
    assert later.number == highest + 1 or connection.vendor == "postgresql"


def test_the_reasons_are_in_the_users_language(karaganda):
    rows = [old_row("1", "2024-05-02T10:00", BORN, 1, locality="nowhere")]
    with translation.override("kk"):
        report = applications_import(file=csv_bytes(rows), now=NOW)
        assert report.errors[0].message == Refusal("unknown_locality").message
    with translation.override("ru"):
        assert report.errors[0].message != Refusal("unknown_locality").message


def test_a_file_with_a_bom_semicolons_and_windows_line_ends_is_read(karaganda):
    rows = [
        old_row("1", "02.05.2024 10:00", BORN, 1, sen_pmpk="1", queues="general;special", address="Караганда; ул. Абая, 5"),
        old_row("2", "03.05.2024 10:00:30", BORN, 2),
    ]
    report = applications_import(file=csv_bytes(rows, delimiter=";", bom=True, newline="\r\n"), now=NOW)

    assert report.errors == [] and report.saved
    first = Application.objects.get(legacy_number="1")
    assert first.queue_kinds == ["general", "special"]
    assert first.address == "Караганда; ул. Абая, 5"
    assert Application.objects.get(legacy_number="2").filed_at == astana(2024, 5, 3, 10, 0, 30)


def test_a_comma_file_with_a_bom_is_read(karaganda):
    rows = [old_row("1", "2024-05-02T10:00", BORN, 1, address="Караганда, ул. Абая, 5")]
    report = applications_import(file=csv_bytes(rows, bom=True), now=NOW)
    assert report.saved
    assert Application.objects.get(legacy_number="1").address == "Караганда, ул. Абая, 5"


def test_importing_the_same_file_twice_imports_nothing_the_second_time(karaganda):
    data = csv_bytes([old_row("1", "2024-05-02T10:00", BORN, 1), old_row("2", "2024-05-02T11:00", BORN, 2)])
    assert applications_import(file=data, now=NOW).saved
    again = applications_import(file=data, now=NOW)
    assert not again.saved
    assert [(e.row, e.column) for e in again.errors] == [(2, "legacy_number"), (3, "legacy_number")]
    assert Application.objects.count() == 2


def test_a_dry_run_checks_everything_and_saves_nothing(karaganda):
    report = applications_import(file=csv_bytes([old_row("1", "2024-05-02T10:00", BORN, 1)]), now=NOW, dry_run=True)
    assert report.errors == [] and report.valid == 1
    assert not report.saved
    assert not Application.objects.exists()


def test_rows_can_be_given_as_mappings(karaganda):
    report = applications_import(rows=[old_row("A-7", "2024-05-02T10:00", BORN, 1)], now=NOW)
    assert report.saved
    assert Application.objects.get().legacy_number == "A-7"


def test_a_header_without_the_required_columns_is_refused_as_a_whole(karaganda):
    data = "child_iin,locality,nickname\n" + iin_build(BORN, serial=1) + ",karaganda,Ai\n"
    report = applications_import(file=data.encode(), now=NOW)
    assert [(e.row, e.column) for e in report.errors] == [(1, ""), (1, "")]
    assert "legacy_number, filed_at" in report.errors[0].message
    assert "nickname" in report.errors[1].message
    assert not Application.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(karaganda):
    data = csv_bytes([old_row("1", "2024-05-02T10:00", BORN, 1)]).decode().encode("cp1251")
    report = applications_import(file=data, now=NOW)
    assert not report.saved
    assert report.errors[0].row is None and "UTF-8" in report.errors[0].message


def test_a_child_over_age_on_the_import_day_is_refused(karaganda):
    # Filed at 4 (born 01.05.2018, filed 02.05.2022): fine then, 6 on 01.09.2024, archived at once if imported.
    report = applications_import(file=csv_bytes([old_row("1", "2022-05-02T10:00", dt.date(2018, 5, 1), 1)]), now=NOW)
    assert [(e.row, e.column) for e in report.errors] == [(2, "child_iin")]
    assert "01.09.2024" in report.errors[0].message
    assert not Application.objects.exists()


def test_a_filing_time_after_the_import_is_refused(karaganda):
    report = applications_import(file=csv_bytes([old_row("1", "2024-09-11T10:00", BORN, 1)]), now=NOW)
    assert [(e.row, e.column) for e in report.errors] == [(2, "filed_at")]
