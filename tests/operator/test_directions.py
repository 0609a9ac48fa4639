"""Directions to the kindergarten (SPEC §7): the list, enrolling through direction_enroll, and
flagging missing documents through direction_flag_documents."""

import datetime as dt

import pytest
from django.utils import translation

from audit.models import AuditRecord
from core.errors import Refusal
from placements.application_actions import benefit_confirm
from placements.directions import direction_enroll
from placements.expiry import directions_expire
from placements.models import Direction
from tests.factories import astana
from tests.operator.conftest import NOW, body, form_token, token_for

pytestmark = pytest.mark.django_db
CONTRACT = {"contract_number": "Д-17/2024", "contract_date": "2024-06-04"}
SCOPES = {"enroll": "operator-enroll", "documents": "operator-flag-documents"}


def _send(client, world, direction: Direction, form: str, data: dict, **kwargs):
    """Send the direction page's enroll or documents form with its one-time token; where the page
    does not show the form (the direction is not in that state), with a valid token all the same."""
    page = f"/operator/directions/{direction.number}/"
    action = f"{page}{form}/"
    shown = f'action="{action}"' in body(client.get(page))
    token = form_token(client, page, action) if shown else token_for(world.operator_a, SCOPES[form])
    return client.post(action, {**data, "form_token": token}, **kwargs)


def test_active_directions_come_first_with_their_deadlines(operator_a, world):
    # №1 (issued_a) is enrolled: the active №2 must now come first.
    direction_enroll(application=world.applications["plain_a"], now=NOW)
    html = body(operator_a.get("/operator/kindergartens/arman/directions/"))
    assert html.index("№2</a>") < html.index("№1</a>")
    assert "10.06.2024 08:00" in html  # valid_until: 03.06 08:00 + 5 working days
    assert "awaiting benefit confirmation" in html and "enrolled" in html
    assert "№3</a>" not in html and "№4</a>" not in html  # directions to «Азамат»


def test_the_list_can_show_active_directions_only(operator_a, world):
    direction_enroll(application=world.applications["plain_a"], now=NOW)
    html = body(operator_a.get("/operator/kindergartens/arman/directions/", {"status": "active"}))
    assert "№2</a>" in html and "№1</a>" not in html


def test_enrolling_on_an_issued_direction(operator_a, world):
    direction = world.directions["issued_a"]
    html = body(_send(operator_a, world, direction, "enroll", CONTRACT, follow=True))
    assert f"The child is enrolled on direction №{direction.number}." in html
    direction.refresh_from_db()
    assert (direction.status, direction.contract_number, direction.contract_date, direction.ended_at) == (
        "enrolled",
        "Д-17/2024",
        dt.date(2024, 6, 4),
        NOW,
    )
    assert direction.seat.state == "enrolled"
    assert direction.application.status == "enrolled"
    record = AuditRecord.objects.get(action="direction.enroll")
    assert (record.actor_kind, record.actor) == ("operator", "operator-arman")


def test_enrolling_while_the_benefit_is_checked_is_refused_and_explained(operator_a, world):
    direction = world.directions["check_a"]
    assert "Enrollment waits for the benefit" in body(operator_a.get(f"/operator/directions/{direction.number}/"))
    response = _send(operator_a, world, direction, "enroll", CONTRACT)
    with translation.override("en"):
        assert Refusal("benefit_unconfirmed").message in body(response)
    direction.refresh_from_db()
    assert (direction.status, direction.seat.state) == ("benefit_check", "claimed")


def test_enrolling_after_the_benefit_is_confirmed(operator_a, world):
    direction = world.directions["check_a"]
    benefit_confirm(application=direction.application, now=NOW)
    _send(operator_a, world, direction, "enroll", CONTRACT)
    direction.refresh_from_db()
    assert direction.status == "enrolled"


def test_enrolling_on_a_direction_that_ended_is_refused(operator_a, world, clock):
    direction = world.directions["issued_a"]
    directions_expire(now=astana(2024, 6, 10, 8))
    clock.set(astana(2024, 6, 10, 9))
    response = _send(operator_a, world, direction, "enroll", CONTRACT)
    with translation.override("en"):
        assert Refusal("direction_not_active").message in body(response)
    direction.refresh_from_db()
    assert direction.status == "expired"


def test_the_contract_number_and_date_are_required(operator_a, world):
    direction = world.directions["issued_a"]
    response = _send(operator_a, world, direction, "enroll", {"contract_number": "", "contract_date": "not a date"})
    assert response.status_code == 200
    direction.refresh_from_db()
    assert direction.status == "issued"


def test_flagging_missing_documents_is_recorded(operator_a, world):
    direction = world.directions["check_a"]
    note = "Нет справки о многодетности"
    html = body(_send(operator_a, world, direction, "documents", {"note": note}, follow=True))
    assert f"Missing documents are flagged on direction №{direction.number}." in html and note in html
    direction.refresh_from_db()
    assert (direction.documents_missing_note, direction.documents_flagged_at) == (note, NOW)
    record = AuditRecord.objects.get(action="direction.flag_documents")
    assert (record.actor_kind, record.actor, record.object_id) == ("operator", "operator-arman", str(direction.pk))
    assert record.changes == {"documents_missing_note": ["", note]}


def test_flagging_needs_a_note(operator_a, world):
    direction = world.directions["check_a"]
    assert _send(operator_a, world, direction, "documents", {"note": "   "}).status_code == 200
    direction.refresh_from_db()
    assert direction.documents_flagged_at is None


def test_flagging_an_ended_direction_is_refused(operator_a, world):
    direction = world.directions["issued_a"]
    direction_enroll(application=direction.application, now=NOW)
    response = _send(operator_a, world, direction, "documents", {"note": "паспорт"})
    with translation.override("en"):
        assert Refusal("direction_not_active").message in body(response)
    assert Direction.objects.get(pk=direction.pk).documents_flagged_at is None


def test_a_double_sent_enrollment_enrolls_once_and_says_so(operator_a, world):
    direction = world.directions["issued_a"]
    page = f"/operator/directions/{direction.number}/"
    token = form_token(operator_a, page, f"{page}enroll/")
    operator_a.post(f"{page}enroll/", {**CONTRACT, "form_token": token})
    response = operator_a.post(f"{page}enroll/", {**CONTRACT, "form_token": token}, follow=True)
    html = body(response)
    assert response.redirect_chain[-1][0] == page
    assert "This form was already sent; nothing was done twice." in html
    with translation.override("en"):
        assert Refusal("direction_not_active").message not in html
    assert AuditRecord.objects.filter(action="direction.enroll").count() == 1


def test_a_double_sent_documents_flag_is_recorded_once(operator_a, world):
    direction = world.directions["check_a"]
    page = f"/operator/directions/{direction.number}/"
    token = form_token(operator_a, page, f"{page}documents/")
    for _ in range(2):
        html = body(operator_a.post(f"{page}documents/", {"note": "Нет справки", "form_token": token}, follow=True))
    assert "This form was already sent; nothing was done twice." in html
    assert AuditRecord.objects.filter(action="direction.flag_documents").count() == 1


@pytest.mark.parametrize("form", ["enroll", "documents"])
def test_the_direction_forms_without_their_token_are_refused(operator_a, world, form):
    direction = world.directions["issued_a"]
    data = CONTRACT if form == "enroll" else {"note": "паспорт"}
    html = body(operator_a.post(f"/operator/directions/{direction.number}/{form}/", data))
    with translation.override("en"):
        assert Refusal("form_token_invalid").message in html
    direction.refresh_from_db()
    assert (direction.status, direction.documents_flagged_at) == ("issued", None)
    assert html.count('name="form_token"') == 2  # both forms again, with fresh tokens
