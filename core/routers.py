"""Public reads from a streaming replica (issue 10): the open-data pages may read from the
`replica` database (DATABASE_REPLICA_URL); everything else — the claim, codes, the cabinet, the
admin, every write — uses the primary. A replica lags by a moment: an application filed a second
ago may be missing from a public list for that moment, never from the family's own cabinet."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# URL namespaces whose GET pages are public and read-only.
REPLICA_NAMESPACES = frozenset({"opendata"})

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("indigo_replica_reads", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside go to the replica, when one is configured and enabled."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """Reads to the replica only inside `replica_reads()`; writes, migrations and the rest: default."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and settings.DATABASE_REPLICA_READS and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a replica follows the primary; nobody migrates it


class ReplicaReadsMiddleware:
    """GET and HEAD of the public open-data pages read from the replica (a streamed download, read
    after the response leaves this middleware, reads from the primary)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _replica_reads.set(False)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        match = request.resolver_match
        if request.method in ("GET", "HEAD") and match is not None and match.namespace in REPLICA_NAMESPACES:
            _replica_reads.set(True)
