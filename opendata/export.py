"""CSV and JSON downloads of a public list, streamed row by row (SPEC §8).

Times are ISO 8601 with the Astana offset, to the second; the rows are the page's rows, so the
masking of the page holds in the files too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise

from core.calendar import local
from opendata.listing import Listing, Row

FORMATS = ("csv", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_LIKE = re.compile(r"[+\-][\d\s().+\-]*")  # "+7 7213 44-55-66" is data, not a formula
_BATCH = 500  # rows per chunk written to the socket


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


def _csv_value(value: Any) -> Any:
    value = _value(value)
    if value is None:
        return ""
    # A spreadsheet must not run a cell that starts like a formula (OWASP "CSV injection").
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE_LIKE.fullmatch(value):
        return "'" + value
    return value


class _Line:
    """csv.writer writes into this and gets the line back."""

    def write(self, value: str) -> str:
        return value


def _batched(lines: Iterable[str]) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= _BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _csv_lines(rows: Iterable[Row], columns: tuple[str, ...], language: str) -> Iterator[str]:
    writer = csv.writer(_Line())
    with translation.override(language):
        yield "\ufeff"  # the BOM lets spreadsheet programs read Cyrillic as UTF-8
        yield writer.writerow(columns)
        for row in rows:
            yield writer.writerow([_csv_value(row[c]) for c in columns])


def _json_lines(rows: Iterable[Row], columns: tuple[str, ...], language: str) -> Iterator[str]:
    with translation.override(language):
        yield "["
        separator = "\n"
        for row in rows:
            yield separator + json.dumps({c: _value(row[c]) for c in columns}, ensure_ascii=False)
            separator = ",\n"
        yield "\n]\n"


def download(listing: Listing, fmt: str, name: str) -> StreamingHttpResponse:
    """The whole filtered list as a CSV or JSON attachment, streamed (big lists never sit in memory)."""
    language = translation.get_language() or "ru"
    stamp = local(timezone.now()).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(_batched(_csv_lines(listing.rows(), listing.columns, language)), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_batched(_json_lines(listing.rows(), listing.columns, language)), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
