"""Queue lists (SPEC §4, §8): one queue in order, and the table of all queues with their sizes."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, F, Q
from django.utils.translation import gettext

from opendata.listing import PositionedListing, QuerysetListing, Row
from opendata.selectors.common import display_name
from queues.models import Application, Benefit, Locality
from queues.selectors import queue_class_sizes, queue_page

COLUMNS = ("position", "number", "filed_at", "benefit", "benefit_name", "child")
SUMMARY_COLUMNS = ("locality_code", "locality", "birth_year", "general", "special", "sanatorium")

# Only what the list shows is read (SPEC §8 masking): never the IIN, birth date or the applicant.
_FIELDS = ("number", "filed_at", "benefit", "benefit_status", "child_last_name", "child_first_name")


def benefit_class_name(klass: str) -> str:
    """The class an application stands in (SPEC §4): a rejected benefit counts as general."""
    return {
        Benefit.EXTRAORDINARY: gettext("extraordinary"),
        Benefit.PRIORITY: gettext("priority"),
    }.get(klass, gettext("general (no benefit)"))


def queue_list(*, locality: Locality, birth_year: int, kind: str) -> PositionedListing:
    """One queue at this moment: the class sizes by one index-only count, then each page (or
    download chunk) reads only its own rows, placed by the closed form of SPEC §4."""
    sizes = queue_class_sizes(locality_id=locality.pk, birth_year=birth_year, kind=kind)

    def to_rows(offset: int, limit: int) -> list[Row]:
        page = queue_page(locality_id=locality.pk, birth_year=birth_year, kind=kind, sizes=sizes, first=offset + 1, last=offset + limit, fields=_FIELDS)
        return [_queue_row(position, application) for position, application in page]

    return PositionedListing(sum(sizes.values()), to_rows, COLUMNS)


def _queue_row(position: int, application: Application) -> Row:
    klass = application.effective_benefit
    return {
        "position": position,
        "number": application.number,
        "filed_at": application.filed_at,
        "benefit": klass,
        "benefit_name": benefit_class_name(klass),
        "child": application.child_name_masked,  # SPEC §8: `О*** А.`
    }


def queue_summary(*, locality: str | None = None, birth_year: int | None = None) -> QuerysetListing:
    """Every queue with waiting applications: locality, birth year and the size of each kind."""
    queued = Application.objects.filter(status=Application.Status.QUEUED)
    if locality:
        queued = queued.filter(locality__code=locality)
    if birth_year:
        queued = queued.filter(birth_year=birth_year)
    rows = (
        queued.values(
            "birth_year",
            locality_code=F("locality__code"),
            locality_name=F("locality__name"),
            locality_name_kk=F("locality__name_kk"),
        )
        .annotate(
            general=Count("id"),
            special=Count("id", filter=Q(wants_special=True)),
            sanatorium=Count("id", filter=Q(wants_sanatorium=True)),
        )
        .order_by("locality_name", "locality_code", "-birth_year")
    )
    return QuerysetListing(rows, _summary_row, SUMMARY_COLUMNS)


def _summary_row(r: dict) -> Row:
    return {
        "locality_code": r["locality_code"],
        "locality": display_name(r["locality_name"], r["locality_name_kk"]),
        "birth_year": r["birth_year"],
        "general": r["general"],
        "special": r["special"],
        "sanatorium": r["sanatorium"],
    }


def queue_birth_years() -> list[int]:
    """Birth years that have a queue now, newest first (for the filter): a skip scan, one index
    probe per year, instead of a DISTINCT over every waiting application."""
    table = Application._meta.db_table
    sql = (
        f"WITH RECURSIVE years(y) AS ("
        f" SELECT max(birth_year) FROM {table} WHERE status = %s"
        f" UNION ALL"
        f" SELECT (SELECT max(birth_year) FROM {table} WHERE status = %s AND birth_year < years.y) FROM years WHERE years.y IS NOT NULL"
        f") SELECT y FROM years WHERE y IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Application.Status.QUEUED, Application.Status.QUEUED])
        return [row[0] for row in cursor.fetchall()]
