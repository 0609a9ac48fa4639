"""The operator's dashboard: their kindergartens, the groups, and the seats of each group by state."""

import re

import pytest
from django.contrib.auth.models import User

from tests.operator.conftest import AFTER_WINDOW, body

pytestmark = pytest.mark.django_db


def _row(html: str, group_name: str) -> list[str]:
    """The cells of a group's row, tags stripped."""
    row = re.search(rf"<tr>\s*<th scope=\"row\">{group_name}<span class=\"op-sub\">(.*?)</span></th>(.*?)</tr>", html, re.S)
    details, row = row.group(1), row.group(2)
    return [details, *(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))]


def test_the_dashboard_lists_the_groups_with_seat_counts_by_state(operator_a, world):
    html = body(operator_a.get("/operator/"))
    assert "Ясли-сад «Арман»" in html
    # age range · language · kind, capacity, released, priority, general, claimed, enrolled, withdrawn
    assert _row(html, "Балапан")[:8] == ["2 to 3 · Kazakh · general", "20", "1", "1", "0", "2", "0", "0"]
    assert _row(html, "Күншуақ")[:8] == ["2 to 4 · Russian · general", "25", "0", "0", "0", "0", "0", "0"]


def test_a_priority_seat_past_its_window_counts_as_general(operator_a, world, clock):
    clock.set(AFTER_WINDOW)
    assert _row(body(operator_a.get("/operator/")), "Балапан")[2:5] == ["1", "0", "1"]


def test_the_dashboard_shows_only_the_operators_kindergartens(operator_a, world):
    html = body(operator_a.get("/operator/"))
    assert "Азамат" not in html and "Солнышко" not in html


def test_a_staff_superuser_sees_every_kindergarten(english, world, clock):
    english.force_login(User.objects.create_superuser("chief", password="Chief-Password-17"))
    html = body(english.get("/operator/"))
    assert "Ясли-сад «Арман»" in html and "Ясли-сад «Азамат»" in html


def test_an_account_bound_to_no_kindergarten_is_forbidden(english, world, clock):
    english.force_login(User.objects.create_user("stranger", password="Stranger-Password-17"))
    assert english.get("/operator/").status_code == 403
