"""Journey 5 (SPEC: every page in Kazakh and Russian): journeys 1–2 — apply, log in, see the grant,
get a direction — after switching to Kazakh with the header's switcher, with no English left on
the way. Each page's visible text is searched for words of the portal's English source strings
(from the templates walked through); names, numbers and the language switcher's own «English» are
not among them. All pages are walked first, then the test fails with every untranslated line."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from core.iin import iin_build
from placements.bulletin import bulletin_publish
from placements.models import Direction
from placements.seats import seat_release
from tests.browser.conftest import BIRTH_DATE, BULLETIN_AT, CLAIM_AT, PARENT_IIN, RELEASE_AT
from tests.browser.flows import Family, application_number, apply_child, claim, confirm_phone, log_in, submit

pytestmark = pytest.mark.browser

FAMILY = Family(phone="77071112233", phone2="77079998877", applicant_iin=PARENT_IIN, child_iin=iin_build(BIRTH_DATE, serial=4321))

# Words of the English source strings on these pages (templates/base.html, queues/, accounts/):
# one untranslated label, button or sentence contains at least one of them.
ENGLISH = (
    "Application",
    "Apply",
    "Queue",
    "Free seats",
    "Log in",
    "Log out",
    "Continue",
    "Confirm",
    "Send",
    "code",
    "direction",
    "Next",
    "Back",
    "priority",
    "benefit",
    "child",
    "phone",
    "Kindergarten",
    "Status",
    "Locality",
    "Password",
    "seat",
    "valid",
    "until",
    "Choose",
    "Check",
    "Address",
    "Messages",
    "Withdraw",
    "Skip to main content",
    "Open data",
    "the",
    "your",
    "you",
    "and",
    "of",
    "is",
    "in",
    "to",
    "for",
)
WORDS = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH) + r")s?\b", re.IGNORECASE)  # "seat" or "seats"


def english_lines(page: Page) -> list[str]:
    """The lines of the page's visible text with an English word of the list."""
    return [line.strip() for line in page.locator("body").inner_text().splitlines() if WORDS.search(line)]


def test_the_whole_journey_in_kazakh_has_no_english_on_the_way(world, clock, phone_page, shots):
    shot = shots("05-kazakh")
    untranslated: dict[str, list[str]] = {}

    def seen(name: str) -> None:
        """Screenshot the page and remember its English lines."""
        expect(page.locator("html")).to_have_attribute("lang", "kk")
        shot(page, name)
        if lines := english_lines(page):
            untranslated[f"{name} {urlsplit(page.url).path}"] = lines

    page = phone_page()
    page.goto("/")
    page.locator("button[name='language'][value='kk']").first.click()
    page.wait_for_load_state()
    seen("home")

    page.locator("main a[href='/cabinet/apply/']").first.click()
    page.wait_for_url("**/cabinet/apply/")
    seen("apply-phones")
    confirm_phone(page, clock, FAMILY, 1, shots=lambda _page, name: seen(name))
    seen("apply-phone1-confirmed")
    confirm_phone(page, clock, FAMILY, 2)
    page.wait_for_url("**/cabinet/apply/child/")
    apply_child(page, FAMILY, birth_date="04.03.2022")
    seen("apply-child")
    submit(page, "/cabinet/apply/child/")
    page.wait_for_url("**/cabinet/apply/benefit/")
    seen("apply-benefit")
    submit(page, "/cabinet/apply/benefit/")
    page.wait_for_url("**/cabinet/apply/review/")
    seen("apply-review")
    submit(page, "/cabinet/apply/review/")
    page.wait_for_url("**/cabinet/apply/done/")
    number = application_number(page)
    seen("apply-done")

    page.locator("main a[href='/cabinet/login/']").click()
    page.wait_for_url("**/cabinet/login/")
    seen("login-iin")
    log_in(page, clock, FAMILY, shots=lambda _page, name: seen(name))
    expect(page.locator(f"#application-{number}")).to_be_visible()
    seen("cabinet")

    # A seat is released and published; on Tuesday the family holds priority access and takes it.
    seat_release(group=world.group, birth_year=2022, count=1, now=RELEASE_AT, by=world.operator)
    bulletin_publish(now=BULLETIN_AT)
    clock.set(CLAIM_AT)
    page.reload()
    grants = page.locator(f"#grants-{number}")
    expect(grants).to_contain_text("07:00 07.06.2024")
    seen("cabinet-grant")
    grants.locator(f"a[href='/cabinet/applications/{number}/seats/']").click()
    page.wait_for_url(f"**/cabinet/applications/{number}/seats/")
    expect(page.locator("main")).to_contain_text("№9 «Арман» бөбекжайы")  # the kindergarten's Kazakh name
    seen("seats")
    page.locator(f"a[href='/cabinet/applications/{number}/seats/arman-2/']").click()
    page.wait_for_url(f"**/cabinet/applications/{number}/seats/arman-2/")
    seen("claim")
    claim(page, clock, FAMILY, number, "arman-2", shots=lambda _page, name: seen(name))
    direction = Direction.objects.get(application__number=number)
    expect(page.locator(f"#direction-{direction.number}")).to_contain_text("11.06.2024 09:0")
    seen("direction")

    assert not untranslated, "English text on the Kazakh pages:\n" + "\n".join(
        f"- {page_name}:\n" + "\n".join(f"    {line}" for line in lines) for page_name, lines in untranslated.items()
    )
