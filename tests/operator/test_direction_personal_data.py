"""Issue 11: the direction page gives the kindergarten what it needs to reach the family — the
applicant's name and phone and the child's IIN — to that kindergarten's operator only; the list of
directions is searched by number, the child's IIN or name; a future contract date is refused."""

import pytest

from placements.models import Direction
from queues.models import Application
from tests.operator.conftest import body, form_token

pytestmark = pytest.mark.django_db
LIST = "/operator/kindergartens/arman/directions/"


@pytest.fixture
def family(world):
    application = world.applications["plain_a"]
    Application.objects.filter(pk=application.pk).update(
        applicant_last_name="Сапарова", applicant_first_name="Динара", applicant_middle_name="Ерлановна", phone="+77011234567"
    )
    application.refresh_from_db()
    return application


def test_the_operator_of_the_kindergarten_sees_the_applicant_and_the_childs_iin(operator_a, world, family):
    html = body(operator_a.get(f"/operator/directions/{world.directions['issued_a'].number}/"))
    assert "Сапарова Динара Ерлановна" in html
    assert "+77011234567" in html
    assert family.child_iin in html


def test_another_kindergartens_operator_gets_a_404_and_no_personal_data(client, world, clock, family):
    client.force_login(world.operator_b)
    response = client.get(f"/operator/directions/{world.directions['issued_a'].number}/")
    assert response.status_code == 404
    assert "+77011234567" not in body(response) and family.child_iin not in body(response)


def _numbers(html: str) -> list[int]:
    return sorted(d.number for d in Direction.objects.all() if f">№{d.number}</a>" in html)


def test_the_list_is_searched_by_number_by_iin_and_by_name(operator_a, world, family):
    issued, check = world.directions["issued_a"], world.directions["check_a"]
    assert _numbers(body(operator_a.get(LIST, {"q": str(check.number)}))) == [check.number]
    assert _numbers(body(operator_a.get(LIST, {"q": f"№{issued.number}"}))) == [issued.number]
    assert _numbers(body(operator_a.get(LIST, {"q": family.child_iin}))) == [issued.number]
    assert _numbers(body(operator_a.get(LIST, {"q": "Фамилия-benefit_a"}))) == [check.number]
    # another kindergarten's direction is never found here
    other = world.directions["issued_b"]
    assert _numbers(body(operator_a.get(LIST, {"q": str(other.number)}))) == []
    assert _numbers(body(operator_a.get(LIST, {"q": other.application.child_iin}))) == []


def test_a_contract_date_in_the_future_is_refused(operator_a, world):
    direction = world.directions["issued_a"]
    page = f"/operator/directions/{direction.number}/"
    assert 'max="2024-06-04"' in body(operator_a.get(page))
    token = form_token(operator_a, page, f"{page}enroll/")
    html = body(operator_a.post(f"{page}enroll/", {"contract_number": "Д-1", "contract_date": "2024-06-05", "form_token": token}, follow=True))
    assert "The contract date cannot be in the future." in html
    direction.refresh_from_db()
    assert direction.status == "issued"
