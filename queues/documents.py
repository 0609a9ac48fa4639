"""Benefit documents: PDF, JPEG or PNG up to 5 MB, recognised by content, not by name or header;
at most 5 of them and 15 MB together per application, in the wizard as after the filing."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Sum

from audit.services import audit_record
from core.errors import Refusal
from queues.models import Application, BenefitDocument

MB = 1024 * 1024
MAX_DOCUMENT_BYTES = 5 * MB
# Per application, over every sending of the wizard: enough for any benefit's papers, and a bound
# on what one wizard can put on the disk (its phones are confirmed by SMS, so wizards are not free).
MAX_DOCUMENTS = 5
MAX_DOCUMENTS_TOTAL_BYTES = 15 * MB
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


def documents_budget_check(*, count: int, total: int, size: int) -> None:
    """May one more document of `size` bytes join `count` documents of `total` bytes? Refusal if not."""
    if count >= MAX_DOCUMENTS:
        raise Refusal("too_many_documents", count=MAX_DOCUMENTS)
    if total + size > MAX_DOCUMENTS_TOTAL_BYTES:
        raise Refusal("documents_too_large", total=MAX_DOCUMENTS_TOTAL_BYTES // MB)


def benefit_document_attach(*, application: Application, upload: UploadedFile, now: dt.datetime) -> BenefitDocument:
    content_type, extension = document_sniff(upload)
    with transaction.atomic():
        # The application's row lock: two attachments at once each count the other.
        Application.objects.select_for_update().only("pk").get(pk=application.pk)
        held = BenefitDocument.objects.filter(application=application).aggregate(count=Count("id"), total=Sum("size"))
        documents_budget_check(count=held["count"], total=held["total"] or 0, size=upload.size)
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
    """Documents uploaded in the application wizard wait here (private storage) until the filing,
    in one folder per wizard (a random name kept in its session)."""
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "apply-pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pending_folder_name() -> str:
    return secrets.token_hex(16)


def _pending_folder(name: str) -> Path:
    if not (isinstance(name, str) and name.isalnum()):
        raise ValueError("not a pending documents folder")
    return pending_documents_dir() / name


@contextlib.contextmanager
def _folder_locked(folder: Path, *, wait: bool = True) -> Iterator[int]:
    """An exclusive lock on the folder among this machine's processes (BlockingIOError if busy and not `wait`)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield fd
    finally:
        os.close(fd)  # and with it the lock


def _held(folder: Path) -> tuple[int, int]:
    files = [entry.stat().st_size for entry in folder.iterdir() if entry.is_file()]
    return len(files), sum(files)


def pending_documents_held(*, folder: str) -> tuple[int, int]:
    """(count, bytes) of the documents waiting in a wizard's folder: what is on the disk, whatever the session says."""
    path = _pending_folder(folder)
    return _held(path) if path.is_dir() else (0, 0)


def pending_document_store(*, folder: str, upload: UploadedFile, extension: str) -> str:
    """Keep a checked upload in the wizard's folder under a random name; Refusal past the limits.

    The limits are counted on the disk under the folder's lock, so two sendings of one wizard at
    once cannot both take the last place."""
    path = _pending_folder(folder)
    for _attempt in range(2):
        path.mkdir(exist_ok=True)
        with _folder_locked(path) as fd:
            if os.fstat(fd).st_nlink == 0:  # the sweep removed the idle folder meanwhile: anew
                continue
            count, total = _held(path)
            documents_budget_check(count=count, total=total, size=upload.size or 0)
            token = secrets.token_hex(16)
            target = path / f"{token}.{extension}"
            try:
                with open(target, "xb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
            except OSError:
                target.unlink(missing_ok=True)  # no half-written file counts or stays
                raise
            return token
    raise OSError("the pending documents folder vanished twice")


def pending_document_path(*, folder: str, token: str, extension: str) -> Path:
    if not (token.isalnum() and extension.isalnum()):
        raise ValueError("not a pending document")
    return (_pending_folder(folder) if folder else pending_documents_dir()) / f"{token}.{extension}"


def pending_folder_remove(*, folder: str) -> None:
    """Forget a wizard's documents, all of them (also any a lost parallel sending left behind)."""
    path = _pending_folder(folder)
    with contextlib.suppress(FileNotFoundError), _folder_locked(path):  # not there (never used, or swept): nothing to do
        for entry in path.iterdir():
            entry.unlink(missing_ok=True)
        path.rmdir()


def pending_documents_sweep() -> int:
    """Remove waiting documents older than a day (abandoned wizards), and the folders of wizards idle
    for a day. Idempotent; returns how many documents."""
    cutoff = time.time() - PENDING_MAX_AGE
    removed = 0
    for entry in pending_documents_dir().iterdir():
        with contextlib.suppress(OSError):
            if entry.is_dir():
                removed += _folder_sweep(entry, cutoff)
            elif entry.is_file() and entry.stat().st_mtime < cutoff:  # from before the per-wizard folders
                entry.unlink()
                removed += 1
    return removed


def _folder_sweep(folder: Path, cutoff: float) -> int:
    removed = 0
    with _folder_locked(folder, wait=False) as fd:  # busy (a file being written): the next sweep
        idle = os.fstat(fd).st_mtime < cutoff  # nothing added or removed for a day: the wizard is gone
        for entry in folder.iterdir():
            if idle or entry.stat().st_mtime < cutoff:
                entry.unlink()
                removed += 1
        if idle:
            folder.rmdir()
    return removed
