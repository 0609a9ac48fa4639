"""Journey 2 (SPEC §5–§8, §10): the kindergarten's operator releases a seat in the operator cabinet;
the 18:00 bulletin publishes it and gives the first family of the queue priority access; the
parent sees the grant with its deadline, takes the seat with an SMS code and gets a direction with
its number and deadline; the operator enrolls the child on it with the contract; the public
directions protocol shows the direction enrolled and the release protocol the publication."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from core.calendar import local
from core.iin import iin_build
from placements import tasks
from placements.models import Direction, Seat
from tests.browser.conftest import BIRTH_DATE, BULLETIN_AT, CLAIM_AT, OPERATOR_PASSWORD, PARENT_IIN, RELEASE_AT, file_application
from tests.browser.flows import Family, claim, log_in
from tests.factories import astana

pytestmark = pytest.mark.browser

FAMILY = Family(phone="77011234567", phone2="77017654321", applicant_iin=PARENT_IIN, child_iin=iin_build(BIRTH_DATE, serial=77))
ENROLL_AT = astana(2024, 6, 5, 11)  # Wednesday: the family brought the documents


def test_a_released_seat_becomes_a_grant_a_direction_and_an_enrollment(world, clock, phone_page, desktop_page, shots):
    shot = shots("02-release-to-enrollment")
    application = file_application(serial=77, applicant_iin=PARENT_IIN, phone=FAMILY.phone, phone2=FAMILY.phone2)

    # The operator releases a seat (Monday 10:00).
    clock.set(RELEASE_AT)
    operator = desktop_page()
    operator.goto("/operator/login/")
    shot(operator, "operator-login")
    operator.get_by_label("Username").fill("operator-arman")
    operator.get_by_label("Password").fill(OPERATOR_PASSWORD)
    operator.get_by_role("button", name="Log in").click()
    operator.wait_for_url("**/operator/")
    expect(operator.get_by_role("heading", name="Ясли-сад №9 «Арман»")).to_be_visible()
    shot(operator, "operator-dashboard")
    operator.locator("main").get_by_role("link", name="Release seats").first.click()
    operator.wait_for_url("**/operator/kindergartens/arman/release/")
    operator.get_by_label("Birth year").select_option("2022")
    operator.get_by_label("Number of seats").fill("1")
    shot(operator, "operator-release")
    operator.get_by_role("button", name="Release", exact=True).click()
    expect(operator.get_by_text("It will be published today, 03.06.2024, at 18:00.")).to_be_visible()  # issue 11
    operator.get_by_role("button", name="Yes, release", exact=True).click()
    expect(operator.get_by_text("1 seat of group Балапан for children born in 2022 is released.")).to_be_visible()
    shot(operator, "operator-seats-released")
    assert list(Seat.objects.values_list("state", "birth_year")) == [("released", 2022)]

    # The 18:00 job runs: the seat is published, the only family of the queue gets priority access.
    clock.set(BULLETIN_AT)
    assert tasks.bulletin_publish() == 1

    # Tuesday 09:00: the parent logs in, sees the grant and takes the seat.
    clock.set(CLAIM_AT)
    parent = phone_page()
    parent.goto("/")
    parent.locator("header").get_by_role("link", name="Log in").click()
    parent.wait_for_url("**/cabinet/login/")
    log_in(parent, clock, FAMILY)
    grants = parent.locator(f"#grants-{application.number}")
    # Issue 11: the grant box leads the card — its window, where, and what to do.
    expect(grants).to_contain_text("From 07:00 04.06.2024 to 07:00 07.06.2024")
    expect(grants).to_contain_text("Ясли-сад №9 «Арман» (Балапан)")
    expect(grants).to_contain_text("What to do: press “Get a direction”")
    expect(grants).to_contain_text("Left: 2 d 21 h 58 min")  # from Tuesday 09:02 (after the login code) to Friday 07:00
    shot(parent, "parent-cabinet-grant")
    grants.get_by_role("link", name="Get a direction").click()

    parent.wait_for_url(f"**/cabinet/applications/{application.number}/seats/")
    expect(parent.get_by_text("You hold priority access now")).to_be_visible()
    expect(parent.locator("main")).to_contain_text("Ясли-сад №9 «Арман»")
    expect(parent.locator("main")).to_contain_text("(priority: 1, until 07.06.2024 07:00)")
    shot(parent, "parent-seats")
    parent.get_by_role("link", name="Choose this group").click()

    parent.wait_for_url(f"**/cabinet/applications/{application.number}/seats/arman-2/")
    shot(parent, "parent-claim")
    claim(parent, clock, FAMILY, application.number, "arman-2", shots=shot)
    direction = Direction.objects.get(application=application)
    # SPEC §7: issued at the claim, valid 5 working days: Wed, Thu, Fri, Mon, Tue → Tuesday 11.06 at the same time.
    assert local(direction.valid_until) == local(direction.issued_at) + dt.timedelta(days=7)
    deadline = local(direction.valid_until).strftime("%d.%m.%Y %H:%M")
    assert deadline.startswith("11.06.2024 09:")
    expect(parent.get_by_text(f"Direction No. {direction.number} is issued. Take the documents to the kindergarten before {deadline}.")).to_be_visible()
    card = parent.locator(f"#direction-{direction.number}")
    expect(card).to_contain_text("issued")
    expect(card).to_contain_text(deadline)
    shot(parent, "parent-direction")

    # Wednesday: the operator enrolls the child with the contract.
    clock.set(ENROLL_AT)
    operator.locator(".op-nav").get_by_role("link", name="Directions").click()
    operator.wait_for_url("**/operator/kindergartens/arman/directions/")
    shot(operator, "operator-directions")
    operator.get_by_role("link", name=f"№{direction.number}", exact=True).click()
    operator.wait_for_url(f"**/operator/directions/{direction.number}/")
    operator.get_by_label("Contract number").fill("Д-2024/117")
    operator.get_by_label("Contract date").fill("2024-06-05")
    shot(operator, "operator-direction")
    operator.get_by_role("button", name="Enroll", exact=True).click()
    expect(operator.get_by_text(f"The child is enrolled on direction №{direction.number}.")).to_be_visible()
    expect(operator.locator(".op-details")).to_contain_text("Д-2024/117, 05.06.2024")
    shot(operator, "operator-enrolled")
    direction.refresh_from_db()
    assert (direction.status, direction.contract_number, str(direction.contract_date)) == ("enrolled", "Д-2024/117", "2024-06-05")

    # The public protocols (no login).
    public = phone_page()
    public.goto("/open/directions/")
    row = public.locator(".od-direction", has_text=f"#{direction.number}")
    expect(row).to_contain_text("enrolled")
    expect(row).to_contain_text("Ясли-сад №9 «Арман»")
    expect(row).to_contain_text("О*** А.")  # SPEC §8 masking
    expect(row).not_to_contain_text("Омаров")
    shot(public, "public-directions")
    public.goto("/open/releases/")
    publication = public.locator("tbody tr", has_text="03.06.2024 18:00")
    expect(publication).to_contain_text("published")
    expect(publication).to_contain_text("04.06.2024 07:00")  # open_at: the first 07:00 after the bulletin
    expect(publication).to_contain_text("07.06.2024 07:00")  # priority_until: 3 working days later
    expect(publication).to_contain_text("child enrolled")
    expect(publication).to_contain_text(f"direction №{direction.number}")
    shot(public, "public-releases")
