"""A real PostgreSQL streaming replica behind the router (issue 10, core/routers.py): a throw-away
primary and a standby streaming from it (tests/core/replica_probe.py builds them in a temporary
folder; the machine's own server and its configuration are not touched). A Django process with
DATABASE_URL=primary and DATABASE_REPLICA_URL=standby then sees, with the standby's replay paused,
a new kindergarten in the operator's cabinet and the admin but not on the public pages; after the
replay resumes, on the public pages too."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.core.replica_probe import cluster, run_django_part, unavailable_reason

pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL streaming replica: PostgreSQL only"),
    pytest.mark.skipif(unavailable_reason() is not None, reason=unavailable_reason() or ""),
]

PROOFS = [
    "the standby is in recovery and the primary streams to it",
    "migrations ran on the primary only, and reached the standby by streaming",
    "the public open-data pages read the standby: the second kindergarten is not listed, its passport is 404",
    "the operator's cabinet reads the primary: it shows the second kindergarten",
    "the admin reads the primary: it lists the second kindergarten",
    "replay resumed: the public pages list the second kindergarten and show its passport",
]


def test_public_pages_read_the_standby_and_the_cabinet_and_admin_the_primary():
    with cluster() as running:
        result = run_django_part(running)
        folder = running.folder
    assert result.returncode == 0, result.stdout + result.stderr
    for proof in PROOFS:
        assert proof in result.stdout
    assert not folder.exists()  # both servers stopped, their folder removed
