"""The daily snapshots as public pages (issue 12, item 2): the list of kept days with their files,
each file served as written, and the format page for journalists and developers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from opendata.snapshot import COLUMNS, MANIFEST, snapshot_file, snapshots_list
from queues.selectors import interleave_ratio

# The format page's words: each file, then each column (type, meaning), in COLUMNS' order.
T_INT, T_TEXT, T_TIME, T_BOOL = _("whole number"), _("text"), _("date and time"), _("true or false")
TABLE_DOCS = {
    "queues": _("Every application waiting in a queue, at its position (SPEC §4). One row per queue it stands in."),
    "seats": _("Every seat ever released, in its state at the snapshot's moment."),
    "publications": _("Every publication of a seat in a bulletin, with that publication's access window."),
    "directions": _("Every direction ever issued, in its status at the snapshot's moment."),
    "grants": _("Every grant of priority access ever given."),
    "bulletins": _("Every 18:00 bulletin, with the number of seats it published."),
    "events": _("The changes of applications since the previous snapshot, read from the audit trail: what explains every move in the queues."),
}
COLUMN_DOCS = {
    "locality": (T_TEXT, _("code of the locality")),
    "birth_year": (T_INT, _("birth year of the children")),
    "kind": (T_TEXT, _("queue or group kind: general, special or sanatorium")),
    "position": (T_INT, _("position in the queue, from 1")),
    "application": (T_INT, _("application number")),
    "filed_at": (T_TIME, _("when the application was filed")),
    "class": (T_TEXT, _("class in the queue: extraordinary, priority or none (a rejected benefit counts as none)")),
    "seat": (T_INT, _("seat number")),
    "release": (T_INT, _("number of the release that created the seat")),
    "released_at": (T_TIME, _("when the kindergarten released it")),
    "kindergarten": (T_TEXT, _("code of the kindergarten")),
    "group": (T_TEXT, _("code of the group")),
    "language": (T_TEXT, _("language of instruction: kk, ru or both")),
    "state": (T_TEXT, _("released, priority, general, claimed, enrolled or withdrawn")),
    "published_at": (T_TIME, _("moment of the bulletin")),
    "open_at": (T_TIME, _("when the seat opens for claims")),
    "priority_until": (T_TIME, _("end of the priority access window")),
    "direction": (T_INT, _("direction number")),
    "withdrawn_at": (T_TIME, _("when the kindergarten withdrew it")),
    "bulletin": (T_INT, _("bulletin number")),
    "issued_at": (T_TIME, _("when the direction was issued")),
    "valid_until": (T_TIME, _("until when the direction is valid")),
    "extended": (T_BOOL, _("whether the direction was extended")),
    "status": (T_TEXT, _("benefit_check, issued, enrolled, expired, cancelled or revoked")),
    "ended_at": (T_TIME, _("when it ended (empty while active)")),
    "grant": (T_INT, _("grant number")),
    "from": (T_TIME, _("start of the access")),
    "until": (T_TIME, _("end of the access")),
    "seats": (T_INT, _("number of seats published")),
    "at": (T_TIME, _("moment of the change")),
    "event": (T_TEXT, _("filed, withdrawn, archived, directed, requeued, enrolled, benefit_confirmed, benefit_rejected or edited")),
    "audit_record": (T_INT, _("number of the audit trail record")),
}


def _format_tables() -> list[dict]:
    return [
        {"name": table, "about": TABLE_DOCS[table], "columns": [{"name": c, "type": COLUMN_DOCS[c][0], "about": COLUMN_DOCS[c][1]} for c in columns]}
        for table, columns in COLUMNS.items()
    ]


@require_GET
def snapshots(request: HttpRequest) -> HttpResponse:
    """Every kept day, newest first: its moment, the audit trail's sealed head and its files."""
    found = snapshots_list()
    for snapshot in found:
        try:
            snapshot["moment"] = dt.datetime.fromisoformat(snapshot["at"])
        except (KeyError, TypeError, ValueError):
            snapshot["moment"] = None
    return render(request, "opendata/snapshots.html", {"snapshots": found, "keep_days": settings.SNAPSHOT_KEEP_DAYS, "manifest": MANIFEST})


@require_GET
def snapshot_format(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "opendata/snapshot_format.html",
        {"tables": _format_tables(), "interleave": interleave_ratio(), "keep_days": settings.SNAPSHOT_KEEP_DAYS},
    )


@require_GET
def snapshot_download(request: HttpRequest, day: str, name: str) -> FileResponse:
    """One file of one day, streamed; only the manifest and the files it lists (no other path)."""
    path = snapshot_file(day, name)
    if path is None:
        raise Http404
    content_type = {".csv": "text/csv; charset=utf-8", ".json": "application/json; charset=utf-8"}.get(path.suffix, "application/octet-stream")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=f"indigo-{day}-{name}", content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response
