"""A public list as the page shows it and as the downloads stream it: the same rows, the same order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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


@dataclass(frozen=True)
class OrderedIdsListing:
    """A list whose order is computed in Python (the queue, SPEC §4): the ids in order, read once,
    then the rows of one slice at a time. `to_rows(ids, offset)` gets the 0-based index of the first."""

    ids: Sequence[int]
    to_rows: Callable[[Sequence[int], int], list[Row]]
    columns: tuple[str, ...]
    per_page: int = PER_PAGE

    def page(self, number: Any) -> tuple[Page, list[Row]]:
        page = Paginator(self.ids, self.per_page).get_page(number)
        ids = list(page.object_list)
        return page, self.to_rows(ids, page.start_index() - 1) if ids else []

    def rows(self) -> Iterator[Row]:
        for start in range(0, len(self.ids), CHUNK):
            yield from self.to_rows(self.ids[start : start + CHUNK], start)


Listing = QuerysetListing | OrderedIdsListing
