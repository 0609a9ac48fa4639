"""The audit trail in words (issue 11, item 7): actions, roles, objects and devices as people read
them, in the reader's language. Records keep their codes (they are hashed); only display changes."""

from __future__ import annotations

import functools

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Every action code written by audit_record (grep `action="`); a code missing here shows as itself.
ACTION_LABELS: dict[str, Promise] = {
    "admin.add": _("Added in the admin"),
    "admin.change": _("Changed in the admin"),
    "admin.change_inline": _("Related record changed in the admin"),
    "admin.delete": _("Deleted in the admin"),
    "application.file": _("Application filed"),
    "application.desk_filing": _("Application filed at the education department's desk"),
    "application.contacts_correct": _("Phones or IINs corrected by staff"),
    "application.archive": _("Application archived"),
    "application.archive_over_age": _("Applications archived: over age"),
    "application.phone_change": _("Phone changed"),
    "application.requeue": _("Application returned to the queue"),
    "application.withdraw": _("Application withdrawn"),
    "applications.import": _("Applications imported from the old portal"),
    "benefit.confirm": _("Benefit confirmed"),
    "benefit.reject": _("Benefit rejected"),
    "benefit.document_attach": _("Benefit document attached"),
    "bulletin.publish": _("Bulletin of free seats published"),
    "fairness.audit": _("Fairness audit run"),
    "forecast.backtest": _("Wait forecast back-tested"),
    "cabinet.open": _("Personal cabinet opened"),
    "cabinet.login": _("Logged in to the personal cabinet"),
    "cabinet.login_failed": _("Wrong password entered"),
    "cabinet.password_set": _("Password set"),
    "cabinet.phone_change": _("Cabinet phone changed"),
    "cabinet.device_register": _("Device registered"),
    "cabinet.block": _("Personal cabinet blocked"),
    "cabinet.unblock": _("Personal cabinet unblocked"),
    "direction.enroll": _("Child enrolled"),
    "direction.expired": _("Direction expired"),
    "direction.cancelled": _("Direction declined"),
    "direction.revoked": _("Direction revoked"),
    "direction.extend": _("Direction extended"),
    "direction.flag_documents": _("Missing documents noted"),
    "kiosk.register": _("Kiosk registered"),
    "kiosk.pair": _("Kiosk paired with its screen"),
    "messages.retry": _("Messages sent again"),
    "retention.run": _("Old personal data removed"),
    "staff_2fa.enrol": _("Second factor set up"),
    "staff_2fa.verify": _("Second factor passed"),
    "staff_2fa.failures": _("Wrong second-factor codes entered"),
    "staff_2fa.recovery_used": _("Recovery code used"),
    "staff_2fa.recovery_regenerate": _("New recovery codes issued"),
    "staff_2fa.reset": _("Second factor reset"),
    "seat.claim": _("Direction issued for a seat"),
    "seat.promote": _("Seat offered to the next in the queue"),
    "seat.release": _("Seats released by the kindergarten"),
    "seat.withdraw": _("Seat withdrawn by the kindergarten"),
    "seat.withdraw_bulk": _("Several seats withdrawn by the kindergarten"),
    "snapshot.make": _("Open-data snapshot written"),
    "snapshot.prune": _("Old open-data snapshots deleted"),
}

ROLE_LABELS: dict[str, Promise] = {
    "parent": _("parent (personal cabinet)"),
    "kiosk": _("kiosk"),
    "staff": _("education department staff"),
    "operator": _("kindergarten operator"),
    "system": _("the system"),
    "public": _("visitor, not logged in"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def role_label(kind: str) -> str:
    label = ROLE_LABELS.get(kind)
    return str(label) if label is not None else kind


def actor_label(kind: str, actor: str) -> str:
    """`cabinet 12` and `kiosk arman / cabinet 12` in words; a staff username stays as it is."""
    words = {"cabinet": gettext("cabinet"), "kiosk": gettext("kiosk"), "anonymous": gettext("anonymous")}
    return " ".join(words.get(part, part) for part in actor.split(" "))


def actor_choices() -> list[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in ROLE_LABELS.items()]


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda item: item[1])


@functools.lru_cache(maxsize=4096)
def _user_agent(ua: str) -> str:
    """ "Chrome 120 · Android 10" from a raw user-agent (parsing is slow: cached per string)."""
    import ua_parser

    result = ua_parser.parse(ua)
    parts = []
    if result.user_agent is not None and result.user_agent.family != "Other":
        parts.append(" ".join(p for p in (result.user_agent.family, result.user_agent.major) if p))
    if result.os is not None and result.os.family != "Other":
        parts.append(" ".join(p for p in (result.os.family, result.os.major) if p))
    return " · ".join(parts)


def device_label(device: str) -> str:
    """The device column in words: a kiosk, a parent's registered device, or a browser and system."""
    if not device:
        return ""
    if device.startswith("kiosk:"):
        return gettext("Kiosk %(code)s") % {"code": device.removeprefix("kiosk:")}
    if device.startswith("device:"):
        return gettext("The cabinet's registered device")
    return _user_agent(device) or gettext("Unknown browser")


def object_label(object_type: str, object_id: str, number: int | None = None) -> SafeString | str:
    """ "Application No. 123", a link to its admin page when there is one."""
    if not object_type:
        return ""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return f"{object_type} {object_id}"
    if object_type == "queues.application":
        text = gettext("Application No. %(number)s") % {"number": number if number is not None else object_id}
    else:
        text = f"{str(model._meta.verbose_name).capitalize()} {object_id}"
    try:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[object_id])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)
