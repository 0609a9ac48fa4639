"""Issue 11: the admin is INDIGO's (its own header, never "Django administration"), names are in the
chosen language, and its columns and fields read as words, not as code."""

from __future__ import annotations

import json
import re

import pytest

from placements.models import Group, Kindergarten
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_admin_header_and_title_are_indigos(admin_client, language):
    admin_client.cookies["django_language"] = language

    html = admin_client.get("/admin/").content.decode()

    assert re.search(r'id="site-name"><a href="/admin/">INDIGO', html)
    assert re.search(r"<title>[^<]*INDIGO[^<]*</title>", html)
    assert "Django" not in html and "Даңғо" not in html


def test_the_kindergarten_column_of_the_group_list_is_in_kazakh_on_a_kazakh_admin(admin_client, karaganda):
    kindergarten = Kindergarten.objects.create(code="arman", name="Ясли-сад «Арман»", name_kk="«Арман» бөбекжай-бақшасы", locality=karaganda)
    Group.objects.create(code="arman-2", kindergarten=kindergarten, name="Младшая группа", name_kk="Кіші топ", age_from=2, age_to=3, language="kk")
    admin_client.cookies["django_language"] = "kk"

    html = admin_client.get("/admin/placements/group/").content.decode()

    assert '<td class="field-kindergarten nowrap">«Арман» бөбекжай-бақшасы</td>' in html
    assert "Кіші топ" in html  # its own column, next to the Russian name


def test_the_application_list_titles_the_masked_name_column_in_words(admin_client, karaganda):
    ApplicationFactory(locality=karaganda)
    admin_client.cookies["django_language"] = "en"

    html = admin_client.get("/admin/queues/application/").content.decode()

    assert "Child (initials)" in html
    assert "child name masked" not in html.lower()


def test_the_positions_of_an_application_read_as_words(admin_client, karaganda):
    application = ApplicationFactory(locality=karaganda)
    admin_client.cookies["django_language"] = "en"

    html = admin_client.get(f"/admin/queues/application/{application.pk}/change/").content.decode()

    assert "general: place 1 of 1" in html
    assert "general: 1 / 1" not in html


def test_the_admins_javascript_speaks_kazakh_not_russian(admin_client):
    """The calendar, the time picker and the selection filters come from the admin's JavaScript
    catalog; Django's own kk one misses most strings and fell back to Russian (LANGUAGE_CODE)."""
    admin_client.cookies["django_language"] = "kk"

    script = admin_client.get("/admin/jsi18n/").content.decode()

    def has(text: str) -> bool:  # the catalog is JSON inside the script, possibly \u-escaped
        return text in script or json.dumps(text)[1:-1] in script

    for kazakh in ("Қаңтар", "Желтоқсан", "Дүйсенбі", "Таңдалған %s", "Барлық %s таңдау", "Уақытты таңдаңыз", "Бүгін"):
        assert has(kazakh), kazakh
    for russian in ("Январь", "Понедельник", "Выбранные", "Выберите время", "Сегодня"):
        assert not has(russian), russian


def test_the_login_attempts_section_has_a_name_in_words(admin_client):
    admin_client.cookies["django_language"] = "kk"

    html = admin_client.get("/admin/").content.decode()

    assert "Кіру әрекеттері" in html and ">Axes<" not in html
