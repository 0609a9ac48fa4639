"""Issue 11, item 6: the application's admin page for a clerk: confirm or reject a benefit from the
page, with the category and the documents on the decision form; phones and IINs changed only with
a reason, checked and audited; the application's history from the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Cabinet
from audit.models import AuditRecord
from core.calendar import local
from core.errors import Refusal
from core.iin import iin_build
from placements.application_actions import benefit_confirm
from queues.documents import benefit_document_attach
from queues.models import Application, Locality
from queues.services import application_file

pytestmark = pytest.mark.django_db

PARENT_IIN = iin_build(dt.date(1991, 4, 12), female=True, serial=2345)
OTHER_IIN = iin_build(dt.date(1985, 1, 1), serial=99)
PHONE, PHONE2 = "77011112233", "77024445566"
PDF = b"%PDF-1.7\n" + b"0" * 100


def _born(years: int = 2) -> dt.date:
    today = local(timezone.now()).date()
    return today.replace(year=today.year - years, day=1)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def karaganda(db) -> Locality:
    return Locality.objects.create(code="karaganda", name="Караганда", name_kk="Қарағанды")


@pytest.fixture
def desk_clerk(db) -> User:
    user = User.objects.create_user("aigul", password="Long-Password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="clerk"))
    return user


def _file(karaganda, *, serial: int = 404, applicant_iin: str = PARENT_IIN, phone: str = PHONE, phone2: str = PHONE2, **kwargs) -> Application:
    return application_file(
        child_iin=iin_build(_born(), serial=serial),
        locality_code=karaganda.code,
        applicant_iin=applicant_iin,
        phone=phone,
        phone2=phone2,
        child_last_name="Сейтқали",
        child_first_name="Әлихан",
        now=timezone.now() - dt.timedelta(days=10),
        **kwargs,
    )


@pytest.fixture
def claimed(karaganda) -> Application:
    application = _file(karaganda, benefit="extraordinary", benefit_category="military")
    benefit_document_attach(application=application, upload=SimpleUploadedFile("order.pdf", PDF), now=timezone.now() - dt.timedelta(days=10))
    return application


def errors_text(response) -> str:
    return " ".join(message for messages in response.context["form"].errors.values() for message in messages)


def change_url(application: Application) -> str:
    return f"/admin/queues/application/{application.pk}/change/"


# --- benefit decisions --------------------------------------------------------------------------------


def test_a_claimed_benefit_has_confirm_and_reject_buttons_on_the_application_page(client, desk_clerk, claimed, karaganda):
    client.force_login(desk_clerk)
    page = client.get(change_url(claimed)).content.decode()
    assert f"/admin/queues/application/{claimed.pk}/benefit/confirm/" in page
    assert f"/admin/queues/application/{claimed.pk}/benefit/reject/" in page

    without = _file(karaganda, serial=505, applicant_iin=OTHER_IIN, phone="77479990011", phone2="")
    assert "/benefit/confirm/" not in client.get(change_url(without)).content.decode()


def test_the_decision_form_shows_the_category_and_the_documents(client, desk_clerk, claimed):
    client.force_login(desk_clerk)
    page = client.get(f"/admin/queues/application/{claimed.pk}/benefit/confirm/").content.decode()
    document = claimed.documents.get()
    assert "children of military servicemen" in page
    assert f'href="/staff/documents/{document.pk}/"' in page or f"/documents/{document.pk}/" in page
    assert "order.pdf" in page


def test_a_rejection_needs_a_reason_and_goes_through_the_service(client, desk_clerk, claimed):
    client.force_login(desk_clerk)
    url = f"/admin/queues/application/{claimed.pk}/benefit/reject/"

    assert client.post(url, {"reason": ""}).status_code == 200
    claimed.refresh_from_db()
    assert claimed.benefit_status == "claimed"

    response = client.post(url, {"reason": "The order is not signed"})
    assert response.status_code == 302 and response.url == change_url(claimed)
    claimed.refresh_from_db()
    assert (claimed.benefit_status, claimed.benefit_decision_reason) == ("rejected", "The order is not signed")
    record = AuditRecord.objects.get(action="benefit.reject")
    assert (record.actor, record.details["reason"]) == ("aigul", "The order is not signed")


def test_a_confirmation_from_the_page_confirms(client, desk_clerk, claimed):
    client.force_login(desk_clerk)
    client.post(f"/admin/queues/application/{claimed.pk}/benefit/confirm/", {"reason": ""})
    claimed.refresh_from_db()
    assert claimed.benefit_status == "confirmed"
    assert "/benefit/confirm/" not in client.get(change_url(claimed)).content.decode()


def test_the_bulk_decision_form_shows_the_category_and_the_documents_too(client, desk_clerk, claimed):
    client.force_login(desk_clerk)
    page = client.post("/admin/queues/application/", {"action": "confirm_benefit", "_selected_action": [claimed.pk]}).content.decode()
    assert "children of military servicemen" in page and "order.pdf" in page


# --- phones and IINs ------------------------------------------------------------------------------------


def test_phones_and_iins_cannot_be_edited_directly_on_the_change_form(client, desk_clerk, karaganda):
    application = _file(karaganda)
    client.force_login(desk_clerk)
    form = client.get(change_url(application)).context["adminform"].form
    assert not {"phone", "phone2", "child_iin", "applicant_iin"} & set(form.fields)

    client.post(change_url(application), {"phone": "77470001122", "applicant_iin": OTHER_IIN, "channel": "sms", "language": "ru"})
    application.refresh_from_db()
    assert (application.phone, application.applicant_iin) == (PHONE, PARENT_IIN)


def test_a_change_of_phone_needs_a_reason_and_is_audited_masked(client, desk_clerk, karaganda):
    application = _file(karaganda)
    client.force_login(desk_clerk)
    url = f"/admin/queues/application/{application.pk}/contacts/"
    assert "/contacts/" in client.get(change_url(application)).content.decode()
    data = {"child_iin": application.child_iin, "applicant_iin": PARENT_IIN, "phone": "+7 747 000 11 22", "phone2": "", "reason": ""}

    response = client.post(url, data)
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert Application.objects.get(pk=application.pk).phone == PHONE

    response = client.post(url, {**data, "reason": "The parent lost the SIM card"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.phone, application.phone2) == ("77470001122", PHONE2)
    record = AuditRecord.objects.get(action="application.contacts_correct")
    assert record.details == {"reason": "The parent lost the SIM card"}
    assert record.changes == {"phone": ["7701*****33", "7747*****22"]}
    assert AuditRecord.objects.filter(action="application.phone_change", object_id=str(application.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("child_iin", "iin-checksum", "invalid_iin"),
        ("child_iin", "other-birth-date", "birth_date_mismatch"),
        ("applicant_iin", "iin-checksum", "invalid_applicant_iin"),
        ("phone", "+7 495 123 45 67", "invalid_phone"),
        ("phone2", "+7 701 111 22 33", "same_phones"),
    ],
)
def test_a_correction_is_checked(client, desk_clerk, karaganda, field, value, code):
    application = _file(karaganda)
    current = {"child_iin": application.child_iin, "applicant_iin": PARENT_IIN}
    if value == "iin-checksum":
        value = current[field][:-1] + str((int(current[field][-1]) + 1) % 10)
    elif value == "other-birth-date":
        value = iin_build(_born(3), serial=404)
    client.force_login(desk_clerk)
    data = {**current, "phone": PHONE, "phone2": "", "reason": "typo", field: value}

    response = client.post(f"/admin/queues/application/{application.pk}/contacts/", data)

    assert response.status_code == 200
    assert str(Refusal(code).message) in errors_text(response)
    assert not AuditRecord.objects.filter(action="application.contacts_correct").exists()


def test_an_applicant_iin_cannot_move_the_application_into_another_familys_cabinet(client, desk_clerk, karaganda):
    _file(karaganda, serial=606, applicant_iin=OTHER_IIN, phone="77479990011", phone2="")
    application = _file(karaganda)
    client.force_login(desk_clerk)
    data = {"child_iin": application.child_iin, "applicant_iin": OTHER_IIN, "phone": PHONE, "phone2": "", "reason": "typo"}

    response = client.post(f"/admin/queues/application/{application.pk}/contacts/", data)

    assert str(Refusal("cabinet_other_family").message) in errors_text(response)
    assert Application.objects.get(pk=application.pk).applicant_iin == PARENT_IIN


def test_a_corrected_applicant_iin_without_a_cabinet_gets_one(client, desk_clerk, karaganda):
    application = _file(karaganda)
    new_iin = iin_build(dt.date(1992, 2, 2), female=True, serial=321)
    client.force_login(desk_clerk)
    data = {"child_iin": application.child_iin, "applicant_iin": new_iin, "phone": PHONE, "phone2": "", "reason": "the father applies"}

    assert client.post(f"/admin/queues/application/{application.pk}/contacts/", data).status_code == 302

    assert Application.objects.get(pk=application.pk).applicant_iin == new_iin
    assert Cabinet.objects.get(iin=new_iin).phone == PHONE
    record = AuditRecord.objects.get(action="application.contacts_correct")
    assert record.changes == {"applicant_iin": [f"{PARENT_IIN[:4]}********", f"{new_iin[:4]}********"]}


# --- the timeline ---------------------------------------------------------------------------------------


def test_the_timeline_lists_the_applications_audit_records_in_words_oldest_first(client, desk_clerk, claimed):
    benefit_confirm(application=claimed, now=timezone.now(), reason="")
    client.force_login(desk_clerk)

    page = client.get(change_url(claimed)).content.decode()

    timeline = page[page.index('id="timeline"') :]
    filed, attached, confirmed = (timeline.index(label) for label in ("Application filed", "Benefit document attached", "Benefit confirmed"))
    assert filed < attached < confirmed
    assert "the system" in timeline and "education department staff" not in timeline  # filed by the test, confirmed by no request
    assert "benefit.confirm" not in timeline
    filed_at = local(claimed.filed_at).strftime("%d.%m.%Y %H:%M")
    assert filed_at in timeline  # Astana time
