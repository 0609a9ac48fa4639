"""Journey 3 (SPEC §6, §7): one seat, two families. The first of the queue holds priority access;
the second, without it, is told in words during the three working days that the seat is not
theirs yet — on the list of free seats and when trying the group with an SMS code — and takes it
once the clock passes priority_until."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.iin import iin_build
from notifications.models import OutboxSms
from placements.bulletin import bulletin_publish
from placements.models import Direction, Grant
from placements.seats import seat_release
from tests.browser.conftest import APPLY_AT, BIRTH_DATE, BULLETIN_AT, PRIORITY_UNTIL, RELEASE_AT, file_application
from tests.browser.flows import Family, claim, log_in
from tests.factories import astana

pytestmark = pytest.mark.browser

SECOND = Family(
    phone="77022223344", phone2="77025556677", applicant_iin=iin_build(dt.date(1987, 11, 30), serial=321), child_iin=iin_build(BIRTH_DATE, serial=52)
)
DURING = astana(2024, 6, 5, 12)  # Wednesday: the seat is in priority access
AFTER = PRIORITY_UNTIL + dt.timedelta(minutes=1)  # Friday 07:01: the seat is general


def test_a_family_without_priority_access_is_told_why_and_takes_the_seat_after_the_window(world, clock, phone_page, shots):
    shot = shots("03-priority-window")
    first = file_application(serial=51, filed_at=APPLY_AT - dt.timedelta(days=3), last_name="Жумабаев", first_name="Ерлан")
    second = file_application(serial=52, applicant_iin=SECOND.applicant_iin, phone=SECOND.phone, phone2=SECOND.phone2, last_name="Ким", first_name="Виктория")
    seat_release(group=world.group, birth_year=2022, count=1, now=RELEASE_AT, by=world.operator)
    bulletin_publish(now=BULLETIN_AT)
    assert list(Grant.objects.values_list("application", flat=True)) == [first.pk]

    clock.set(DURING)
    page = phone_page()
    page.goto("/")
    page.locator("header").get_by_role("link", name="Log in").click()
    page.wait_for_url("**/cabinet/login/")
    log_in(page, clock, SECOND)
    card = page.locator(f"#application-{second.number}")
    expect(card).to_contain_text("Queue “general”: place 2 of 2")
    expect(card.locator(f"#grants-{second.number}")).to_be_empty()  # no priority access for this family
    shot(page, "cabinet-no-grant")

    card.get_by_role("link", name="Get a direction").click()
    page.wait_for_url(f"**/cabinet/applications/{second.number}/seats/")
    main = page.locator("main")
    expect(main).to_contain_text("There is no free seat your child may take now.")
    expect(main).to_contain_text("Published seats you cannot take now")
    waiting = page.locator("main li", has_text="Ясли-сад №9 «Арман», Балапан (Kazakh): 1")
    expect(waiting).to_contain_text("priority access of other applications until 07.06.2024 07:00; from then on any application of the queue may take them.")
    expect(page.get_by_role("link", name="Choose this group")).to_have_count(0)
    shot(page, "seats-during-window")

    # The group's own page (its address is the one the list links to once the seat is free): asking
    # for a code gets the refusal in words at once, and no SMS code is spent on it.
    page.goto(f"/cabinet/applications/{second.number}/seats/arman-2/")
    expect(main).to_contain_text("At this moment no seat of this group is free for your child")
    sms_before = OutboxSms.objects.count()
    clock.advance(minutes=2)
    page.locator(f"form[action='/cabinet/applications/{second.number}/seats/arman-2/code/'] [type='submit']").click()
    expect(main).to_contain_text("The free seats of this group are in priority access now, and your application holds no priority access to them.")
    expect(page.locator("input[name='code']")).to_have_count(0)
    shot(page, "claim-refused-no-access")
    assert OutboxSms.objects.count() == sms_before
    assert not Direction.objects.exists()

    # Friday 07:01: the window is over; anyone in the queue may take the seat, first come, first served.
    clock.set(AFTER)
    page.goto(f"/cabinet/applications/{second.number}/seats/")
    expect(main).not_to_contain_text("Published seats you cannot take now")
    shot(page, "seats-after-window")
    page.get_by_role("link", name="Choose this group").click()
    page.wait_for_url(f"**/cabinet/applications/{second.number}/seats/arman-2/")
    expect(main).to_contain_text("Free seats for your child in this group now: 1.")
    claim(page, clock, SECOND, second.number, "arman-2")
    direction = Direction.objects.get()
    assert direction.application_id == second.pk
    # Issued Friday 07:0x, valid 5 working days: Mon, Tue, Wed, Thu, Fri → Friday 14.06.
    expect(page.get_by_text(f"Direction No. {direction.number} is issued.")).to_be_visible()
    expect(page.locator(f"#direction-{direction.number}")).to_contain_text("14.06.2024 07:0")
    shot(page, "direction-after-window")
