"""The words of the operator's confirmation steps (issue 11): what is about to happen, and when."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext, ngettext

from core.calendar import local
from placements.bulletin import bulletin_next
from placements.models import Group

DATE = "%d.%m.%Y"


def release_confirmation(group: Group, birth_year: int, count: int, now: dt.datetime) -> dict[str, str]:
    """ "You release 3 seats in group X … They will be published today, 04.06.2024, at 18:00." The
    moments come from bulletin_next (SPEC §5): from 18:00 on, the next bulletin is tomorrow's."""
    moments = bulletin_next(now=now)
    published = local(moments["published_at"])
    params = {"count": count, "group": str(group), "year": birth_year, "date": published.strftime(DATE)}
    if published.date() == local(now).date():
        publication = ngettext(
            "It will be published today, %(date)s, at 18:00.",
            "They will be published today, %(date)s, at 18:00.",
            count,
        )
    else:
        publication = ngettext(
            "It will be published tomorrow, %(date)s, at 18:00.",
            "They will be published tomorrow, %(date)s, at 18:00.",
            count,
        )
    summary = ngettext(
        "You release %(count)d seat in group %(group)s for children born in %(year)d.",
        "You release %(count)d seats in group %(group)s for children born in %(year)d.",
        count,
    )
    window = gettext("Families with priority access can claim from %(open_at)s at 07:00 until %(priority_until)s; after that, everyone in the queue.") % {
        "open_at": local(moments["open_at"]).strftime(DATE),
        "priority_until": local(moments["priority_until"]).strftime(f"{DATE} %H:%M"),
    }
    return {"summary": summary % params, "publication": publication % params, "window": window}
