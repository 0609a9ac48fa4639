"""Benefit documents: PDF/JPEG/PNG up to 5 MB by content; served only to staff."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import Refusal
from core.iin import iin_build
from queues.documents import MAX_DOCUMENT_BYTES, MB, benefit_document_attach
from queues.models import BenefitDocument, Locality
from queues.services import application_file

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


@pytest.fixture
def application(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    Locality.objects.create(code="temirtau", name="Темиртау")
    return application_file(
        child_iin=iin_build(dt.date(2022, 3, 4)), locality_code="temirtau", benefit="priority", benefit_category="large_family", now=timezone.now()
    )


@pytest.mark.parametrize(("content", "kind"), [(PDF, "application/pdf"), (PNG, "image/png"), (b"\xff\xd8\xff\xe0" + b"0" * 50, "image/jpeg")])
def test_pdf_jpeg_and_png_are_accepted_by_content(application, content, kind):
    document = benefit_document_attach(application=application, upload=SimpleUploadedFile("справка.bin", content), now=timezone.now())
    assert document.content_type == kind
    assert "справка" not in document.file.name  # stored under a random name


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf"),
        SimpleUploadedFile("page.png", b"<html><script>alert(1)</script>"),
        SimpleUploadedFile("empty.pdf", b""),
        SimpleUploadedFile("huge.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES),
    ],
)
def test_anything_else_is_refused(application, upload):
    with pytest.raises(Refusal) as refusal:
        benefit_document_attach(application=application, upload=upload, now=timezone.now())
    assert refusal.value.code == "bad_document"


def test_documents_are_served_to_staff_only(client, application):
    document = benefit_document_attach(application=application, upload=SimpleUploadedFile("a.pdf", PDF), now=timezone.now())
    url = f"/staff/documents/{document.pk}/"
    assert client.get(url).status_code in (302, 403)
    client.force_login(User.objects.create_user("someone", password="x-Long-Password-1"))
    assert client.get(url).status_code == 403
    client.force_login(User.objects.create_superuser("boss", password="x-Long-Password-1"))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"


def test_documents_of_abandoned_wizards_are_swept_after_a_day(settings, tmp_path):
    import os
    import time

    from queues.documents import pending_documents_dir, pending_documents_sweep
    from queues.tasks import pending_documents_sweep as sweep_task

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    old, fresh = pending_documents_dir() / "old.pdf", pending_documents_dir() / "fresh.pdf"
    old.write_bytes(PDF)
    fresh.write_bytes(PDF)
    day_ago = time.time() - 24 * 3600 - 5
    os.utime(old, (day_ago, day_ago))
    assert pending_documents_sweep() == 1
    assert not old.exists() and fresh.exists()
    assert sweep_task.apply().get() == 0


def test_a_filed_application_takes_at_most_5_documents(application):
    for i in range(5):
        benefit_document_attach(application=application, upload=SimpleUploadedFile(f"{i}.pdf", PDF), now=timezone.now())
    with pytest.raises(Refusal) as refusal:
        benefit_document_attach(application=application, upload=SimpleUploadedFile("6.pdf", PDF), now=timezone.now())
    assert refusal.value.code == "too_many_documents"
    assert "не более 5 документов" in refusal.value.message  # Russian: the default language
    assert BenefitDocument.objects.filter(application=application).count() == 5


def test_a_filed_application_takes_at_most_15_mb_of_documents(application):
    for i in range(3):
        benefit_document_attach(application=application, upload=SimpleUploadedFile(f"{i}.pdf", b"%PDF-" + b"0" * (4 * MB)), now=timezone.now())
    with pytest.raises(Refusal) as refusal:
        benefit_document_attach(application=application, upload=SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (3 * MB)), now=timezone.now())
    assert refusal.value.code == "documents_too_large"
    assert "не более 15 МБ" in refusal.value.message  # Russian: the default language
    assert BenefitDocument.objects.filter(application=application).count() == 3
