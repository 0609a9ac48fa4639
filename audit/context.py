"""Who is acting: set once by the outermost caller (middleware, task, command), read by audit_record."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Actor:
    kind: str  # parent | operator | kiosk | staff | system
    label: str  # username, masked cabinet IIN, kiosk code, job name
    ip: str | None = None
    device: str = ""


SYSTEM = Actor(kind="system", label="scheduler")
_current: ContextVar[Actor] = ContextVar("indigo_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def actor_with(**changes) -> Actor:
    return replace(current_actor(), **changes)
