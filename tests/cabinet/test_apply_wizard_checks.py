"""Issue 11, items 3 and 4, through the wizard's pages: the age asked at the IIN, an error summary at
the top, names in letters only, a short IIN told its length, Kazakhstan mobiles only, and the
place in the queue on the confirmation page.

Clock (tests/cabinet/conftest.py): Monday 20.05.2024 12:00 Astana, so E = 2023 and R = 01.09.2023
(SPEC §1); a child is over age when 6 or older on that day, i.e. born on 01.09.2017 or earlier:
the first birth date accepted is 02.09.2017, birth years 2017–2024."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation
from django.utils.html import escape

from core.errors import Refusal
from core.iin import iin_build
from notifications.models import OutboxSms
from queues.models import Application
from tests.cabinet.conftest import PARENT_IIN, PHONE, login, refusal_text
from tests.cabinet.test_apply_wizard import benefit_data, child_data, confirm_phones, file_it, through_child
from tests.factories import astana

pytestmark = pytest.mark.django_db

OVER_AGE = iin_build(dt.date(2017, 9, 1), serial=5)  # 6 on 01.09.2023
JUST_YOUNG_ENOUGH = iin_build(dt.date(2017, 9, 2), serial=6)  # 5 on 01.09.2023


@pytest.fixture
def world(clock, temirtau):
    return temirtau


def over_age_text(language: str = "en") -> str:
    params = {"reference": "01.09.2023", "earliest": "02.09.2017", "first_year": 2017, "last_year": 2024}
    with translation.override(language):
        return escape(Refusal("over_age_birth_years", **params).message)


def near(page: str, name: str, width: int = 2500) -> str:
    anchor = page.index(f'name="{name}"')
    return page[anchor - width : anchor + width]


# --- the age, at the IIN step (SPEC §3 over_age) -------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_an_over_age_child_is_refused_at_the_iin_step_naming_the_birth_years(client, world, capture, language):
    confirm_phones(client, capture)
    client.cookies["django_language"] = language
    response = client.post("/cabinet/apply/child/", child_data(child_iin=OVER_AGE))
    assert response.status_code == 200  # not on to the benefit step
    page = response.content.decode()
    assert over_age_text(language) in near(page, "child_iin")
    assert "02.09.2017" in page and "2017–2024" in page
    assert 'name="sen_pmpk"' in page  # SEN with a PMPK conclusion: the way on for an older child


def test_a_child_born_the_day_after_the_limit_goes_on(client, world, capture):
    through_child(client, capture, child_iin=JUST_YOUNG_ENOUGH)
    page = client.get("/cabinet/apply/benefit/").content.decode()
    assert 'name="sen_pmpk"' in page and 'name="sen_pmpk" id="id_sen_pmpk" checked' not in page


def test_an_over_age_child_with_sen_and_pmpk_goes_on_and_is_filed(client, world, capture):
    confirm_phones(client, capture)
    response = client.post("/cabinet/apply/child/", child_data(child_iin=OVER_AGE, sen_pmpk="on"))
    assert response.status_code == 302 and response.url == "/cabinet/apply/benefit/"
    benefit = client.get("/cabinet/apply/benefit/").content.decode()
    assert re.search(r'<input[^>]*name="sen_pmpk"[^>]*checked', benefit)  # ticked already

    # Unticked at the benefit step: refused there, next to the box, not after the review.
    response = client.post("/cabinet/apply/benefit/", benefit_data())
    assert response.status_code == 200
    assert over_age_text() in near(response.content.decode(), "sen_pmpk")

    response = client.post("/cabinet/apply/benefit/", benefit_data(sen_pmpk="on"))
    assert response.status_code == 302 and response.url == "/cabinet/apply/review/"
    assert file_it(client, capture).url == "/cabinet/apply/done/"
    assert Application.objects.get(child_iin=OVER_AGE).sen_pmpk is True


def test_the_filing_still_refuses_a_child_that_came_of_age_meanwhile(client, world, capture, clock):
    # Born 15.06.2018: 5 on 01.09.2023 (R until 31.05.2024), 6 on 01.09.2024 (R from 01.06.2024 00:00).
    clock.set(astana(2024, 5, 31, 23, 50))
    child_iin = iin_build(dt.date(2018, 6, 15), serial=7)
    through_child(client, capture, child_iin=child_iin)
    client.post("/cabinet/apply/benefit/", benefit_data())
    clock.set(astana(2024, 6, 1, 0, 10))
    response = file_it(client, capture)
    assert response.url == "/cabinet/apply/child/"
    assert not Application.objects.exists()
    page = client.get("/cabinet/apply/child/").content.decode()
    assert "02.09.2018" in near(page, "child_iin") and "2018–2024" in page


# --- the IIN's length, names ------------------------------------------------------------------------


def test_a_short_iin_is_told_its_length_not_a_generic_message(client, world, capture):
    confirm_phones(client, capture)
    client.cookies["django_language"] = "en"
    response = client.post("/cabinet/apply/child/", child_data(child_iin="2203045012", applicant_iin="90051741234"))
    page = response.content.decode()
    assert "The IIN has 12 digits; you entered 10." in near(page, "child_iin", 1500)
    assert "The IIN has 12 digits; you entered 11." in near(page, "applicant_iin", 1500)
    assert "Ensure this value" not in page


def test_a_script_in_a_name_is_refused_and_never_echoed_as_markup(client, world, capture):
    confirm_phones(client, capture)
    response = client.post("/cabinet/apply/child/", child_data(child_first_name="<script>alert(1)</script>"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "letters of the Kazakh, Russian or Latin alphabet" in near(page, "child_first_name")
    assert "<script>alert(1)</script>" not in page


def test_kazakh_letters_are_accepted_and_spaces_tidied(client, world, capture):
    through_child(
        client,
        capture,
        applicant_last_name="  Құрманғазы  ",
        applicant_first_name="Әсел",
        child_last_name="Өмірзақ-Ұлы",
        child_first_name="Іңкәр   Һәкім",
        child_middle_name="Д’Артаньян",
    )
    client.post("/cabinet/apply/benefit/", benefit_data())
    file_it(client, capture)
    application = Application.objects.get()
    assert (application.applicant_last_name, application.applicant_first_name) == ("Құрманғазы", "Әсел")
    assert (application.child_last_name, application.child_first_name, application.child_middle_name) == ("Өмірзақ-Ұлы", "Іңкәр Һәкім", "Д’Артаньян")


# --- the error summary --------------------------------------------------------------------------------


def test_errors_are_summed_up_at_the_top_with_links_to_their_fields(client, world, capture):
    confirm_phones(client, capture)
    response = client.post("/cabinet/apply/child/", child_data(child_iin="123", child_last_name="", address=""))
    page = response.content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*>.*?</div>', page, re.S)
    assert summary is not None
    assert page.index("error-summary") < page.index("<h1")  # above everything else of the step
    assert 'role="alert"' in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    links = re.findall(r'<a href="(#[^"]+)">', summary.group(0))
    assert links == ["#id_child_iin", "#id_child_last_name", "#id_address"]  # in the fields' order
    assert "The IIN has 12 digits; you entered 3." in summary.group(0)
    assert "js/error-summary.js" in page
    for anchor in links:
        assert f'id="{anchor[1:]}"' in page


def test_a_page_without_errors_has_no_summary(client, world, capture):
    confirm_phones(client, capture)
    assert "error-summary" not in client.get("/cabinet/apply/child/").content.decode()


def test_the_cabinet_login_sums_up_a_short_iin(client, world):
    response = client.post("/cabinet/login/", {"iin": "90051741"})
    page = response.content.decode()
    assert "data-error-summary" in page and 'href="#id_iin"' in page
    assert "The IIN has 12 digits; you entered 8." in page


# --- phones: Kazakhstan mobiles only (item 4) ------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("phone", ["+7 495 123 45 67", "+7 916 123 45 67", "+7 727 258 12 34"])
def test_a_russian_number_or_a_landline_is_refused_in_the_wizard_in_kazakh_and_russian(client, world, phone, language):
    client.cookies["django_language"] = language
    response = client.post("/cabinet/apply/phone/", {"slot": "1", "p1-phone": phone})
    page = response.content.decode()
    assert response.status_code == 200
    assert refusal_text("invalid_phone", language) in page
    assert 'href="#id_p1-phone"' in page  # in the summary too
    assert not OutboxSms.objects.exists()


@pytest.mark.parametrize(("phone", "digits"), [("+7 701 123 45 67", "77011234567"), ("+7 747 123 45 67", "77471234567"), ("+7 777 123 45 67", "77771234567")])
def test_a_kazakhstan_mobile_gets_the_code_in_the_wizard(client, world, capture, phone, digits):
    with capture(execute=True):
        response = client.post("/cabinet/apply/phone/", {"slot": "1", "p1-phone": phone})
    assert response.status_code == 302
    assert OutboxSms.objects.filter(phone=digits).exists()


@pytest.mark.parametrize(
    ("phone", "accepted"), [("+7 495 123 45 67", False), ("+7 916 123 45 67", False), ("+7 727 258 12 34", False), ("+7 747 555 66 77", True)]
)
def test_the_cabinet_phone_change_takes_kazakhstan_mobiles_only(client, clock, parent_application, capture, phone, accepted):
    login(client, capture)
    client.cookies["django_language"] = "ru"
    with capture(execute=True):
        response = client.post("/cabinet/phone/code/", {"slot": "2", "phone": phone})
    if accepted:
        assert response.status_code == 302
        assert OutboxSms.objects.filter(phone="77475556677").exists()
    else:
        assert response.status_code == 200
        assert refusal_text("invalid_phone", "ru") in response.content.decode()
        assert not OutboxSms.objects.exclude(phone=PHONE).exists()


# --- the confirmation page --------------------------------------------------------------------------


def test_the_confirmation_shows_the_number_and_the_place_in_the_queue(client, world, capture):
    from queues.services import application_file

    application_file(child_iin=iin_build(dt.date(2022, 1, 9), serial=77), locality_code="temirtau", now=astana(2024, 5, 2, 10))
    through_child(client, capture)
    client.post("/cabinet/apply/benefit/", benefit_data())
    file_it(client, capture)
    application = Application.objects.get(applicant_iin=PARENT_IIN)
    page = client.get("/cabinet/apply/done/").content.decode()
    assert f"Application No. {application.number}" in page
    assert "Queue “general”: place 2 of 2" in page
