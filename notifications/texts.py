"""Message texts (SPEC §9), translated through the ordinary catalogs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def message_text(event: str, context: dict[str, Any]) -> str:
    c = {k: v for k, v in context.items()}
    texts = {
        "registered": _("INDIGO: application No. %(number)s is registered in the kindergarten queue."),
        "benefit_rejected": _("INDIGO: the benefit of application No. %(number)s was not confirmed; it stays in the queue on general grounds."),
        "grant_opened": _("INDIGO: application No. %(number)s has priority access to free seats until %(until)s."),
        "direction_issued": _("INDIGO: direction No. %(direction)s to %(kindergarten)s, group %(group)s, valid until %(valid_until)s."),
        "direction_expiring": _("INDIGO: direction No. %(direction)s expires tomorrow, %(valid_until)s."),
        "direction_extended": _("INDIGO: direction No. %(direction)s is extended until %(valid_until)s."),
        "direction_expired": _("INDIGO: direction No. %(direction)s has expired."),
        "direction_revoked": _("INDIGO: direction No. %(direction)s is revoked: the benefit was not confirmed."),
        "direction_cancelled": _("INDIGO: direction No. %(direction)s is cancelled."),
        "application_archived": _("INDIGO: application No. %(number)s is archived."),
        "application_withdrawn": _("INDIGO: application No. %(number)s is withdrawn."),
        "enrolled": _("INDIGO: the child of application No. %(number)s is enrolled in %(kindergarten)s."),
        "phone_changed": _("INDIGO: the phone number of application No. %(number)s was changed."),
        "code": _("INDIGO code: %(code)s. Do not tell it to anyone."),
    }
    template = texts.get(event, "%(event)s")
    c.setdefault("event", event)
    try:
        return template % c
    except (KeyError, ValueError):
        return template
