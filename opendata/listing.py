"""A public list as the page shows it and as the downloads stream it: the same rows, the same order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

Row = dict[str, Any]

PER_PAGE = 50
CHUNK = 2000  # rows per database round trip while a download streams


@dataclass(frozen=True)
class QuerysetListing:
    """A list whose order the database keeps: the page is a LIMIT/OFFSET, the download one cursor."""

    queryset: QuerySet
    to_row: Callable[[Any], Row]
    columns: tuple[str, ...]
    per_page: int = PER_PAGE

    def page(self, number: Any) -> tuple[Page, list[Row]]:
        page = Paginator(self.queryset, self.per_page).get_page(number)
        return page, [self.to_row(item) for item in page.object_list]

    def rows(self) -> Iterator[Row]:
        for item in self.queryset.iterator(chunk_size=CHUNK):
            yield self.to_row(item)


class _Positions:
    """The sequence a Paginator pages through: its length is known, a slice reads only its rows."""

    def __init__(self, total: int, to_rows: Callable[[int, int], list[Row]]):
        self.total, self.to_rows = total, to_rows

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list[Row]:
        start, stop = window.start or 0, min(window.stop if window.stop is not None else self.total, self.total)
        return self.to_rows(start, stop - start) if stop > start else []


@dataclass(frozen=True)
class PositionedListing:
    """A list that knows how many rows it has and reads any range of them on its own (a queue:
    SPEC §4's closed form says which rows stand at which positions). `to_rows(offset, limit)` gets
    0-based offsets; a page and a chunk of a download cost the same wherever they are."""

    total: int
    to_rows: Callable[[int, int], list[Row]]
    columns: tuple[str, ...]
    per_page: int = PER_PAGE

    def page(self, number: Any) -> tuple[Page, list[Row]]:
        page = Paginator(_Positions(self.total, self.to_rows), self.per_page).get_page(number)
        return page, list(page.object_list)

    def rows(self) -> Iterator[Row]:
        for start in range(0, self.total, CHUNK):
            yield from self.to_rows(start, CHUNK)


Listing = QuerysetListing | PositionedListing
