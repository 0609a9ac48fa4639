"""Journey (issue 9, SPEC §7, §9): the rush for the last seat. Two families, two phones, one seat left
in group A and two in group B. Both choose A, both ask for a code, both type it and press at the
same moment: one gets the direction; the other is told in words that the seat went, and takes
group B with the SAME code — no new SMS. The seats page counts down to the opening and shows the
seats left (its own fragment, polled)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from playwright.sync_api import expect

from core.iin import iin_build
from notifications.models import Event, Message
from placements.bulletin import bulletin_publish
from placements.models import Direction, Group
from placements.seats import seat_release
from tests.browser.conftest import BIRTH_DATE, BULLETIN_AT, RELEASE_AT, file_application, last_code
from tests.browser.flows import Family, form_of, log_in
from tests.factories import astana

pytestmark = pytest.mark.browser

FIRST = Family(phone="77051112233", phone2="77054445566", applicant_iin=iin_build(dt.date(1990, 5, 17), female=True, serial=1234), child_iin="")
SECOND = Family(phone="77022223344", phone2="77025556677", applicant_iin=iin_build(dt.date(1987, 11, 30), serial=321), child_iin="")
BEFORE_OPEN = astana(2024, 6, 4, 6, 30)  # Tuesday 06:30: the seats open at 07:00
RUSH = astana(2024, 6, 4, 7, 0, 30)
NO_SEAT = "There is no free seat in this group for your child's birth year."


def test_two_families_race_for_the_last_seat_and_the_loser_takes_another_group_with_the_same_code(world, clock, phone_page, shots):
    if connection.vendor != "postgresql":
        # Both presses at the same moment: a real race needs a connection per request. The SQLite live
        # server shares one in-memory connection between its threads ("statements in progress").
        pytest.skip("a real race: PostgreSQL only")
    shot = shots("rush-same-code")
    group_b = Group.objects.create(code="arman-2b", kindergarten=world.kindergarten, name="Құлыншақ", age_from=2, age_to=3, language="ru", capacity=20)
    applications = {
        FIRST.phone: file_application(serial=61, applicant_iin=FIRST.applicant_iin, phone=FIRST.phone, phone2=FIRST.phone2, first_name="Алихан"),
        SECOND.phone: file_application(serial=62, applicant_iin=SECOND.applicant_iin, phone=SECOND.phone, phone2=SECOND.phone2, first_name="Виктория"),
    }
    seat_release(group=world.group, birth_year=BIRTH_DATE.year, count=1, now=RELEASE_AT, by=world.operator)
    seat_release(group=group_b, birth_year=BIRTH_DATE.year, count=2, now=RELEASE_AT, by=world.operator)
    bulletin_publish(now=BULLETIN_AT)  # 3 seats: both families hold priority access from 07:00

    clock.set(BEFORE_OPEN)
    pages = {}
    for family in (FIRST, SECOND):
        page = phone_page()
        page.goto("/cabinet/login/")
        log_in(page, clock, family)
        number = applications[family.phone].number
        page.goto(f"/cabinet/applications/{number}/seats/")
        pages[family.phone] = page
    first = pages[FIRST.phone]
    # Before 07:00: the opening time, the time left, and the way to refresh without JavaScript.
    expect(first.locator("main")).to_contain_text("Seats your child may take open at 04.06.2024 07:00.")
    expect(first.locator(".seats-countdown")).to_contain_text(re.compile(r"0:2\d:\d\d"))
    expect(first.get_by_role("link", name="Refresh")).to_be_visible()
    shot(first, "seats-before-opening")

    # 07:00:30: the page refreshes itself (the polled fragment) and shows the seats per group.
    clock.set(RUSH)
    expect(first.locator("#seats-arman-2")).to_contain_text("1", timeout=15_000)
    expect(first.locator("#seats-arman-2b")).to_contain_text("2")
    shot(first, "seats-at-opening")

    clock.advance(minutes=2)  # a minute past the login codes: a new code may be sent to each phone
    for family in (FIRST, SECOND):
        page = pages[family.phone]
        number = applications[family.phone].number
        page.goto(f"/cabinet/applications/{number}/seats/")
        page.locator("#seats-arman-2").get_by_role("link", name="Choose this group").click()
        page.wait_for_url(f"**/cabinet/applications/{number}/seats/arman-2/")
        page.locator(f"form[action='/cabinet/applications/{number}/seats/arman-2/code/'] [type='submit']").click()
        expect(page.locator("input[name='code']")).to_be_visible()
        page.locator("input[name='code']").fill(last_code(family.phone))
    codes_sent = Message.objects.filter(event=Event.CODE).count()

    # Both press "Get the direction" at the same moment.
    for family in (FIRST, SECOND):
        form_of(pages[family.phone].locator("input[name='code']")).locator("[type='submit']").click(no_wait_after=True)
    winner_application = None
    for _ in range(100):
        direction = Direction.objects.filter(seat__group=world.group).first()
        if direction is not None:
            winner_application = direction.application_id
            break
        pages[FIRST.phone].wait_for_timeout(100)
    assert winner_application is not None
    winner = next(f for f in (FIRST, SECOND) if applications[f.phone].pk == winner_application)
    loser = SECOND if winner is FIRST else FIRST
    winner_page, loser_page = pages[winner.phone], pages[loser.phone]
    loser_number = applications[loser.phone].number

    winner_page.wait_for_url(re.compile(r"/directions/"))
    expect(winner_page.get_by_text(re.compile(r"Direction No\. \d+ is issued\."))).to_be_visible()
    # The loser is told in words, and offered group B for the same code.
    main = loser_page.locator("main")
    expect(main).to_contain_text(NO_SEAT)
    expect(main).to_contain_text("Your code is still valid. Choose another group with free seats and type the same code there:")
    shot(loser_page, "loser-refused-with-other-groups")
    loser_page.locator("#claim-others").get_by_role("link", name=re.compile("Құлыншақ")).click()
    loser_page.wait_for_url(f"**/cabinet/applications/{loser_number}/seats/arman-2b/")
    code = loser_page.locator("input[name='code']")
    expect(code).to_be_visible()  # no new code needed: the form is there
    code.fill(last_code(loser.phone))  # the same code: the latest SMS to this phone
    shot(loser_page, "loser-same-code-on-group-b")
    with loser_page.expect_navigation():
        form_of(code).locator("[type='submit']").click()
    expect(loser_page.get_by_text(re.compile(r"Direction No\. \d+ is issued\."))).to_be_visible()
    shot(loser_page, "loser-direction-group-b")

    assert Direction.objects.get(application=applications[loser.phone]).seat.group == group_b
    assert Direction.objects.get(application=applications[winner.phone]).seat.group == world.group
    assert Message.objects.filter(event=Event.CODE).count() == codes_sent  # no new code was sent
