"""Sorting names the way a reader expects them (issue 11, item 8).

Kazakh alphabetical order (А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І
Ь Э Ю Я; the Russian alphabet is the same order without the Kazakh letters, so one key serves both
languages) and numbers in their natural order: «№2» before «№11».

- `name_key(text)`: a sort key in Python, for the small lists (the localities, the kindergartens of a
  locality, the groups of a kindergarten). Never for a country-scale list: those are sorted by the
  database.
- `name_order(expression)`: an ORDER BY expression for querysets. PostgreSQL sorts with the ICU
  collation `indigo_kk_natural` (kk-KZ, numbers by value; created by core's migration 0004); other
  databases (SQLite in tests) sort by the raw text.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Expression, F
from django.db.models.functions import Collate

KAZAKH_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
COLLATION = "indigo_kk_natural"

# Every Cyrillic letter to a private-use code point in alphabet order (after digits and Latin letters).
_LETTERS = {ord(letter): chr(0xE000 + index) for index, letter in enumerate(KAZAKH_ALPHABET)}
_NUMBER = re.compile(r"\d+")
_IGNORED = re.compile(r"[«»\"'“”„()]")


def _padded(match: re.Match[str]) -> str:
    digits = match.group(0).lstrip("0") or "0"
    return f"{len(digits):02d}{digits}"  # a longer number sorts after a shorter one: 2 < 11


def name_key(text: str | None) -> str:
    """The sort key of a name: case-insensitive, Kazakh alphabet, numbers by value, quotes ignored."""
    text = _IGNORED.sub("", (text or "").casefold())
    return _NUMBER.sub(_padded, text).translate(_LETTERS)


def name_order(expression: str | Expression) -> Expression:
    """ORDER BY a name in Kazakh alphabetical and natural number order where the database can."""
    field = F(expression) if isinstance(expression, str) else expression
    if connection.vendor == "postgresql":
        return Collate(field, COLLATION)
    return field
