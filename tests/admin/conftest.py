"""Old-portal CSV files and staff users for the admin's import and reports tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User

from core.iin import iin_build
from queues.importing import COLUMNS
from queues.models import Locality


def old_row(legacy_number: str, filed_at: str, birth_date: dt.date, serial: int, **cells: str) -> dict[str, str]:
    """One valid row of the old portal's export; `cells` override or add columns."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        legacy_number=legacy_number,
        filed_at=filed_at,
        child_iin=iin_build(birth_date, serial=serial),
        child_last_name="Оспанова",
        child_first_name="Айша",
        applicant_iin=iin_build(dt.date(1990, 5, 17), female=True, serial=serial),
        applicant_last_name="Оспанова",
        applicant_first_name="Гульнара",
        phone="+7 701 123 45 67",
        phone2="8 702 765 43 21",
        address="Караганда, ул. Ерубаева, 1, кв. 2",
        locality="karaganda",
    )
    row.update(cells)
    return row


def csv_bytes(rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False, newline: str = "\n") -> bytes:
    """The file as the old portal (or a spreadsheet program) writes it."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator=newline)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


@pytest.fixture
def karaganda(db) -> Locality:
    return Locality.objects.create(code="karaganda", name="Караганда", name_kk="Қарағанды")


def staff_user(username: str, *permissions: str, is_staff: bool = True) -> User:
    user = User.objects.create_user(username, password="Long-Password-1", is_staff=is_staff)
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("chief", password="Long-Password-1")


@pytest.fixture
def clerk(db) -> User:
    """Department staff who read and change applications but may not import them."""
    return staff_user("clerk", "queues.view_application", "queues.change_application")
