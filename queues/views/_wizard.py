"""The apply wizard's state: in the session (never in a URL), plus the benefit documents waiting on
the private disk until the application is filed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from core.ratelimit import Limit, hashed
from queues.documents import (
    MAX_DOCUMENTS_TOTAL_BYTES,
    pending_document_path,
    pending_document_store,
    pending_documents_held,
    pending_documents_sweep,
    pending_folder_name,
    pending_folder_remove,
)

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
    "identity_mismatch": ("child", "applicant_iin"),
    "applicant_not_cabinet": ("child", "applicant_iin"),
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
    if cabinet_unproven(wizard):
        return "queues:apply_cabinet"
    if not wizard.get("benefit"):
        return "queues:apply_benefit"
    return "queues:apply_review"


def cabinet_unproven(wizard: dict[str, Any]) -> bool:
    """The applicant's IIN has a cabinet the parent has not yet proven to hold (issue 8): they log in
    to it, or confirm with a code sent to its phone. `wizard["cabinet"]`: {"iin", "confirmed", "id"}."""
    proof = wizard.get("cabinet")
    return bool(proof) and not proof.get("confirmed")


def refusal_for(wizard: dict[str, Any], step: str) -> tuple[str, str] | None:
    """(field, code) of a filing refusal to show on this step, taken out of the wizard."""
    refusal = wizard.get("refusal")
    if refusal and REFUSAL_FIELDS.get(refusal, ("", ""))[0] == step:
        wizard["refusal"] = None
        return REFUSAL_FIELDS[refusal][1], refusal
    return None


# --- documents waiting for the filing -----------------------------------------------------------------


def _folder(wizard: dict[str, Any]) -> str:
    """The wizard's own folder of waiting documents (named in the session, created on first use)."""
    if not wizard.get("documents_folder"):
        wizard["documents_folder"] = pending_folder_name()
    return wizard["documents_folder"]


def documents_bytes_left(wizard: dict[str, Any]) -> int:
    """How many bytes of documents this wizard may still attach (the disk counts, not the session)."""
    if not wizard.get("documents_folder"):
        return MAX_DOCUMENTS_TOTAL_BYTES
    return max(0, MAX_DOCUMENTS_TOTAL_BYTES - pending_documents_held(folder=wizard["documents_folder"])[1])


def document_keep(*, wizard: dict[str, Any], upload: UploadedFile, content_type: str, extension: str) -> dict[str, Any]:
    """Store an already checked upload until the filing (Refusal past the limits); its session record."""
    pending_documents_sweep()
    folder = _folder(wizard)
    token = pending_document_store(folder=folder, upload=upload, extension=extension)
    return {"folder": folder, "token": token, "extension": extension, "name": (upload.name or "document")[:255], "size": upload.size, "type": content_type}


def _path(record: dict[str, Any]):
    return pending_document_path(folder=str(record.get("folder", "")), token=str(record.get("token", "")), extension=str(record.get("extension", "")))


def document_open(record: dict[str, Any]) -> File:
    return File(open(_path(record), "rb"), name=record["name"])


def documents_drop(records: list[dict[str, Any]]) -> None:
    for record in records:
        with contextlib.suppress(ValueError):
            _path(record).unlink(missing_ok=True)


def wizard_documents_drop(wizard: dict[str, Any]) -> None:
    """Remove every waiting document of the wizard from the disk and from the wizard."""
    documents_drop(wizard.get("documents") or [])
    if wizard.get("documents_folder"):
        with contextlib.suppress(ValueError):
            pending_folder_remove(folder=wizard["documents_folder"])
    wizard["documents"] = []


def wizard_clear(request: HttpRequest) -> None:
    wizard = request.session.pop(WIZARD, None)
    if wizard:
        wizard_documents_drop(wizard)


def wizard_limits(scope: str, *, limit: int, window: int = 600) -> Callable[[HttpRequest], list[Limit]]:
    """Rate-limit keys of one application wizard: its session, and the cabinet it proves (hashed
    IIN). Families applying at one kiosk or behind one carrier NAT share an address, so the address
    gets only the generous ceiling (core.ratelimit.rate_limited_per); each phone is limited by
    accounts.otp (SPEC §9)."""

    def limits(request: HttpRequest, *args: Any, **kwargs: Any) -> list[Limit]:
        if request.session.session_key is None:
            request.session.save()  # its own key from the first step: no bucket shared by newcomers
        keys = [Limit(f"{scope}:wizard:{hashed(request.session.session_key)}", limit, window)]
        iin = (wizard_get(request).get("cabinet") or {}).get("iin")
        if iin:
            keys.append(Limit(f"{scope}:cabinet:{hashed(iin)}", limit, window))
        return keys

    return limits
