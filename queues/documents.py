"""Benefit documents: PDF, JPEG or PNG up to 5 MB, recognised by content, not by name or header."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from audit.services import audit_record
from core.errors import Refusal
from queues.models import Application, BenefitDocument

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def document_sniff(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an allowed file; Refusal("bad_document") for anything else."""
    if upload.size is None or upload.size == 0 or upload.size > MAX_DOCUMENT_BYTES:
        raise Refusal("bad_document")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    raise Refusal("bad_document")


def benefit_document_attach(*, application: Application, upload: UploadedFile, now: dt.datetime) -> BenefitDocument:
    content_type, extension = document_sniff(upload)
    with transaction.atomic():
        document = BenefitDocument(
            application=application,
            original_name=(upload.name or "document")[:255],
            content_type=content_type,
            size=upload.size,
            uploaded_at=now,
        )
        # A random stored name: nothing of the parent's file name reaches the disk path.
        document.file.save(f"{secrets.token_hex(16)}.{extension}", upload, save=False)
        document.save()
        audit_record(action="benefit.document_attach", obj=application, now=now, details={"document": document.pk, "type": content_type})
    return document


PENDING_MAX_AGE = 24 * 3600  # an abandoned application wizard's documents are removed after a day


def pending_documents_dir() -> Path:
    """Documents uploaded in the application wizard wait here (private storage) until the filing."""
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "apply-pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pending_documents_sweep() -> int:
    """Remove waiting documents older than a day (abandoned wizards). Idempotent; returns how many."""
    cutoff = time.time() - PENDING_MAX_AGE
    removed = 0
    for entry in pending_documents_dir().iterdir():
        with contextlib.suppress(OSError):
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                entry.unlink()
                removed += 1
    return removed
