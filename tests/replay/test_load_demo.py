"""`load_demo`: every public list (SPEC §8) has content at first start; a second run changes nothing.

One load per module (committed to the test database, flushed afterwards). On SQLite — what `make run`
uses — it is the real demo of 2,000 applications; on PostgreSQL, where each of the ~40,000 queries
of filing them through the services is a round trip, a demo of 800 keeps the suite quick.

The demo is loaded up to a fixed moment (`--at`), never the real clock: Wednesday 18.11.2026 at 18:20
Astana time, twenty minutes after a bulletin — the hour at which a demo loaded "now" used to have no
seat left waiting for the next bulletin (issue 13). The tests read that moment, not `timezone.now()`.
"""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from accounts.models import Cabinet
from core.calendar import enrollment_year, local
from core.iin import iin_is_valid
from core.models import Counter
from core.phones import phone_normalize
from notifications.models import Message
from placements.models import Bulletin, Direction, Grant, Group, Kindergarten, Publication, Seat
from placements.selectors import effective_state
from queues.models import Application, Locality
from queues.selectors import application_positions, queue_order
from replay.management.commands.load_demo import DEMO_PARENT, PASSWORD
from tests.factories import astana

AT = astana(2026, 11, 18, 18, 20)  # a working Wednesday, after the day's 18:00 bulletin


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module, and remove it afterwards (the test database is shared)."""
    with django_db_blocker.unblock():
        out = io.StringIO()
        applications = 2000 if connection.vendor == "sqlite" else 800
        call_command("load_demo", applications=applications, at=AT.isoformat(), stdout=out)
        yield {"output": out.getvalue(), "now": AT, "applications": applications}
        call_command("flush", interactive=False, verbosity=0)


def _snapshot() -> dict:
    models = (Locality, Kindergarten, Group, get_user_model(), Application, Seat, Publication, Bulletin, Grant, Direction, Message)
    snapshot = {model.__name__: model.objects.count() for model in models}
    snapshot["counters"] = dict(Counter.objects.values_list("name", "value"))
    snapshot["statuses"] = dict(Application.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return snapshot


@pytest.mark.django_db
def test_demo_fills_the_free_seat_registry_with_priority_and_general_seats(demo):
    now = demo["now"]
    states = {effective_state(seat, now) for seat in Seat.objects.filter(state__in=Seat.PUBLISHED_STATES)}
    assert states == {"priority", "general"}
    # Released after today's 18:00 bulletin, waiting for tomorrow's; the report names the moment.
    released = Seat.objects.filter(state=Seat.State.RELEASED)
    assert released.exists() and all(astana(2026, 11, 18, 18) <= seat.released_at <= now for seat in released)
    assert "as of 18.11.2026 18:20 Astana time" in demo["output"]


@pytest.mark.django_db
def test_demo_fills_the_release_protocol_with_publications_withdrawals_and_republications(demo):
    assert Bulletin.objects.count() >= 10
    assert Publication.objects.count() >= 100
    assert Seat.objects.filter(state=Seat.State.WITHDRAWN, publications__isnull=False).exists()
    # A seat whose direction ended went back and was published again (SPEC §5).
    assert Publication.objects.values("seat").annotate(n=Count("pk")).filter(n__gte=2).exists()
    assert Publication.objects.filter(seat__group__kind="special").exists()
    assert Publication.objects.filter(seat__group__kind="sanatorium").exists()


@pytest.mark.django_db
def test_demo_fills_the_directions_protocol_with_every_outcome(demo):
    statuses = set(Direction.objects.values_list("status", flat=True))
    assert {"issued", "enrolled", "expired", "cancelled"} <= statuses
    assert Direction.objects.filter(status="expired").count() >= 1
    assert Direction.objects.filter(extended=True).exists()
    for direction in Direction.objects.filter(status__in=Direction.ACTIVE_STATUSES):
        assert direction.application.status == Application.Status.DIRECTED
        assert direction.seat.state == Seat.State.CLAIMED


@pytest.mark.django_db
def test_demo_fills_the_queue_lists_of_every_locality_and_birth_year(demo):
    year = enrollment_year(demo["now"])
    for locality in Locality.objects.all():
        assert Application.objects.filter(locality=locality, status="queued").count() >= 10, locality.code
    temirtau = Locality.objects.get(code="temirtau")
    for age in range(0, 6):
        assert len(queue_order(locality_id=temirtau.pk, birth_year=year - age, kind="general")) >= 10, age
    assert sum(len(queue_order(locality_id=temirtau.pk, birth_year=y, kind="special")) for y in range(year - 7, year)) >= 3
    assert sum(len(queue_order(locality_id=temirtau.pk, birth_year=y, kind="sanatorium")) for y in range(year - 7, year)) >= 3


@pytest.mark.django_db
def test_demo_counters_have_recent_enrollments_and_withdrawals(demo):
    five_days_ago = demo["now"] - dt.timedelta(days=5)
    assert Kindergarten.objects.count() >= 20
    assert Application.objects.filter(status="enrolled", status_changed_at__gte=five_days_ago).exists()
    assert Application.objects.filter(status="withdrawn", status_changed_at__gte=five_days_ago).exists()


@pytest.mark.django_db
def test_demo_applications_are_realistic(demo):
    applications = Application.objects.all()
    total = applications.count()
    assert total == demo["applications"]
    assert all(iin_is_valid(iin) for iin in applications.values_list("child_iin", flat=True))
    assert all(iin_is_valid(iin) for iin in applications.values_list("applicant_iin", flat=True))
    benefits = dict(applications.values_list("benefit").annotate(n=Count("pk")).order_by())
    assert 0.025 <= benefits["extraordinary"] / total <= 0.075  # ≈5 %
    assert 0.11 <= benefits["priority"] / total <= 0.21  # ≈15 %
    statuses = set(applications.values_list("benefit_status", flat=True))
    assert {"claimed", "confirmed", "rejected"} <= statuses
    categories = set(applications.exclude(benefit="none").values_list("benefit_category", flat=True))
    assert {"military", "pedagogue", "large_family", "orphan", "sen"} <= categories
    assert applications.filter(sen_pmpk=True, wants_special=True).exists()
    assert applications.filter(sen_pmpk=True, wants_sanatorium=True).exists()
    assert applications.filter(status="archived", archive_reason="over_age").exists()
    assert set(applications.values_list("language", flat=True)) == {"kk", "ru"}
    # Kazakhstan mobile numbers (phonenumbers' metadata) already in the one stored form.
    phones = [p for pair in applications.values_list("phone", "phone2") for p in pair if p]
    assert phones and all(phone_normalize(phone) == phone for phone in phones)
    assert phone_normalize(DEMO_PARENT["phone"]) == DEMO_PARENT["phone"] and phone_normalize(DEMO_PARENT["phone2"]) == DEMO_PARENT["phone2"]
    filed = [local(t) for t in applications.values_list("filed_at", flat=True)]
    now = demo["now"]
    assert min(filed) <= now - dt.timedelta(days=2 * 365) and max(filed) <= now
    assert applications.filter(child_first_name="").count() == 0


@pytest.mark.django_db
def test_demo_has_groups_of_every_age_in_both_languages_and_special_kinds(demo):
    groups = Group.objects.filter(kindergarten__locality__code="temirtau")
    for age in range(1, 7):
        for language in ("kk", "ru"):
            assert groups.filter(age_from=age, age_to=age + 1, language=language, kind="general").exists(), (age, language)
    assert Group.objects.filter(language="both").exists()
    assert groups.filter(kind="special").exists()
    assert groups.filter(kind="sanatorium").exists()


@pytest.mark.django_db
def test_demo_users_log_in_with_the_demo_password(demo):
    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(PASSWORD)
    operator = users.get(username="operator-arman")
    assert operator.check_password(PASSWORD) and not operator.is_staff
    assert list(operator.kindergartens.values_list("code", flat=True)) == ["arman"]
    assert users.filter(kindergartens__isnull=False).distinct().count() == Kindergarten.objects.count()  # one operator each
    for role in ("clerk", "supervisor", "auditor"):
        user = users.get(username=role)
        assert user.is_staff and not user.is_superuser and user.check_password(PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [role]


@pytest.mark.django_db
def test_demo_parent_has_one_child_waiting_and_one_with_a_direction(demo):
    assert DEMO_PARENT["applicant_iin"] in demo["output"] and DEMO_PARENT["phone"] in demo["output"]
    children = Application.objects.filter(applicant_iin=DEMO_PARENT["applicant_iin"], phone=DEMO_PARENT["phone"]).order_by("child_birth_date")
    elder, younger = children
    assert elder.status == Application.Status.DIRECTED
    assert elder.directions.get().status == Direction.Status.ISSUED  # benefit confirmed long ago
    assert younger.status == Application.Status.QUEUED
    assert application_positions(younger)["general"].position >= 1
    cabinet = Cabinet.objects.get(iin=DEMO_PARENT["applicant_iin"])
    assert check_password(PASSWORD, cabinet.password)


@pytest.mark.django_db
def test_demo_history_was_delivered_nothing_left_for_the_worker(demo):
    assert Message.objects.exists()
    assert not Message.objects.filter(status=Message.Status.QUEUED).exists()


@pytest.mark.django_db
def test_a_second_run_says_so_and_changes_nothing(demo):
    before = _snapshot()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert _snapshot() == before
