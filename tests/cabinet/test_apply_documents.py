"""Benefit documents in the apply wizard cannot fill the disk (issue 8, item 4): at most 5 documents
and 15 MB together per wizard, over all its sendings; a sending bigger than what is left is refused
before its files are read; uploads are rate-limited; a cleared or abandoned wizard's files go."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from core.errors import Refusal
from queues.documents import MAX_DOCUMENTS, MB, pending_documents_sweep
from queues.models import Application, BenefitDocument
from queues.views._wizard import document_keep
from tests.cabinet.test_apply_wizard import CHILD_IIN, benefit_data, file_it, through_child

pytestmark = pytest.mark.django_db

URL = "/cabinet/apply/benefit/"
EXTRAORDINARY = benefit_data(benefit="extraordinary", benefit_category="military")


@pytest.fixture
def world(clock, temirtau):
    return temirtau


def pdf(name: str, size: int = 300) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + b"0" * (size - 9), content_type="application/pdf")


def stored(settings) -> list[Path]:
    """Every waiting document on the disk, whatever folder it is in."""
    return sorted(p for p in (Path(settings.PRIVATE_MEDIA_ROOT) / "apply-pending").rglob("*") if p.is_file())


def send(client, *files: SimpleUploadedFile):
    return client.post(URL, {**EXTRAORDINARY, "documents": list(files)})


def message(code: str, **params) -> str:
    with translation.override("en"):
        return escape(Refusal(code, **params).message)


def test_the_sixth_document_is_refused_with_the_limit_and_not_stored(client, world, capture, settings):
    through_child(client, capture)
    assert send(client, *(pdf(f"справка-{i}.pdf") for i in range(4))).status_code == 302
    response = send(client, pdf("справка-4.pdf"), pdf("справка-5.pdf"))
    page = response.content.decode()
    assert response.status_code == 200
    assert message("too_many_documents", count=MAX_DOCUMENTS) in page
    assert len(stored(settings)) == 5
    assert all(f"справка-{i}.pdf" in page for i in range(5)) and "справка-5.pdf" not in page  # what was attached stays

    assert file_it(client, capture).url == "/cabinet/apply/done/"
    assert BenefitDocument.objects.filter(application=Application.objects.get(child_iin=CHILD_IIN)).count() == 5


def test_the_total_is_capped_across_two_sendings(client, world, capture, settings):
    through_child(client, capture)
    assert send(client, *(pdf(f"скан-{i}.pdf", 4 * MB) for i in range(3))).status_code == 302  # 12 MB
    response = send(client, pdf("скан-3.pdf", 4 * MB))  # 16 MB together
    assert response.status_code == 413
    page = response.content.decode()
    assert message("documents_too_large", total=15) in page
    assert "скан-0.pdf" in page and "скан-3.pdf" not in page
    assert len(stored(settings)) == 3
    # What still fits is taken: 12 MB + 2.9 MB.
    assert send(client, pdf("скан-4.pdf", int(2.9 * MB))).status_code == 302
    assert len(stored(settings)) == 4


def test_an_oversize_sending_is_refused_before_its_files_are_read(client, world, capture, settings, monkeypatch):
    through_child(client, capture)

    def parse(*args, **kwargs):
        raise AssertionError("the sending's files were read")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", parse)
    response = send(client, *(pdf(f"фото-{i}.pdf", int(4.5 * MB)) for i in range(4)))  # 18 MB in one sending
    assert response.status_code == 413
    assert message("documents_too_large", total=15) in response.content.decode()
    assert stored(settings) == []


def test_the_benefit_step_still_checks_the_csrf_token(client, world, capture, settings):
    # The view is csrf_exempt only so that the size check comes first; csrf_protect follows it.
    through_child(client, capture)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(URL, {**EXTRAORDINARY, "documents": [pdf("a.pdf")]}).status_code == 403
    assert stored(settings) == []


def test_two_sendings_at_once_cannot_both_take_the_last_places(settings):
    """The limit is counted on the disk under the wizard folder's lock, not in the session each sending read."""
    wizard = {"documents": []}
    document_keep(wizard=wizard, upload=pdf("first.pdf"), content_type="application/pdf", extension="pdf")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def keep(index: int) -> None:
        barrier.wait(timeout=10)
        try:
            document_keep(wizard=dict(wizard), upload=pdf(f"{index}.pdf"), content_type="application/pdf", extension="pdf")
            outcomes.append("kept")
        except Refusal as refusal:
            outcomes.append(refusal.code)

    threads = [threading.Thread(target=keep, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["kept"] * 4 + ["too_many_documents"] * 4
    assert len(stored(settings)) == 5


def test_a_cleared_wizard_takes_its_files_with_it(client, world, capture, settings):
    through_child(client, capture)
    send(client, pdf("a.pdf"), pdf("b.pdf"))
    assert len(stored(settings)) == 2
    client.post("/cabinet/apply/cancel/")
    assert stored(settings) == []
    assert list((Path(settings.PRIVATE_MEDIA_ROOT) / "apply-pending").iterdir()) == []  # the wizard's folder too


def test_removing_the_attached_documents_frees_the_places(client, world, capture, settings):
    through_child(client, capture)
    send(client, *(pdf(f"{i}.pdf") for i in range(5)))
    client.post(URL, {"remove_documents": "1"})
    assert stored(settings) == []
    assert send(client, *(pdf(f"new-{i}.pdf") for i in range(5))).status_code == 302
    assert len(stored(settings)) == 5


def test_an_abandoned_wizards_files_are_swept_after_a_day(client, world, capture, settings):
    through_child(client, capture)
    send(client, pdf("a.pdf"), pdf("b.pdf"))
    (abandoned,) = {path.parent for path in stored(settings)}
    day_ago = time.time() - 24 * 3600 - 5
    for path in [*stored(settings), abandoned]:
        os.utime(path, (day_ago, day_ago))
    fresh = {"documents": []}
    document_keep(wizard=fresh, upload=pdf("fresh.pdf"), content_type="application/pdf", extension="pdf")  # sweeps too

    assert len(stored(settings)) == 1 and stored(settings)[0].parent.name == fresh["documents_folder"]
    assert not abandoned.exists()
    assert pending_documents_sweep() == 0  # idempotent


def test_uploads_are_rate_limited_per_client(client, world, capture, settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "apply-documents-rate-limit"}}
    monkeypatch.setattr("core.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    through_child(client, capture)
    statuses = [client.post(URL, {"remove_documents": "1"}, REMOTE_ADDR="10.2.2.2").status_code for _ in range(31)]
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429
