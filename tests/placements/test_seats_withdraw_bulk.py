"""Issue 11: several free seats of a group withdrawn in one call, all or nothing, with a reason,
by whom; one audit record lists them (SPEC §5: never a claimed seat)."""

import pytest
from django.contrib.auth.models import User

from audit.models import AuditRecord
from core.errors import Refusal
from placements.models import Seat
from placements.seats import seats_withdraw
from tests.factories import ApplicationFactory, GroupFactory, astana, direction_issue, seats_publish, seats_release

pytestmark = pytest.mark.django_db
NOW = astana(2024, 6, 4, 12)


def test_several_free_seats_are_withdrawn_at_once_by_the_operator_with_a_reason():
    group = GroupFactory()
    operator = User.objects.create_user("operator-arman")
    published = seats_publish(group=group, count=2)
    released = seats_release(group=group, count=2)
    chosen = [released[0].pk, published[0].pk, published[1].pk]
    assert seats_withdraw(group=group, seat_ids=chosen, reason="ремонт группы", now=NOW, by=operator) == 3
    rows = list(Seat.objects.filter(pk__in=chosen).values_list("state", "withdrawn_at", "withdrawn_by", "withdrawal_reason"))
    assert rows == [("withdrawn", NOW, operator.pk, "ремонт группы")] * 3
    assert Seat.objects.get(pk=released[1].pk).state == "released"
    [record] = AuditRecord.objects.filter(action="seat.withdraw_bulk")
    assert record.details == {"seats": sorted(chosen), "count": 3, "reason": "ремонт группы"}


def test_a_claimed_seat_among_them_refuses_the_whole_withdrawal():
    application = ApplicationFactory()
    direction = direction_issue(application=application)
    group = direction.seat.group
    free = seats_release(group=group, count=2)
    before = list(Seat.objects.order_by("id").values_list("id", "state", "withdrawn_at"))
    with pytest.raises(Refusal) as refused:
        seats_withdraw(group=group, seat_ids=[free[0].pk, direction.seat_id, free[1].pk], reason="ремонт", now=NOW)
    assert refused.value.code == "seats_not_withdrawable"
    assert f"#{direction.seat_id}" in refused.value.message and f"#{free[0].pk}" not in refused.value.message
    assert list(Seat.objects.order_by("id").values_list("id", "state", "withdrawn_at")) == before
    assert not AuditRecord.objects.filter(action="seat.withdraw_bulk").exists()


def test_a_seat_of_another_group_or_an_unknown_one_is_refused():
    group, other = GroupFactory(), GroupFactory()
    mine, theirs = seats_release(group=group)[0], seats_release(group=other)[0]
    for ids in ([mine.pk, theirs.pk], [mine.pk, 10**9]):
        with pytest.raises(Refusal) as refused:
            seats_withdraw(group=group, seat_ids=ids, reason="ремонт", now=NOW)
        assert refused.value.code == "seats_not_withdrawable"
    assert set(Seat.objects.values_list("state", flat=True)) == {"released"}


@pytest.mark.parametrize(("ids", "reason", "code"), [([], "ремонт", "no_seats_chosen"), (None, "  ", "withdrawal_reason_required")])
def test_seats_and_a_reason_are_required(ids, reason, code):
    group = GroupFactory()
    seat = seats_release(group=group)[0]
    with pytest.raises(Refusal) as refused:
        seats_withdraw(group=group, seat_ids=[seat.pk] if ids is None else ids, reason=reason, now=NOW)
    assert refused.value.code == code
