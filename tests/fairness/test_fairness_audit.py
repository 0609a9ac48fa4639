"""The fairness audit (issue 12, item 3): a clean history replayed by `simulate` has no findings;
history corrupted behind the services' back is found and named.

The scenario, reasoned by hand (SPEC §4–§6): four families of 2022 in Temirtau, filed in order
A1, A2, A3 (no benefit) and A4 (priority): the queue is A1 A2 A3 A4 (one P after three G).
Monday 03.06.2024 10:00 two seats are released → the 18:00 bulletin publishes R1.1, R1.2, opens
them 04.06 07:00, priority until 07.06 07:00 → grants to A1 and A2. A1 claims at 07:00 (R1.1).
A3 tries at 08:00 and is refused (`no_access`). Wednesday 05.06 10:00 one more seat (R2.1): the
18:00 bulletin grants it to A3 (A1 is directed, A2 still holds an open grant).
"""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.iin import iin_build
from fairness.models import FairnessAudit
from fairness.services import fairness_audit_run
from placements.models import Bulletin, Direction, Grant, Seat
from queues.models import Application
from replay.simulation import scenario_run
from tests.factories import astana

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2024, 6, 1), dt.date(2024, 6, 10)
NOW = astana(2024, 6, 20, 12)


def _scenario() -> dict:
    def apply(day: int, ref: str, benefit: str = "none") -> dict:
        birth = dt.date(2022, 3, day)
        iin = iin_build(birth, serial=day * 10)
        return {"at": f"2024-05-0{day}T10:00:00+05:00", "type": "apply", "ref": ref, "child_iin": iin, "locality": "temirtau", "benefit": benefit}

    return {
        "start": "2024-05-01T00:00:00+05:00",
        "until": "2024-06-12T00:00:00+05:00",
        "localities": [{"code": "temirtau", "name": "Темиртау"}],
        "kindergartens": [
            {
                "code": "arman",
                "name": "Арман",
                "locality": "temirtau",
                "groups": [{"code": "arman-2", "age_from": 2, "age_to": 3, "language": "kk", "kind": "general"}],
            }
        ],
        "events": [
            apply(2, "A1"),
            apply(3, "A2"),
            apply(4, "A3"),
            apply(5, "A4", "priority"),
            {"at": "2024-06-03T10:00:00+05:00", "type": "release", "ref": "R1", "group": "arman-2", "birth_year": 2022, "count": 2},
            {"at": "2024-06-04T07:00:00+05:00", "type": "claim", "application": "A1", "group": "arman-2"},
            {"at": "2024-06-04T08:00:00+05:00", "type": "claim", "application": "A3", "group": "arman-2"},
            {"at": "2024-06-05T10:00:00+05:00", "type": "release", "ref": "R2", "group": "arman-2", "birth_year": 2022, "count": 1},
        ],
    }


@pytest.fixture
def history() -> dict:
    output = scenario_run(_scenario())
    assert [e["ok"] for e in output["events"]] == [True] * 6 + [False, True]
    assert output["events"][6]["error"] == "no_access"
    return output


def _app(history: dict, ref: str) -> Application:
    return Application.objects.get(number=history["applications"][ref]["number"])


def _kinds(result) -> list[tuple[str, str]]:
    return [(f["kind"], f["reason"]) for f in result.findings]


def test_clean_history_has_no_findings(history):
    result, audit = fairness_audit_run(first=FIRST, last=LAST, now=NOW)
    assert result.findings == []
    assert (result.bulletins_checked, result.directions_checked, result.grants_checked, result.seats_checked) == (2, 1, 3, 3)
    assert audit.findings_total == 0


def test_direction_inserted_out_of_turn_is_found(history):
    # A3 had no grant while R1.2 was in priority access (04.06 07:00 – 07.06 07:00).
    a3 = _app(history, "A3")
    seat = Seat.objects.filter(release__released_at=astana(2024, 6, 3, 10), directions__isnull=True).get()  # R1.2
    at = astana(2024, 6, 4, 9)
    Direction.objects.create(number=999, application=a3, seat=seat, issued_at=at, valid_until=at + dt.timedelta(days=7), status="issued")
    Seat.objects.filter(pk=seat.pk).update(state="claimed")
    Application.objects.filter(pk=a3.pk).update(status="directed")
    result, _ = fairness_audit_run(first=FIRST, last=LAST, now=NOW)
    found = [f for f in result.findings if f["kind"] == "direction_not_entitled"]
    assert len(found) == 1
    assert (found[0]["reason"], found[0]["direction_number"], found[0]["application_number"], found[0]["seat"]) == ("no_access", 999, a3.number, seat.pk)


def test_skipped_grant_is_found(history):
    # The first bulletin's grant of A2 (second in order) goes to A4 (fourth) instead.
    first = Bulletin.objects.order_by("published_at").first()
    grant = Grant.objects.get(bulletin=first, application=_app(history, "A2"))
    Grant.objects.create(application=_app(history, "A4"), kind="general", bulletin=first, from_at=grant.from_at, until_at=grant.until_at)
    grant.delete()
    result, _ = fairness_audit_run(first=FIRST, last=LAST, now=NOW)
    first_bulletin = [(f["kind"], f["application_number"]) for f in result.findings if f["bulletin"] == first.pk]
    assert first_bulletin == [("grant_out_of_order", _app(history, "A4").number), ("grant_skipped", _app(history, "A2").number)]


def test_seat_left_out_of_the_bulletin_is_found(history):
    # A seat released at 11:00 on 05.06, never in that day's 18:00 bulletin (inserted behind the service).
    r2 = Seat.objects.filter(release__released_at=astana(2024, 6, 5, 10)).get()
    at = astana(2024, 6, 5, 11)
    hidden = Seat.objects.create(release=r2.release, group=r2.group, birth_year=2022, state="released", created_at=at, released_at=at)
    result, _ = fairness_audit_run(first=FIRST, last=LAST, now=NOW)
    bulletin = Bulletin.objects.get(published_at=astana(2024, 6, 5, 18))
    assert [(f["kind"], f["reason"], f["seat"], f["bulletin"]) for f in result.findings] == [
        ("seat_unpublished", "left_out_of_bulletin", hidden.pk, bulletin.pk)
    ]


def test_command_exit_code_and_json(history, capsys):
    with pytest.raises(SystemExit) as clean:
        call_command("fairness_audit", "--from", "2024-06-01", "--to", "2024-06-10", "--json")
    assert clean.value.code == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"direction_not_entitled": 0, "grant_out_of_order": 0, "grant_skipped": 0, "seat_unpublished": 0}
    Grant.objects.filter(application=_app(history, "A2")).order_by("id").first().delete()
    with pytest.raises(SystemExit) as found:
        call_command("fairness_audit", "--from", "2024-06-01", "--to", "2024-06-10")
    assert found.value.code == 1
    assert "grant_skipped" in capsys.readouterr().out


def test_a_second_run_of_the_same_period_replaces_the_first(history):
    fairness_audit_run(first=FIRST, last=LAST, now=NOW)
    Grant.objects.filter(application=_app(history, "A2")).delete()
    fairness_audit_run(first=FIRST, last=LAST, now=NOW + dt.timedelta(hours=1))
    # A2 skipped at both bulletins (it held no grant at the second one, so it came first there).
    audit = FairnessAudit.objects.get()
    assert (audit.ran_at, audit.grants_skipped, audit.grants_out_of_order) == (NOW + dt.timedelta(hours=1), 2, 1)


def test_public_summary_shows_counts_without_numbers(history, client):
    Grant.objects.filter(application=_app(history, "A2")).delete()
    fairness_audit_run(first=FIRST, last=LAST, now=NOW)
    for language in ("kk", "ru", "en"):
        page = client.get(reverse("fairness:summary"), HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        body = page.content.decode()
        assert "01.06.2024 – 10.06.2024" in body
        assert 'id="fairness-audits"' in body
    assert f"№{_app(history, 'A2').number}" not in body


def test_staff_run_the_audit_and_see_the_findings_with_links(history, admin_client):
    Grant.objects.filter(application=_app(history, "A2")).delete()
    response = admin_client.post(reverse("admin:reports_fairness"), {"first": "2024-06-01", "last": "2024-06-10"})
    assert response.status_code == 302
    page = admin_client.get(response["Location"])
    body = page.content.decode()
    assert reverse("admin:queues_application_change", args=[_app(history, "A2").pk]) in body
    assert 'id="fairness-findings"' in body


def test_a_family_cannot_see_the_staff_report(history, client):
    url = reverse("admin:reports_fairness")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")  # to the admin's login
    page = client.get(url, follow=True)
    html = page.content.decode()
    assert 'name="password"' in html and 'id="fairness-findings"' not in html
    assert not [code for code in Application.objects.values_list("child_iin", flat=True) if code in html]
