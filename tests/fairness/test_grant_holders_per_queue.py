"""SPEC §6 in the fairness audit: "already holds an open grant" is asked of the queue being
checked. A family holding a grant in the special queue is passed over there at the next bulletin,
whatever kinds of queue the other families are in."""

from __future__ import annotations

import datetime as dt

from core.calendar import ASTANA
from fairness.replay import AuditResult, _Application, _check_grants
from queues.selectors import CLASS_G

T0 = dt.datetime(2024, 6, 1, 18, 0, tzinfo=ASTANA)
FILED = dt.datetime(2024, 1, 10, 10, 0, tzinfo=ASTANA)


def _app(pk: int, kinds: tuple[str, ...]) -> _Application:
    return _Application(
        id=pk, number=pk, locality_id=1, birth_year=2021, kinds=kinds, benefit=CLASS_G, filed_at=FILED + dt.timedelta(hours=pk), terminal_at=None
    )


def test_a_holder_of_a_special_grant_is_passed_over_in_the_special_queue():
    special = ("special", 1, 2021)
    first, second = _app(1, ("general", "special")), _app(2, ("special", "general"))
    # The last family in filing order lists "general" last: its kind must not leak into the special check.
    third = _app(3, ("special", "general"))
    apps = {a.id: a for a in (first, second, third)}
    later = T0 + dt.timedelta(days=1)
    # Bulletin 1 granted `first` in the special queue, open until after bulletin 2.
    grants_by_app = {1: [("special", 10, later + dt.timedelta(days=3), None, T0)]}
    result = AuditResult(period_from=T0.date(), period_to=later.date())

    _check_grants(
        result,
        bulletins=[(20, later)],
        per_bulletin={20: {special: 1}},
        recorded={20: {special: {2}}},
        apps=apps,
        grants_by_app=grants_by_app,
    )

    assert result.findings == []
