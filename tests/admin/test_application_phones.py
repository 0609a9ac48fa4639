"""Phones typed by staff (the application's change form, the old portal's import) are stored in the
one form the code limits key on: Kazakhstan mobile numbers only, whatever digits they were typed in."""

from __future__ import annotations

import pytest
from django.forms import modelform_factory
from django.utils import timezone

from core.errors import Refusal
from queues.admin import ApplicationAdminForm
from queues.importing import applications_import
from queues.models import Application
from tests.admin.conftest import csv_bytes, old_row
from tests.factories import ApplicationFactory, LocalityFactory

pytestmark = pytest.mark.django_db

PhonesForm = modelform_factory(Application, form=ApplicationAdminForm, fields=["phone", "phone2"])


@pytest.fixture
def application() -> Application:
    return ApplicationFactory(locality=LocalityFactory(), phone="77011234567", phone2="77027654321")


def test_staff_typing_other_digits_store_the_ascii_number(application):
    form = PhonesForm({"phone": "+7 ７０５ １１１ ２２ ３３", "phone2": "+٧ ٧٠٢ ٧٦٥ ٤٣ ٢١"}, instance=application)

    assert form.is_valid(), form.errors
    form.save()
    application.refresh_from_db()
    assert (application.phone, application.phone2) == ("77051112233", "77027654321")


@pytest.mark.parametrize(
    ("phone", "phone2", "field", "code"),
    [
        ("+7 495 123 45 67", "77027654321", "phone", "invalid_phone"),
        ("77011234567", "+7 916 123 45 67", "phone2", "invalid_phone"),
        ("77011234567", "8 ７０１ １２３ ４５ ６７", "phone2", "same_phones"),
    ],
)
def test_staff_cannot_store_a_russian_number_or_the_same_number_twice(application, phone, phone2, field, code):
    form = PhonesForm({"phone": phone, "phone2": phone2}, instance=application)

    assert not form.is_valid()
    assert form.errors[field] == [str(Refusal(code).message)]


def test_the_import_stores_other_digits_as_the_ascii_number(karaganda):
    born = timezone.now().date().replace(year=timezone.now().year - 2, month=3, day=4)
    row = old_row("7", "2024-05-02T10:00", born, 7, phone="+7 ７０１ １２３ ４５ ６７", phone2="٨٧٠٢٧٦٥٤٣٢١")

    report = applications_import(file=csv_bytes([row]), now=timezone.now(), dry_run=False)

    assert report.saved, report.errors
    assert Application.objects.values_list("phone", "phone2").get() == ("77011234567", "77027654321")
