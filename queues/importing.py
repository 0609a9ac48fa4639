"""Importing the old portal's queue: one service behind `manage.py import_applications FILE.csv`
and the admin's upload page (Applications → "Import from the old portal").

The file is CSV in UTF-8, with or without a byte-order mark; the delimiter is `,` or `;` (read from
the header line). The first line names the columns, in any order; a cell may be empty unless the
column is required.

Columns (required ones marked *):

- `legacy_number`* — the application's number in the old portal, kept as a reference
  (`Application.legacy_number`, at most 32 characters, once per file and per portal);
- `filed_at`* — when it was filed in the old portal: ISO 8601 (`2024-05-02T10:00:00+05:00`;
  without an offset, Astana time) or `02.05.2024 10:00` (Astana time, seconds optional).
  The application keeps this filing time;
- `child_iin`* — 12 digits; `child_last_name`, `child_first_name`, `child_middle_name`;
  `birth_certificate` (its number);
- `applicant_iin` — 12 digits; `applicant_last_name`, `applicant_first_name`,
  `applicant_middle_name`;
- `phone`, `phone2` — Kazakh mobile numbers written any usual way (`+7 701 123 45 67`,
  `87011234567`); `email`; `address`;
- `locality`* — a locality's code (Localities in the admin);
- `benefit` — `none` (when empty), `priority` or `extraordinary`;
- `benefit_category` — `military`, `special_state_body`, `pedagogue` (extraordinary);
  `disabled_parent`, `orphan`, `large_family`, `sen`, `disabled_child_family` (priority);
- `benefit_status` — `claimed` (when empty) or `confirmed`; only with a benefit;
- `sen_pmpk` — `1`: special educational needs with a PMPK conclusion; `0` when empty;
- `queues` — `general` always, plus `special` and/or `sanatorium`, separated by `;`, `,`, `|`
  or spaces (quote the cell when it holds the file's delimiter): `"general;special"`;
- `channel` — `sms` (when empty) or `email` (needs `email`);
- `language` — `ru` (when empty) or `kk`.

Every row is filed through `application_file` with `now` = its `filed_at`, so the SPEC §3 checks
(IIN, age, duplicate child, locality, PMPK) apply as at the filing moment; a `confirmed` benefit is
then confirmed through `benefit_confirm`. A child who is already over age at the import is refused
too: the application would be archived at once (SPEC §3). New numbers follow `filed_at`, then the
old number. Nothing is half-imported: the file is saved in one transaction only when every row is
valid; otherwise nothing is saved and the report names every bad row (row numbers as a spreadsheet
shows them, the header being row 1), its column and the reason, in the user's language. The
families get no "registered" message (the old portal told them); one audit record holds the counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.services import audit_record
from core.calendar import ASTANA, age_on, reference_date
from core.errors import Refusal
from core.moments import parse_moment
from core.phones import phone_normalize
from core.validators import validate_person_name
from notifications.services import deliveries_suspended
from placements.application_actions import benefit_confirm
from queues.models import Application, Benefit, BenefitStatus, Channel, Language, QueueKind
from queues.services import MAX_AGE, application_file

COLUMNS = (
    "legacy_number",
    "filed_at",
    "child_iin",
    "child_last_name",
    "child_first_name",
    "child_middle_name",
    "birth_certificate",
    "applicant_iin",
    "applicant_last_name",
    "applicant_first_name",
    "applicant_middle_name",
    "phone",
    "phone2",
    "email",
    "address",
    "locality",
    "benefit",
    "benefit_category",
    "benefit_status",
    "sen_pmpk",
    "queues",
    "channel",
    "language",
)
REQUIRED = ("legacy_number", "filed_at", "child_iin", "locality")
# Free text kept as given, limited by the model's field lengths.
TEXT_COLUMNS = (
    "child_last_name",
    "child_first_name",
    "child_middle_name",
    "birth_certificate",
    "applicant_last_name",
    "applicant_first_name",
    "applicant_middle_name",
    "address",
)
NAME_COLUMNS = ("child_last_name", "child_first_name", "child_middle_name", "applicant_last_name", "applicant_first_name", "applicant_middle_name")
# The column a refusal of application_file / benefit_confirm is about.
REFUSAL_COLUMNS = {
    "invalid_iin": "child_iin",
    "birth_date_mismatch": "child_iin",
    "over_age": "child_iin",
    "duplicate": "child_iin",
    "unknown_locality": "locality",
    "pmpk_required": "queues",
    "invalid_applicant_iin": "applicant_iin",
    "invalid_benefit_category": "benefit_category",
    "benefit_not_pending": "benefit_status",
}
_LOCAL_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUEUE_SEPARATORS = re.compile(r"[;,|\s]+")
_EXTRA = "\x00extra"  # marks a row with values beyond the header's columns

TEXTS = {
    "not_utf8": _("The file is not UTF-8 text (line %(line)d). Save it as “CSV UTF-8” and upload it again."),
    "no_rows": _("The file holds no applications."),
    "missing_columns": _("The header lacks the required columns: %(columns)s."),
    "unknown_columns": _("The header names unknown columns: %(columns)s."),
    "repeated_columns": _("The header names these columns more than once: %(columns)s."),
    "extra_values": _("The row has more values than the header has columns."),
    "required": _("This column is required."),
    "too_long": _("At most %(limit)d characters."),
    "filed_at": _("Not a date and time: write 2024-05-02T10:00 (ISO 8601) or 02.05.2024 10:00 (Astana time)."),
    "filed_in_future": _("The filing time is later than the import."),
    "choice": _("“%(value)s” is not one of: %(choices)s."),
    "flag": _("Write 1 (yes) or 0 (no)."),
    "status_without_benefit": _("A benefit status needs a benefit."),
    "email_channel": _("The e-mail channel needs an e-mail address."),
    "repeated_number": _("The same old-portal number is on row %(row)d."),
    "imported_number": _("An application with this old-portal number is already in the portal: №%(number)s."),
    "over_age_now": _("The child is 6 years old or older on %(date)s: the application would be archived as over age at once. Leave the row out."),
    "confirmed_reason": _("Confirmed in the old portal (imported)."),
}


@dataclass(frozen=True)
class RowError:
    """Why a row (or, with `row` None, the whole file) was refused; the message is translated."""

    row: int | None
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0  # rows that passed every check (and were saved, unless refused or a dry run)
    confirmed: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    numbers: tuple[int, int] | None = None  # the first and last new number, once saved

    @property
    def saved(self) -> bool:
        return self.numbers is not None


@dataclass
class _Row:
    row: int
    legacy_number: str
    filed_at: dt.datetime
    confirm: bool
    fields: dict[str, object]

    def order(self) -> tuple:
        number = self.legacy_number
        return (self.filed_at, 0 if number.isdigit() else 1, int(number) if number.isdigit() else 0, number)


def _text(key: str, **params: object) -> str:
    text = str(TEXTS[key])
    return text % params if params else text


def applications_import(
    *,
    now: dt.datetime,
    rows: Iterable[Mapping[str, str | None]] | None = None,
    file: IO[bytes] | bytes | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import the old portal's applications: all of them, or none with every bad row reported.

    `rows` are mappings column → cell (numbered 2, 3, … as if under a header row); `file` is the CSV.
    A dry run checks everything the same way and saves nothing."""
    if (rows is None) == (file is None):
        raise TypeError("pass either rows or file")
    report = ImportReport(dry_run=dry_run)
    records = _csv_records(file, report.errors) if file is not None else _mapping_records(rows or (), report.errors)
    report.rows = len(records)
    if not records and not report.errors:
        report.errors.append(RowError(None, "", _text("no_rows")))
    parsed = [item for number, record in records if (item := _row_parse(number, record, now, report.errors)) is not None]
    parsed = _legacy_numbers_check(parsed, report.errors)
    parsed.sort(key=_Row.order)

    filed: list[Application] = []
    with deliveries_suspended(), transaction.atomic():
        for item in parsed:
            try:
                with transaction.atomic():
                    filed.append(_row_file(item, now))
                    report.confirmed += item.confirm
            except Refusal as refusal:
                report.errors.append(RowError(item.row, REFUSAL_COLUMNS.get(refusal.code, ""), refusal.message))
            except _OverAgeNow as refusal:
                report.errors.append(RowError(item.row, "child_iin", _text("over_age_now", date=f"{refusal.reference:%d.%m.%Y}")))
        report.valid = len(filed)
        if report.errors or dry_run:
            transaction.set_rollback(True)  # nothing half-imported; a dry run only checks
        else:
            report.numbers = (filed[0].number, filed[-1].number)
            audit_record(
                action="applications.import",
                now=now,
                details={"rows": report.rows, "imported": len(filed), "confirmed": report.confirmed, "numbers": list(report.numbers)},
            )
    report.errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return report


class _OverAgeNow(Exception):
    def __init__(self, reference: dt.date) -> None:
        super().__init__(reference)
        self.reference = reference


def _row_file(item: _Row, now: dt.datetime) -> Application:
    # Filed (and queued) at the old portal's moment; recorded in the audit trail at the import's. No
    # "registered" message: the old portal told the family when they applied.
    application = application_file(now=now, filed_at=item.filed_at, legacy_number=item.legacy_number, notify=False, **item.fields)
    # SPEC §3: a queued child 6 or older on R(now) is archived; importing one would archive it at once.
    reference = reference_date(now)
    if not application.sen_pmpk and age_on(application.child_birth_date, reference) >= MAX_AGE:
        raise _OverAgeNow(reference)
    if item.confirm:
        benefit_confirm(application=application, now=now, reason=_text("confirmed_reason"))
    return application


def _csv_records(file: IO[bytes] | bytes, errors: list[RowError]) -> list[tuple[int, dict[str, str | None]]]:
    data = file if isinstance(file, bytes) else file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(RowError(None, "", _text("not_utf8", line=data[: exc.start].count(b"\n") + 1)))
        return []
    header_line = text.split("\n", 1)[0]
    # Sniffed from the header: column names hold neither delimiter, while addresses may hold both.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return []
    columns = [name.strip().lower() for name in header]
    # A trailing delimiter leaves a nameless column: harmless while its cells stay empty.
    named = [(index, name) for index, name in enumerate(columns) if name]
    if not _header_check([name for _, name in named], errors):
        return []
    records = []
    # Numbered as a spreadsheet shows the rows: the header is row 1, blank lines count.
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, e.g. at the end of the file
        record: dict[str, str | None] = {name: cells[index] if index < len(cells) else "" for index, name in named}
        if any(cell.strip() for index, cell in enumerate(cells) if index >= len(columns) or not columns[index]):
            record[_EXTRA] = "1"
        records.append((number, record))
    return records


def _mapping_records(rows: Iterable[Mapping[str, str | None]], errors: list[RowError]) -> list[tuple[int, dict[str, str | None]]]:
    records = [(number, {str(k).strip().lower(): v for k, v in row.items()}) for number, row in enumerate(rows, start=2)]
    names = sorted({name for _, record in records for name in record})
    if records and not _header_check(names, errors, check_missing=False):
        return []
    return records


def _header_check(columns: list[str], errors: list[RowError], *, check_missing: bool = True) -> bool:
    before = len(errors)
    if check_missing and (missing := [c for c in REQUIRED if c not in columns]):
        errors.append(RowError(1, "", _text("missing_columns", columns=", ".join(missing))))
    if unknown := [c for c in columns if c not in COLUMNS]:
        errors.append(RowError(1, "", _text("unknown_columns", columns=", ".join(unknown))))
    if repeated := sorted({c for c in columns if columns.count(c) > 1}):
        errors.append(RowError(1, "", _text("repeated_columns", columns=", ".join(repeated))))
    return len(errors) == before


def _choice(value: str, choices: list[str], column: str, row: int, errors: list[RowError]) -> str | None:
    if value in choices:
        return value
    errors.append(RowError(row, column, _text("choice", value=value, choices=", ".join(choices))))
    return None


def _moment(value: str) -> dt.datetime | None:
    """ISO 8601 or DD.MM.YYYY HH:MM[:SS]; without an offset, Astana time. A date alone is not enough."""
    for layout in _LOCAL_FORMATS:
        try:
            return dt.datetime.strptime(value, layout).replace(tzinfo=ASTANA)
        except ValueError:
            pass
    if _DATE_ONLY.fullmatch(value):
        return None
    try:
        return parse_moment(value)
    except ValueError:
        return None


def _row_parse(row: int, record: Mapping[str, str | None], now: dt.datetime, errors: list[RowError]) -> _Row | None:
    """The row's cells as application_file's arguments; None (and errors) when a cell is malformed."""
    before = len(errors)

    def cell(column: str) -> str:
        return (record.get(column) or "").strip()

    def fail(column: str, key: str, **params: object) -> None:
        errors.append(RowError(row, column, _text(key, **params)))

    if _EXTRA in record:
        fail("", "extra_values")
    for column in REQUIRED:
        if not cell(column):
            fail(column, "required")
    for column in ("legacy_number", *TEXT_COLUMNS):
        limit = Application._meta.get_field(column).max_length
        if len(cell(column)) > limit:
            fail(column, "too_long", limit=limit)
    names: dict[str, str] = {}
    for column in NAME_COLUMNS:
        if cell(column):
            try:  # the same rule as the wizard and the clerk's form (issue 11)
                names[column] = validate_person_name(cell(column))
            except ValidationError as exc:
                errors.append(RowError(row, column, exc.messages[0]))

    filed_at = None
    if cell("filed_at"):
        filed_at = _moment(cell("filed_at"))
        if filed_at is None:
            fail("filed_at", "filed_at")
        elif filed_at > now:
            fail("filed_at", "filed_in_future")

    phones = {}
    for column in ("phone", "phone2"):
        try:
            phones[column] = phone_normalize(cell(column)) if cell(column) else ""
        except Refusal as refusal:
            errors.append(RowError(row, column, refusal.message))
    email = cell("email")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            errors.append(RowError(row, "email", exc.messages[0]))
        if len(email) > Application._meta.get_field("email").max_length:
            fail("email", "too_long", limit=Application._meta.get_field("email").max_length)

    benefit = _choice(cell("benefit").lower() or Benefit.NONE, Benefit.values, "benefit", row, errors)
    status = cell("benefit_status").lower()
    if status:
        _choice(status, [BenefitStatus.CLAIMED, BenefitStatus.CONFIRMED], "benefit_status", row, errors)
        if benefit == Benefit.NONE:
            fail("benefit_status", "status_without_benefit")
    sen_pmpk = cell("sen_pmpk") or "0"
    if sen_pmpk not in ("0", "1"):
        fail("sen_pmpk", "flag")
    queues = [kind for kind in _QUEUE_SEPARATORS.split(cell("queues").lower()) if kind] or [QueueKind.GENERAL]
    for kind in queues:
        _choice(kind, QueueKind.values, "queues", row, errors)
    channel = _choice(cell("channel").lower() or Channel.SMS, Channel.values, "channel", row, errors)
    if channel == Channel.EMAIL and not email:
        fail("channel", "email_channel")
    language = _choice(cell("language").lower() or Language.RU, Language.values, "language", row, errors)

    if len(errors) > before:
        return None
    fields: dict[str, object] = {column: cell(column) for column in TEXT_COLUMNS} | names
    fields.update(
        child_iin=cell("child_iin"),
        applicant_iin=cell("applicant_iin"),
        email=email,
        locality_code=cell("locality"),
        benefit=benefit,
        benefit_category=cell("benefit_category"),
        sen_pmpk=sen_pmpk == "1",
        queues=tuple(queues),
        channel=channel,
        language=language,
        **phones,
    )
    return _Row(row=row, legacy_number=cell("legacy_number"), filed_at=filed_at, confirm=status == BenefitStatus.CONFIRMED, fields=fields)


def _legacy_numbers_check(parsed: list[_Row], errors: list[RowError]) -> list[_Row]:
    """An old number once per file and once in the portal: importing a file twice imports nothing."""
    first_row: dict[str, int] = {}
    kept = []
    for item in sorted(parsed, key=lambda i: i.row):
        if item.legacy_number in first_row:
            errors.append(RowError(item.row, "legacy_number", _text("repeated_number", row=first_row[item.legacy_number])))
        else:
            first_row[item.legacy_number] = item.row
            kept.append(item)
    numbers = list(first_row)
    existing: dict[str, int] = {}
    for start in range(0, len(numbers), 500):
        existing.update(Application.objects.filter(legacy_number__in=numbers[start : start + 500]).values_list("legacy_number", "number"))
    for item in kept:
        if item.legacy_number in existing:
            errors.append(RowError(item.row, "legacy_number", _text("imported_number", number=existing[item.legacy_number])))
    return [item for item in kept if item.legacy_number not in existing]


def import_summary(report: ImportReport) -> str:
    """One line for the command's output and the admin's message, in the active language."""
    if report.saved:
        first, last = report.numbers or (0, 0)
        return ngettext(
            "Imported %(count)d application (numbers %(first)d–%(last)d), %(confirmed)d with a confirmed benefit.",
            "Imported %(count)d applications (numbers %(first)d–%(last)d), %(confirmed)d with a confirmed benefit.",
            report.valid,
        ) % {"count": report.valid, "first": first, "last": last, "confirmed": report.confirmed}
    if report.errors:
        return ngettext(
            "Nothing was imported: %(count)d problem found. Correct the file and import it again.",
            "Nothing was imported: %(count)d problems found. Correct the file and import it again.",
            len(report.errors),
        ) % {"count": len(report.errors)}
    return ngettext(
        "Checked: the %(count)d row can be imported. Nothing was saved (a check only).",
        "Checked: all %(count)d rows can be imported. Nothing was saved (a check only).",
        report.rows,
    ) % {"count": report.rows}
