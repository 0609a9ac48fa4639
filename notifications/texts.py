"""Message texts (SPEC §9), translated through the ordinary gettext catalogs.

Render inside `translation.override(message.language)`. Every placeholder is named, so a
translation may put them in any order. SMS texts stay within two segments: 134 characters in
Kazakh or Russian (UCS-2), 306 in English (GSM-7); a long kindergarten or group name is shortened
to fit (`sms_fit`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext, pgettext

logger = logging.getLogger(__name__)

SMS_MAX_SEGMENTS = 2
# Placeholders that may be shortened when an SMS would need a third segment, longest first.
SHORTENABLE = ("kindergarten", "group")

# The GSM 03.38 default alphabet; anything else makes the whole SMS UCS-2.
_GSM7_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def _templates() -> dict[str, str]:
    # Built on each call: gettext must run in the message's language, not at import.
    return {
        "registered": gettext("INDIGO: application No. %(number)s is registered in the kindergarten queue."),
        "benefit_rejected": gettext("INDIGO: the benefit of application No. %(number)s is not confirmed; it stays in the queue on general grounds."),
        "grant_opened": gettext("INDIGO: application No. %(number)s may claim a free seat with priority until %(until)s."),
        "direction_issued": gettext("INDIGO: direction No. %(direction)s: %(kindergarten)s, group %(group)s, valid until %(valid_until)s."),
        "direction_expiring": gettext("INDIGO: direction No. %(direction)s expires tomorrow, %(valid_until)s."),
        "direction_extended": gettext("INDIGO: direction No. %(direction)s is extended until %(valid_until)s."),
        "direction_expired": gettext("INDIGO: direction No. %(direction)s has expired."),
        "direction_revoked": gettext("INDIGO: direction No. %(direction)s is revoked."),
        "direction_cancelled": gettext("INDIGO: direction No. %(direction)s is cancelled."),
        "application_archived": gettext("INDIGO: application No. %(number)s is archived."),
        "application_archived:over_age": gettext("INDIGO: application No. %(number)s is archived: the child has reached the age limit."),
        "application_archived:expired_twice": gettext("INDIGO: application No. %(number)s is archived: two directions expired or were declined."),
        "application_withdrawn": gettext("INDIGO: application No. %(number)s is withdrawn."),
        "enrolled": gettext("INDIGO: the child of application No. %(number)s is enrolled: %(kindergarten)s."),
        "phone_changed": gettext("INDIGO: the phone number of application No. %(number)s was changed. If it was not you, contact the education department."),
        "code": gettext("INDIGO code: %(code)s. Valid for 5 minutes. Do not tell it to anyone."),
    }


def email_subject(event: str) -> str:
    from notifications.models import Event

    label = Event(event).label if event in Event.values else event
    return pgettext("e-mail subject", "INDIGO: %(event)s") % {"event": label}


class _Context(dict):
    """Missing placeholders render as a dash instead of breaking the message."""

    def __missing__(self, key: str) -> str:
        logger.warning("message text placeholder %r missing", key)
        return "—"


def _template_for(event: str, context: dict[str, Any]) -> str:
    templates = _templates()
    reason = context.get("reason")
    if reason and f"{event}:{reason}" in templates:
        return templates[f"{event}:{reason}"]
    return templates.get(event, "INDIGO: %(event)s")


def message_text(event: str, context: dict[str, Any]) -> str:
    """The text of one message in the active language, placeholders filled from `context`."""
    values = _Context({"event": event, **{k: "" if v is None else v for k, v in context.items()}})
    return _template_for(event, context) % values


def sms_segments(text: str) -> int:
    """How many SMS segments the text takes (GSM-7 160/153 per part, otherwise UCS-2 70/67)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in text):
        length = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        single, part = 160, 153
    else:
        # Characters outside the Basic Multilingual Plane take two UCS-2 units.
        length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, part = 70, 67
    return 1 if length <= single else -(-length // part)


def sms_fit(event: str, context: dict[str, Any]) -> str:
    """`message_text`, with long names shortened (ending in "…") until it fits in two segments."""
    text = message_text(event, context)
    if sms_segments(text) <= SMS_MAX_SEGMENTS:
        return text
    values = dict(context)
    for key in sorted((k for k in SHORTENABLE if isinstance(values.get(k), str)), key=lambda k: -len(values[k])):
        original, keep = values[key], len(values[key])
        while keep > 8 and sms_segments(text) > SMS_MAX_SEGMENTS:
            keep -= 4
            values[key] = original[:keep].rstrip() + "…"
            text = message_text(event, values)
    return text
