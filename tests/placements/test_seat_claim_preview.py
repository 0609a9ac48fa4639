"""The read-only preview tells a family the claim's refusal before an SMS code is spent (SPEC §7)."""

import pytest

from placements.claims import seat_claim_preview
from placements.models import Direction, Seat
from tests.factories import OPEN_AT, PRIORITY_UNTIL, ApplicationFactory, GroupFactory, LocalityFactory, seats_publish

pytestmark = pytest.mark.django_db


def test_the_preview_gives_the_claims_refusal_and_changes_nothing():
    locality = LocalityFactory()
    holder = ApplicationFactory(locality=locality)
    other = ApplicationFactory(locality=locality)
    group = GroupFactory(kindergarten__locality=locality)
    seats_publish(group=group, count=1)
    assert seat_claim_preview(application=holder, group=group, now=OPEN_AT) is None
    assert seat_claim_preview(application=other, group=group, now=OPEN_AT) == "no_access"
    assert seat_claim_preview(application=other, group=group, now=PRIORITY_UNTIL) is None
    foreign = GroupFactory(kindergarten__locality=LocalityFactory())
    assert seat_claim_preview(application=other, group=foreign, now=OPEN_AT) == "not_eligible"
    assert not Direction.objects.exists()
    assert Seat.objects.get().state == "priority"
