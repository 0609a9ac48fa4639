"""Public pages read from the replica; the claim, the cabinet and every write use the primary
(issue 10). The replica here is Django's test mirror of the default database: the same data, its
own connection, so which connection ran a query is what is tested."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from core.routers import ReplicaRouter, replica_reads
from queues.models import Application, Locality

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True


def test_the_public_queue_pages_read_from_the_replica(client, replica_on):
    Locality.objects.create(code="temirtau", name="Темиртау")
    with CaptureQueriesContext(connections["replica"]) as replica, CaptureQueriesContext(connections["default"]) as primary:
        response = client.get("/open/queues/")
    assert response.status_code == 200
    assert any("queues_locality" in query["sql"] for query in replica.captured_queries)
    assert not any("queues_locality" in query["sql"] for query in primary.captured_queries)


def test_writes_and_the_cabinet_use_the_primary(client, replica_on):
    with CaptureQueriesContext(connections["replica"]) as replica:
        Locality.objects.create(code="temirtau", name="Темиртау")
        client.get("/cabinet/login/")
        with replica_reads():
            Locality.objects.create(code="aktau", name="Актау")  # a write inside a public read: primary
    assert replica.captured_queries == []
    assert ReplicaRouter().db_for_write(Application) is None
    assert ReplicaRouter().allow_migrate("replica", "queues") is False


def test_without_a_replica_everything_reads_the_primary(client, settings):
    settings.DATABASE_REPLICA_READS = False
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get("/open/queues/").status_code == 200
    assert replica.captured_queries == []
