"""Exactly one beat should run; a second one started by mistake sends every scheduled job twice.
Every job is idempotent, so the second round changes nothing (issue 10): run the whole schedule
twice over a portal with work waiting and compare."""

from __future__ import annotations

import importlib

import pytest
from django.core import mail
from django.db import connection

from indigo.celery import app
from placements.models import Direction, Seat
from queues.models import Application
from tests.factories import ApplicationFactory, GroupFactory, LocalityFactory, direction_issue, seats_release

# Appended to on every run by design: the audit trail (one record a run for some jobs), sessions.
GROWING = {"audit_auditrecord", "audit_auditlink", "django_session"}


def _state() -> dict:
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(set(connection.introspection.table_names()) - GROWING):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return {
        "counts": counts,
        "seats": sorted(Seat.objects.values_list("id", "state")),
        "applications": sorted(Application.objects.values_list("id", "status", "strikes")),
        "directions": sorted(Direction.objects.values_list("id", "status")),
        "mail": len(mail.outbox),
    }


def _task(name: str):
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), function)


@pytest.mark.django_db
def test_a_second_beat_changes_nothing(settings):
    """Each job of the schedule twice in a row, as two beats would send it: the second run of every
    job leaves the portal as the first left it."""
    settings.ADMINS = [("Staff", "staff@example.kz")]
    locality = LocalityFactory()
    applications = [ApplicationFactory(locality=locality) for _ in range(4)]
    direction_issue(application=applications[0])  # its valid_until has passed: expiry has work
    seats_release(group=GroupFactory(kindergarten__locality=locality), count=2)  # the bulletin has work

    for name, entry in app.conf.beat_schedule.items():
        task = _task(entry["task"])
        task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {})).get()
        first = _state()
        task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {})).get()
        assert _state() == first, f"the second run of {name} changed something"
    assert Direction.objects.get(application=applications[0]).status == Direction.Status.EXPIRED
    assert Seat.objects.filter(state=Seat.State.PRIORITY).count() == 2  # published once
