"""Issue 11, item 6: a clerk files a walk-in application in the admin, through application_file,
with the parent's phones confirmed by the codes the parent reads out (SMS from the outbox)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Cabinet, OneTimeCode
from audit.models import AuditRecord
from core.calendar import local
from core.errors import Refusal
from core.iin import iin_build
from notifications.models import OutboxSms
from queues.models import Application, Locality
from queues.services import application_file
from tests.admin.conftest import staff_user

pytestmark = pytest.mark.django_db

DESK_URL = "/admin/queues/application/desk/"
CODES_URL = "/admin/queues/application/desk/codes/"
PARENT_IIN = iin_build(dt.date(1991, 4, 12), female=True, serial=2345)
PHONE, PHONE2 = "77011112233", "77024445566"
VICTIM_IIN = iin_build(dt.date(1990, 5, 17), female=True, serial=1234)
VICTIM_PHONE, VICTIM_PHONE2 = "77051234567", "77057654321"
PDF = b"%PDF-1.7\n" + b"0" * 100


def _born(years: int = 2) -> dt.date:
    today = local(timezone.now()).date()
    return today.replace(year=today.year - years, day=1)


CHILD_IIN = iin_build(_born(), serial=404)


def last_code(phone: str) -> str:
    sms = OutboxSms.objects.filter(phone=phone).order_by("-id").first()
    assert sms is not None, "no SMS was sent to the phone"
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def karaganda(db) -> Locality:
    return Locality.objects.create(code="karaganda", name="Караганда", name_kk="Қарағанды")


@pytest.fixture
def desk_clerk(db) -> User:
    """A member of the clerk group, with exactly the role's permissions (accounts/roles.py)."""
    user = User.objects.create_user("aigul", password="Long-Password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="clerk"))
    return user


def form_data(**overrides) -> dict:
    data = {
        "child_iin": CHILD_IIN,
        "child_last_name": "Сейтқали",
        "child_first_name": "Әлихан",
        "child_middle_name": "",
        "birth_certificate": "",
        "locality": "karaganda",
        "applicant_iin": PARENT_IIN,
        "applicant_last_name": "Сейтқали",
        "applicant_first_name": "Гүлнар",
        "applicant_middle_name": "",
        "phone": "+7 701 111 22 33",
        "phone2": "8 702 444 55 66",
        "address": "Қарағанды, Бұқар жырау даңғылы, 1",
        "benefit": "none",
        "benefit_category": "",
        "channel": "sms",
        "email": "",
        "language": "kk",
    }
    data.update(overrides)
    return data


def start(client, capture, **overrides):
    with capture(execute=True):
        response = client.post(DESK_URL, form_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == CODES_URL
    return response


def test_the_changelist_offers_the_walk_in_filing_to_clerks_only(client, desk_clerk):
    client.force_login(desk_clerk)
    assert DESK_URL in client.get("/admin/queues/application/").content.decode()
    reader = staff_user("reader", "queues.view_application", "queues.change_application")
    client.force_login(reader)
    assert DESK_URL not in client.get("/admin/queues/application/").content.decode()
    assert client.get(DESK_URL).status_code == 403
    assert client.post(CODES_URL, {"file": "1"}).status_code == 403


def test_a_clerk_files_a_walk_in_application_with_the_codes_the_parent_reads_out(client, capture, desk_clerk, karaganda):
    client.force_login(desk_clerk)
    assert client.get(DESK_URL).status_code == 200
    document = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    start(client, capture, benefit="priority", benefit_category="large_family", documents=document)

    page = client.get(CODES_URL).content.decode()
    assert "+7 701 *** ** 33" in page and "+7 702 *** ** 66" in page
    assert "certificate.pdf" in page and "children of large families" in page
    with capture(execute=True):
        response = client.post(CODES_URL, {"code_0": last_code(PHONE), "code_1": last_code(PHONE2), "file": "1"})

    application = Application.objects.get(child_iin=CHILD_IIN)
    assert response.status_code == 302 and response.url == f"/admin/queues/application/{application.pk}/change/"
    assert (application.child_first_name, application.applicant_iin, application.phone, application.phone2) == ("Әлихан", PARENT_IIN, PHONE, PHONE2)
    assert (application.benefit, application.benefit_category, application.benefit_status) == ("priority", "large_family", "claimed")
    assert application.language == "kk" and application.documents.count() == 1
    record = AuditRecord.objects.get(action="application.desk_filing")
    assert (record.actor_kind, record.actor, record.details["channel"], record.object_id) == ("staff", "aigul", "desk", str(application.pk))
    assert AuditRecord.objects.get(action="application.file").actor == "aigul"
    assert set(Cabinet.objects.get(iin=PARENT_IIN).phone_slots()) == {("1", PHONE), ("2", PHONE2)}
    assert not OneTimeCode.objects.filter(purpose="desk_filing", used_at__isnull=True).exists()  # used up
    assert client.get(CODES_URL).url == DESK_URL  # the walk-in is over


def test_a_wrong_code_is_refused_next_to_its_phone_and_nothing_is_filed(client, capture, desk_clerk, karaganda):
    client.force_login(desk_clerk)
    start(client, capture)
    wrong = "000000" if last_code(PHONE2) != "000000" else "111111"

    response = client.post(CODES_URL, {"code_0": last_code(PHONE), "code_1": wrong, "file": "1"})

    assert response.status_code == 200
    assert str(Refusal("code_wrong").message) in response.content.decode()
    assert not Application.objects.filter(child_iin=CHILD_IIN).exists()
    assert OneTimeCode.objects.filter(phone=PHONE2, attempts=1).exists()  # the wrong try counts (SPEC §9)


@pytest.fixture
def victim(karaganda) -> Application:
    """Another family's application: its cabinet opened with it, with the family's two phones."""
    return application_file(
        child_iin=iin_build(_born(3), serial=77),
        locality_code="karaganda",
        applicant_iin=VICTIM_IIN,
        phone=VICTIM_PHONE,
        phone2=VICTIM_PHONE2,
        child_last_name="Омарова",
        child_first_name="Айгерим",
        now=timezone.now() - dt.timedelta(days=30),
    )


def test_an_iin_with_another_familys_cabinet_needs_the_code_of_the_cabinets_phone(client, capture, desk_clerk, victim):
    """As in the wizard (issue 8): a stranger with their own two phones cannot file into the cabinet."""
    client.force_login(desk_clerk)
    start(client, capture, applicant_iin=VICTIM_IIN)
    page = client.get(CODES_URL).content.decode()
    assert "+7 705 *** ** 67" in page  # the cabinet's own first phone gets a code too
    assert "only its holder can file for this IIN" in page

    response = client.post(CODES_URL, {"code_0": last_code(PHONE), "code_1": last_code(PHONE2), "code_2": "", "file": "1"})

    assert response.status_code == 200
    assert not Application.objects.filter(child_iin=CHILD_IIN).exists()
    assert set(Cabinet.objects.get(iin=VICTIM_IIN).phone_slots()) == {("1", VICTIM_PHONE), ("2", VICTIM_PHONE2)}


def test_the_cabinets_holder_files_at_the_desk_with_the_cabinets_phone(client, capture, desk_clerk, victim):
    client.force_login(desk_clerk)
    start(client, capture, applicant_iin=VICTIM_IIN, phone=VICTIM_PHONE, phone2="")
    assert "only its holder" not in client.get(CODES_URL).content.decode()  # her own phone is the cabinet's

    with capture(execute=True):
        response = client.post(CODES_URL, {"code_0": last_code(VICTIM_PHONE), "file": "1"})

    assert response.status_code == 302
    assert Application.objects.get(child_iin=CHILD_IIN).applicant_iin == VICTIM_IIN


def test_the_services_refusals_show_on_the_codes_page(client, capture, desk_clerk, victim):
    """The same checks as the portal's: here the child already has a live application (SPEC §3)."""
    client.force_login(desk_clerk)
    start(client, capture, child_iin=victim.child_iin)

    response = client.post(CODES_URL, {"code_0": last_code(PHONE), "code_1": last_code(PHONE2), "file": "1"})

    assert str(Refusal("duplicate").message) in response.content.decode()
    assert Application.objects.filter(child_iin=victim.child_iin).count() == 1


def test_the_form_checks_names_iins_and_phones_before_any_code_is_sent(client, desk_clerk, karaganda):
    client.force_login(desk_clerk)
    response = client.post(
        DESK_URL, form_data(child_first_name="Alikhan2", applicant_iin=PARENT_IIN[:-1] + str((int(PARENT_IIN[-1]) + 1) % 10), phone="+7 495 123 45 67")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"child_first_name", "applicant_iin", "phone"}
    assert not OutboxSms.objects.exists()
