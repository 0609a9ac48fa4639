"""Message texts (SPEC §9), translated through the ordinary gettext catalogs.

Render inside `translation.override(message.language)`. Every placeholder is named, so a
translation may put them in any order. SMS texts stay within two segments: 134 characters in
Kazakh or Russian (UCS-2), 306 in English (GSM-7) — the grant SMS within three; a long kindergarten
or group name is shortened to fit (`sms_fit`). Names go into a message's context in the recipient's
language (issue 11).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext, pgettext

logger = logging.getLogger(__name__)

SMS_MAX_SEGMENTS = 2
# Issue 11: the grant SMS carries its window (from 07:00), the places and a link; that takes a third
# segment (201 characters in Kazakh or Russian), the places shortened first.
SMS_SEGMENTS_FOR = {"grant_opened": 3}
# Placeholders that may be shortened when an SMS would need a third segment, longest first.
SHORTENABLE = ("places", "kindergarten", "group")
# The most of a places list a grant message keeps: more never fits in its SMS (SMS_SEGMENTS_FOR), and
# a city queue's bulletin can name hundreds of groups — stored 17,000 times at 18:00, then shortened
# letter by letter for every SMS.
PLACES_MAX = 160

# The GSM 03.38 default alphabet; anything else makes the whole SMS UCS-2.
_GSM7_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def _templates() -> dict[str, str]:
    # Built on each call: gettext must run in the message's language, not at import.
    # Issue 11 vocabulary (README glossary): "benefit" (льгота / жеңілдік) is the family's right to
    # an earlier place; "priority access" (приоритетный доступ / басым қолжетімділік) is a grant's
    # window. A direction "cancelled" is one the family declined (or gave up by withdrawing);
    # "revoked" is one ended because the benefit was rejected; "expired" ran out of time.
    return {
        "registered": gettext("INDIGO: application No. %(number)s is registered in the kindergarten queue."),
        "benefit_rejected": gettext("INDIGO: the benefit of application No. %(number)s is not confirmed; it stays in the queue on general grounds."),
        # SPEC §6, issue 11: when access opens (07:00), until when, where, and the link to act on it.
        "grant_opened": gettext(
            "INDIGO: priority access for application No. %(number)s from %(from)s to %(until)s; seats: %(seats)s (%(places)s). Get a direction: %(link)s"
        ),
        # Messages stored before the grant SMS carried its window and places (history only).
        "grant_opened:until_only": gettext("INDIGO: application No. %(number)s has priority access to free seats until %(until)s."),
        "direction_issued": gettext("INDIGO: direction No. %(direction)s: %(kindergarten)s, group %(group)s, valid until %(valid_until)s."),
        "direction_expiring": gettext("INDIGO: direction No. %(direction)s expires tomorrow, %(valid_until)s."),
        "direction_extended": gettext("INDIGO: direction No. %(direction)s is extended until %(valid_until)s."),
        "direction_expired": gettext("INDIGO: direction No. %(direction)s has expired."),
        # SPEC §7: an expiry or a decline is a strike; the second archives the application.
        "direction_expired:strike_1": gettext(
            "INDIGO: direction No. %(direction)s has expired. Application No. %(number)s is back in the queue; strike 1 of 2."
        ),
        "direction_expired:strike_2": gettext(
            "INDIGO: direction No. %(direction)s has expired. Strike 2 of 2: application No. %(number)s is removed from the queue."
        ),
        "direction_revoked": gettext("INDIGO: direction No. %(direction)s is revoked: the benefit was not confirmed."),
        "direction_cancelled": gettext("INDIGO: direction No. %(direction)s is cancelled."),
        "direction_cancelled:strike_1": gettext(
            "INDIGO: you declined direction No. %(direction)s. Application No. %(number)s is back in the queue; strike 1 of 2."
        ),
        "direction_cancelled:strike_2": gettext(
            "INDIGO: you declined direction No. %(direction)s. Strike 2 of 2: application No. %(number)s is removed from the queue."
        ),
        "application_archived": gettext("INDIGO: application No. %(number)s is archived."),
        "application_archived:over_age": gettext("INDIGO: application No. %(number)s is archived: the child has reached the age limit."),
        "application_archived:expired_twice": gettext("INDIGO: application No. %(number)s is archived: two directions expired or were declined."),
        "application_withdrawn": gettext("INDIGO: application No. %(number)s is withdrawn."),
        "enrolled": gettext("INDIGO: the child of application No. %(number)s is enrolled: %(kindergarten)s."),
        "phone_changed": gettext("INDIGO: the phone number of application No. %(number)s was changed. If it was not you, contact the education department."),
        "code": gettext("INDIGO code: %(code)s. Valid for 5 minutes. Do not tell it to anyone."),
        # Issue 11: a code says what it confirms (accounts.models.OneTimeCode.Purpose); the page says it
        # is valid 5 minutes, so that most codes keep to one segment.
        "code:login": gettext("INDIGO: code %(code)s to log in. Do not tell it to anyone."),
        "code:password_reset": gettext("INDIGO: code %(code)s to reset the password. Do not tell it to anyone."),
        "code:apply_phone": gettext("INDIGO: code %(code)s to confirm the phone for an application. Do not tell it to anyone."),
        "code:apply_cabinet": gettext("INDIGO: code %(code)s to file an application. Do not tell it to anyone."),
        "code:phone_change": gettext("INDIGO: code %(code)s to change the phone number. Do not tell it to anyone."),
        "code:claim": gettext("INDIGO: code %(code)s to get a direction. Do not tell it to anyone."),
        "code:claim_at": gettext("INDIGO: code %(code)s to get a direction to %(kindergarten)s. Do not tell it to anyone."),
        "code:extend": gettext("INDIGO: code %(code)s to extend the direction. Do not tell it to anyone."),
        "code:cancel": gettext("INDIGO: code %(code)s to decline the direction. Do not tell it to anyone."),
        "code:withdraw": gettext("INDIGO: code %(code)s to withdraw the application. Do not tell it to anyone."),
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
    variants = [context.get("reason"), context.get("consequence")]
    if event == "grant_opened" and "link" not in context:
        variants.append("until_only")
    if event == "code":
        purpose = context.get("purpose")
        variants.append(f"{purpose}_at" if purpose == "claim" and context.get("kindergarten") else purpose)
    for variant in variants:
        if variant and f"{event}:{variant}" in templates:
            return templates[f"{event}:{variant}"]
    return templates.get(event, "INDIGO: %(event)s")


def places_text(groups: list[Any], language: str, limit: int = PLACES_MAX) -> str:
    """Kindergartens with their groups in parentheses, in `language`, for the grant SMS:
    "Арман (Балапан, Құлыншақ); Айгөлек (Ботақан)" — at most `limit` characters, ending in "…" when
    there are more (the cabinet lists them all)."""
    by_kindergarten: dict[int, tuple[Any, list[str]]] = {}
    for group in groups:
        entry = by_kindergarten.setdefault(group.kindergarten_id, (group.kindergarten, []))
        name = group.display_name(language)
        if name not in entry[1]:
            entry[1].append(name)
    parts = [f"{kg.display_name(language)} ({', '.join(names)})" if names else kg.display_name(language) for kg, names in by_kindergarten.values()]
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ;,(") + "…"


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
    """`message_text`, with long names shortened (ending in "…") until it fits in two segments
    (`SMS_SEGMENTS_FOR` an event that may take more)."""
    budget = SMS_SEGMENTS_FOR.get(event, SMS_MAX_SEGMENTS)
    text = message_text(event, context)
    if sms_segments(text) <= budget:
        return text
    values = dict(context)
    for key in sorted((k for k in SHORTENABLE if isinstance(values.get(k), str)), key=lambda k: -len(values[k])):
        # No value longer than the whole budget can fit: start there, not at its full length.
        original = values[key]
        keep = min(len(original), 160 * budget)
        while keep > 8 and sms_segments(text) > budget:
            keep -= 4
            values[key] = original[:keep].rstrip() + "…"
            text = message_text(event, values)
    return text
