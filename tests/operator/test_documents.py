"""Benefit documents to check: applications directed here whose benefit is still only claimed.
The documents are linked only for a user holding the staff permission to read applications."""

import pytest
from django.contrib.auth.models import Permission

from placements.application_actions import benefit_confirm
from placements.directions import direction_flag_documents
from tests.operator.conftest import NOW, body

pytestmark = pytest.mark.django_db
URL = "/operator/kindergartens/arman/documents/"


def test_the_applications_awaiting_benefit_confirmation_are_listed(operator_a, world):
    html = body(operator_a.get(URL))
    assert "Фамилия-benefit_a" in html and f"№{world.directions['check_a'].number}</a>" in html
    assert "Фамилия-plain_a" not in html  # no benefit claimed
    assert "Фамилия-benefit_b" not in html  # directed to «Азамат»


def test_a_confirmed_benefit_leaves_the_list(operator_a, world):
    benefit_confirm(application=world.applications["benefit_a"], now=NOW)
    assert "Фамилия-benefit_a" not in body(operator_a.get(URL))


def test_without_the_staff_permission_there_are_no_links_but_a_note(operator_a, world):
    html = body(operator_a.get(URL))
    assert f"/staff/documents/{world.document.pk}/" not in html
    assert "contact the department" in html
    assert "1 document at the department" in html
    direction_html = body(operator_a.get(f"/operator/directions/{world.directions['check_a'].number}/"))
    assert f"/staff/documents/{world.document.pk}/" not in direction_html


def test_with_the_staff_permission_the_documents_are_linked(operator_a, world):
    world.operator_a.user_permissions.add(Permission.objects.get(codename="view_application", content_type__app_label="queues"))
    html = body(operator_a.get(URL))
    assert f'href="/staff/documents/{world.document.pk}/"' in html and "справка.pdf" in html
    assert operator_a.get(f"/staff/documents/{world.document.pk}/").status_code == 200


def test_the_operator_without_the_permission_cannot_open_a_document(operator_a, world):
    assert operator_a.get(f"/staff/documents/{world.document.pk}/").status_code == 403


def test_a_flag_shows_on_the_list(operator_a, world):
    direction_flag_documents(direction=world.directions["check_a"], note="Нет справки", now=NOW)
    assert "Нет справки" in body(operator_a.get(URL))
