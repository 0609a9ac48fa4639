"""Issue 11, items 8 and 12: the main pages at a phone's 390 px and a desktop's 1280 px, in Kazakh
and in Russian. On every page: no horizontal scroll, no serious or critical axe-core violation; the
tables' cells carry their column's name as a label on a phone (a ::before with attr(data-label)) and
the header row on a desktop; the open-data filters are folded on a phone and open on a desktop.
Screenshots: var/screens/<page>-<lang>-<width>.png (not committed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.iin import iin_build
from placements.bulletin import bulletin_publish
from placements.models import Group, Kindergarten
from placements.seats import seat_release
from tests.browser.axe import axe_violations, check_axe
from tests.browser.conftest import APPLY_AT, BIRTH_DATE, BULLETIN_AT, CLAIM_AT, RELEASE_AT, file_application
from tests.browser.flows import Family, log_in

pytestmark = pytest.mark.browser

SCREENS = Path(settings.BASE_DIR) / "var" / "screens"
WIDTHS = (390, 1280)
LANGUAGES = ("kk", "ru")
FAMILY = Family(
    phone="77071234567", phone2="77077654321", applicant_iin=iin_build(dt.date(1991, 2, 3), female=True, serial=77), child_iin=iin_build(BIRTH_DATE, serial=61)
)

PUBLIC_PAGES = {
    "home": "/",
    "open-queues": "/open/queues/",
    "open-free-seats": "/open/free-seats/",
    "open-kindergartens": "/open/kindergartens/",
    "open-directions": "/open/directions/",
    "open-releases": "/open/releases/",
    "queue-check": "/open/check/",
    "wizard-first-step": "/cabinet/apply/",
}

# What each page's table cells must be labelled with on a phone, per language.
LABELS = {
    "kk": {"open-free-seats": "Орындар саны", "seats": "Тіл"},
    "ru": {"open-free-seats": "Количество мест", "seats": "Язык"},
}


def set_language(page: Page, live_url: str, language: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_url}])


def check_page(page: Page, name: str, language: str, width: int) -> None:
    """The checks every page passes at every width, then its screenshot and axe-core."""
    assert page.evaluate("document.documentElement.lang") == language, f"{name}: the page is not in {language}"
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{name} ({language}, {width} px) scrolls sideways: {scroll} > {inner}"

    cells = page.locator("table.table-stack tbody td[data-label]")
    for index in range(min(cells.count(), 12)):
        cell = cells.nth(index)
        label = cell.get_attribute("data-label")
        before = cell.evaluate("td => getComputedStyle(td, '::before').content")
        if width < 640 and label:
            assert before == f'"{label}"', f"{name} ({language}, {width} px): a cell shows {before!r} instead of its label {label!r}"
        else:
            assert before in ("none", "normal"), f"{name} ({language}, {width} px): a desktop cell shows a label {before!r}"
    for table in page.locator("table.table-stack").all():
        header = table.locator("thead")
        if width < 640:
            assert header.evaluate("h => h.getBoundingClientRect().width") <= 1, f"{name}: the header row shows on a phone"
        else:
            expect(header).to_be_visible()

    filters = page.locator("details[data-fold-below]")
    if filters.count():
        is_open = filters.evaluate("d => d.open")
        assert is_open is (width >= 640), f"{name} ({language}, {width} px): the filters are {'open' if is_open else 'folded'}"

    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}-{language}-{width}.png"), full_page=True)
    check_axe(page, f"{name} ({language}, {width} px)")


@pytest.fixture
def layout_world(world, clock):
    """Two kindergartens (№9 and №11) of Temirtau with a seat each: one in priority access for the
    family (it holds priority access), one already in general access."""
    eleven = Kindergarten.objects.create(
        code="balapan", name="Ясли-сад №11 «Балапан»", name_kk="№11 «Балапан» бөбекжайы", locality=world.locality, address="ул. Ленина, 3"
    )
    group11 = Group.objects.create(code="balapan-2", kindergarten=eleven, name="Күншуақ", age_from=1, age_to=3, language="ru", capacity=25)
    application = file_application(serial=61, filed_at=APPLY_AT, applicant_iin=FAMILY.applicant_iin, phone=FAMILY.phone, phone2=FAMILY.phone2)
    seat_release(group=world.group, birth_year=2022, count=1, now=RELEASE_AT, by=world.operator)
    seat_release(group=group11, birth_year=2022, count=2, now=RELEASE_AT - dt.timedelta(days=7), by=world.operator)
    bulletin_publish(now=BULLETIN_AT - dt.timedelta(days=7))  # №11's seats: general access by now
    bulletin_publish(now=BULLETIN_AT)
    clock.set(CLAIM_AT)
    return application


def test_main_pages_at_390_and_1280_px_in_kazakh_and_russian(layout_world, clock, new_context, live_server):
    application = layout_world
    page = new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url).new_page()
    for language in LANGUAGES:
        set_language(page, live_server.url, language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900 if width > 640 else 844})
            for name, url in PUBLIC_PAGES.items():
                page.goto(url)
                check_page(page, name, language, width)
                if name == "open-free-seats" and width < 640:
                    label = page.locator("table.table-stack tbody td.od-num").first
                    assert label.get_attribute("data-label") == LABELS[language]["open-free-seats"]
                    # A seat already in general access shows since when, never a past "priority until".
                    expect(page.locator("td time", has_text="31.05.2024")).to_have_count(0)  # №11's past priority deadline

    set_language(page, live_server.url, "ru")
    page.goto("/cabinet/login/")
    log_in(page, clock, FAMILY)
    for language in LANGUAGES:
        set_language(page, live_server.url, language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900 if width > 640 else 844})
            page.goto("/cabinet/")
            check_page(page, "cabinet", language, width)
            page.goto(f"/cabinet/applications/{application.number}/seats/")
            expect(page.locator("table.table-stack")).to_have_count(2)  # №9 (priority) and №11 (general)
            check_page(page, "seats", language, width)
            if width < 640:
                language_cell = page.locator("table.table-stack tbody td").nth(1)
                assert language_cell.get_attribute("data-label") == LABELS[language]["seats"]
            # «№9» before «№11» (natural order, issue 11): sorted in Python, so on every database.
            headings = page.locator(".cabinet-card h2").all_inner_texts()
            assert "№9" in headings[0] and "№11" in headings[1], headings


def test_axe_reports_a_serious_violation_readably(new_context, live_server, transactional_db):
    """The helper itself: a page with an unnamed button and an image without alt fails with the rules."""
    page = new_context(base_url=live_server.url).new_page()
    page.goto("/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<button id=nameless></button><img src=/static/favicon.svg>')")
    rules = {v["id"] for v in axe_violations(page)}
    assert {"button-name", "image-alt"} <= rules
    with pytest.raises(AssertionError, match=r"button-name \[critical\].*#nameless"):
        check_axe(page, "home with a nameless button")
