"""The import checks names with the wizard's rule (core.validators.validate_person_name, issue 11):
a name that is not letters is a row error in its column; a good one is stored tidied."""

from __future__ import annotations

import datetime as dt

import pytest

from queues.importing import applications_import
from queues.models import Application
from tests.admin.conftest import csv_bytes, old_row
from tests.factories import astana

pytestmark = pytest.mark.django_db

NOW = astana(2024, 9, 10, 12)
BORN = dt.date(2022, 3, 4)


def test_a_name_with_markup_is_a_row_error_and_nothing_is_imported(karaganda):
    rows = [old_row("1", "2024-05-02T10:00", BORN, 1), old_row("2", "2024-05-02T11:00", BORN, 2, child_first_name="<b>Айша</b>")]
    report = applications_import(file=csv_bytes(rows), now=NOW)
    assert [(e.row, e.column) for e in report.errors] == [(3, "child_first_name")]
    assert not Application.objects.exists()


def test_kazakh_names_are_imported_with_their_spaces_tidied(karaganda):
    rows = [old_row("1", "2024-05-02T10:00", BORN, 1, child_last_name="Құрманғазы  Ұлы", applicant_middle_name="Әбілқызы")]
    report = applications_import(file=csv_bytes(rows), now=NOW)
    assert report.errors == []
    application = Application.objects.get()
    assert (application.child_last_name, application.applicant_middle_name) == ("Құрманғазы Ұлы", "Әбілқызы")
