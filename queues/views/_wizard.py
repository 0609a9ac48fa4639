"""The apply wizard's state: in the session (never in a URL), plus the benefit documents waiting on
the private disk until the application is filed."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from queues.documents import pending_documents_dir, pending_documents_sweep

WIZARD = "apply_wizard"
DONE = "apply_done"

# Where a refusal of application_file (SPEC §3) is shown: the step and the field.
REFUSAL_FIELDS: dict[str, tuple[str, str]] = {
    "invalid_iin": ("child", "child_iin"),
    "birth_date_mismatch": ("child", "child_iin"),
    "over_age": ("child", "child_iin"),
    "duplicate": ("child", "child_iin"),
    "unknown_locality": ("child", "locality"),
    "invalid_applicant_iin": ("child", "applicant_iin"),
    "pmpk_required": ("benefit", "queues"),
    "invalid_benefit_category": ("benefit", "benefit_category"),
    "bad_document": ("benefit", "documents"),
}


def wizard_get(request: HttpRequest) -> dict[str, Any]:
    return request.session.get(WIZARD) or {"phones": {"1": {}, "2": {}}, "child": None, "benefit": None, "documents": [], "refusal": None}


def wizard_put(request: HttpRequest, wizard: dict[str, Any]) -> None:
    request.session[WIZARD] = wizard  # a new value: the session saves nested changes too


def phones_confirmed(wizard: dict[str, Any]) -> bool:
    return all(wizard["phones"].get(slot, {}).get("confirmed") for slot in ("1", "2"))


def first_open_step(wizard: dict[str, Any]) -> str:
    """The URL name of the first step not done yet."""
    if not phones_confirmed(wizard):
        return "queues:apply"
    if not wizard.get("child"):
        return "queues:apply_child"
    if not wizard.get("benefit"):
        return "queues:apply_benefit"
    return "queues:apply_review"


def refusal_for(wizard: dict[str, Any], step: str) -> tuple[str, str] | None:
    """(field, code) of a filing refusal to show on this step, taken out of the wizard."""
    refusal = wizard.get("refusal")
    if refusal and REFUSAL_FIELDS.get(refusal, ("", ""))[0] == step:
        wizard["refusal"] = None
        return REFUSAL_FIELDS[refusal][1], refusal
    return None


# --- documents waiting for the filing -----------------------------------------------------------------


def _pending_dir() -> Path:
    return pending_documents_dir()


def document_keep(upload: UploadedFile, content_type: str, extension: str) -> dict[str, Any]:
    """Store an already checked upload under a random name until the filing; its session record."""
    folder = _pending_dir()
    pending_documents_sweep()
    token = secrets.token_hex(16)
    with open(folder / f"{token}.{extension}", "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return {"token": token, "extension": extension, "name": (upload.name or "document")[:255], "size": upload.size, "type": content_type}


def document_open(record: dict[str, Any]) -> File:
    return File(open(_pending_dir() / f"{record['token']}.{record['extension']}", "rb"), name=record["name"])


def documents_drop(records: list[dict[str, Any]]) -> None:
    folder = _pending_dir()
    for record in records:
        token, extension = str(record.get("token", "")), str(record.get("extension", ""))
        if token.isalnum() and extension.isalnum():
            (folder / f"{token}.{extension}").unlink(missing_ok=True)


def wizard_clear(request: HttpRequest) -> None:
    wizard = request.session.pop(WIZARD, None)
    if wizard:
        documents_drop(wizard.get("documents") or [])
