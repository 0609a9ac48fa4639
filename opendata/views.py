"""Public pages, no login (SPEC §8). Each list renders the whole page, only its results fragment
for an htmx request, or the same filtered rows as `?format=csv` / `?format=json`."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from core.errors import Refusal
from core.htmx import wants_fragment
from core.ratelimit import Limit, address_limit, hashed, rate_limit_hits, rate_limited
from opendata import export
from opendata.forms import (
    DirectionFilterForm,
    FreeSeatFilterForm,
    KindergartenFilterForm,
    QueueCheckForm,
    QueueCheckNumberForm,
    QueueFilterForm,
    ReleaseFilterForm,
)
from opendata.listing import Listing
from opendata.selectors.common import choice_label, current_language
from opendata.selectors.direction_verify import direction_verified
from opendata.selectors.directions import directions as directions_select
from opendata.selectors.free_seats import free_seats as free_seats_select
from opendata.selectors.kindergartens import kindergarten_passport
from opendata.selectors.kindergartens import kindergartens as kindergartens_select
from opendata.selectors.queue_check import applications_checked
from opendata.selectors.queue_lists import queue_list, queue_summary
from opendata.selectors.releases import releases as releases_select
from opendata.selectors.seat_story import seat_story as seat_story_select
from queues.localities import LOCALITY_SESSION_KEY
from queues.models import Locality, QueueKind
from queues.selectors import interleave_ratio
from queues.services import STRIKES_TO_ARCHIVE

# Lookups of one IIN or application number a minute: plenty for a family. Walking through IINs is
# stopped by the address's ceiling (core.ratelimit.ADDRESS_CEILING), generous since a mobile
# carrier's NAT or a kiosk shares one address among many families.
CHECK_LIMIT, CHECK_WINDOW = 20, 60


def _filter_data(request: HttpRequest) -> QueryDict:
    """The query string; without a `locality` in it, the locality chosen in the header applies
    (an explicit empty `locality=` means all localities)."""
    data = request.GET.copy()
    chosen = request.session.get(LOCALITY_SESSION_KEY) if hasattr(request, "session") else None
    if "locality" not in data and chosen:
        data["locality"] = chosen
    return data


def _list_page(request: HttpRequest, listing: Listing, *, page: str, fragment: str, download_name: str, context: dict[str, Any]) -> HttpResponse:
    fmt = request.GET.get("format")
    if fmt in export.FORMATS:
        return export.download(listing, fmt, download_name)
    page_obj, rows = listing.page(request.GET.get("page"))
    context = {
        **context,
        "page_obj": page_obj,
        "page_range": page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1),
        "rows": rows,
        "fragment": fragment,
    }
    return render(request, fragment if wants_fragment(request) else page, context)


@require_GET
@vary_on_headers("HX-Request")
def free_seats(request: HttpRequest) -> HttpResponse:
    form = FreeSeatFilterForm(_filter_data(request))
    listing = free_seats_select(now=timezone.now(), **form.filters())
    return _list_page(
        request, listing, page="opendata/free_seats.html", fragment="opendata/_free_seats.html", download_name="free-seats", context={"form": form}
    )


@require_GET
@vary_on_headers("HX-Request")
def releases(request: HttpRequest) -> HttpResponse:
    form = ReleaseFilterForm(_filter_data(request))
    listing = releases_select(now=timezone.now(), **form.filters())
    return _list_page(
        request, listing, page="opendata/releases.html", fragment="opendata/_releases.html", download_name="release-protocol", context={"form": form}
    )


@require_GET
@vary_on_headers("HX-Request")
def directions(request: HttpRequest) -> HttpResponse:
    form = DirectionFilterForm(_filter_data(request))
    listing = directions_select(**form.filters())
    return _list_page(
        request, listing, page="opendata/directions.html", fragment="opendata/_directions.html", download_name="directions-protocol", context={"form": form}
    )


@require_GET
@vary_on_headers("HX-Request")
def queues(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(_filter_data(request))
    chosen = form.filters()
    locality = Locality.objects.filter(code=chosen["locality"]).first() if "locality" in chosen else None
    birth_year = chosen.get("birth_year")
    kind = chosen.get("kind") or "general"
    context: dict[str, Any] = {
        "form": form,
        "locality_name": locality.display_name(current_language()) if locality else None,
        "birth_year": birth_year,
        "kind": kind,
        "kind_name": choice_label(QueueKind, kind),
        "ratio": interleave_ratio(),
    }
    if locality is not None and birth_year:
        listing: Listing = queue_list(locality=locality, birth_year=birth_year, kind=kind)
        name = f"queue-{locality.code}-{birth_year}-{kind}"
    else:
        listing = queue_summary(locality=locality.code if locality else None, birth_year=birth_year)
        name = "queues"
    context["summary"] = locality is None or not birth_year
    return _list_page(request, listing, page="opendata/queues.html", fragment="opendata/_queues.html", download_name=name, context=context)


@require_GET
@vary_on_headers("HX-Request")
def kindergartens(request: HttpRequest) -> HttpResponse:
    form = KindergartenFilterForm(_filter_data(request))
    listing = kindergartens_select(now=timezone.now(), **form.filters())
    return _list_page(
        request, listing, page="opendata/kindergartens.html", fragment="opendata/_kindergartens.html", download_name="kindergartens", context={"form": form}
    )


@require_GET
def kindergarten(request: HttpRequest, code: str) -> HttpResponse:
    passport = kindergarten_passport(code=code, now=timezone.now())
    if passport is None:
        raise Http404
    return render(request, "opendata/kindergarten.html", {"passport": passport})


def _queue_check_lookup(request: HttpRequest) -> tuple[dict[str, Any] | None, str]:
    """What to look up and the form's error: by IIN or number (POST), by number (GET)."""
    if request.method == "POST":
        form = QueueCheckForm(request.POST)
        if not form.is_valid():
            return None, form.errors["query"][0]
        by, value = form.cleaned_data["query"]
        return {by: value}, ""
    number_form = QueueCheckNumberForm(request.GET)
    if not number_form.is_valid():
        return None, number_form.errors["number"][0]
    return {"number": number_form.cleaned_data["number"]}, ""


def _queue_check_limits(request: HttpRequest, lookup: dict[str, Any] | None) -> list[Limit]:
    """Per searched identifier (hashed: an IIN never sits in a cache key in clear), plus the address's
    generous ceiling: families behind one NAT or kiosk each check their own child."""
    limits = [address_limit(request, "queue-check")]
    if lookup is not None:
        ((by, value),) = lookup.items()
        limits.append(Limit(f"queue-check:{by}:{hashed(str(value))}", CHECK_LIMIT, CHECK_WINDOW))
    return limits


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def queue_check(request: HttpRequest) -> HttpResponse:
    """By IIN only through the POST form (an IIN never goes in a URL, a log or a history); by
    application number also as a link, `?number=…`."""
    found, error, status = [], "", 200
    searched = request.method == "POST" or "number" in request.GET
    if searched:
        lookup, error = _queue_check_lookup(request)
        # One budget for both ways of looking up: the link by number must not walk the queue either.
        try:
            rate_limit_hits(_queue_check_limits(request, lookup))
        except Refusal as refusal:
            error, status = refusal.message, 429
        else:
            if lookup is not None:
                found = applications_checked(now=timezone.now(), **lookup)
    context = {
        # Always an empty form: what was typed (maybe an IIN) is never echoed back into the page.
        "form": QueueCheckForm(),
        "results": found,
        "error": error,
        "searched": searched,
        "strikes_to_archive": STRIKES_TO_ARCHIVE,
    }
    fragment = wants_fragment(request)
    # htmx swaps only 2xx answers: the fragment carries the refusal, the whole page its status.
    response = render(request, "opendata/_queue_check_result.html" if fragment else "opendata/queue_check.html", context, status=200 if fragment else status)
    if searched:
        add_never_cache_headers(response)
    return response


# Issue 11: checks of printed directions per address. A kindergarten checks a few papers a day; a
# check is 60 bits, so guessing is hopeless anyway, and this keeps anyone from trying at scale.
VERIFY_LIMIT, VERIFY_WINDOW = 30, 600


@require_GET
@rate_limited("direction-verify:ip", limit=VERIFY_LIMIT, window=VERIFY_WINDOW, methods=("GET",))
def direction_verify(request: HttpRequest, check: str) -> HttpResponse:
    """The public page behind a printed direction's QR code and check number (issue 11): number,
    status, validity, the child's initials, the issuing department and the kindergarten's contacts.
    An unknown check is a 404; every look-up counts against the address's limit."""
    found = direction_verified(check=check, now=timezone.now())
    if found is None:
        raise Http404
    response = render(request, "opendata/direction_verify.html", {"direction": found})
    add_never_cache_headers(response)  # the status changes: a cached page could vouch for a cancelled paper
    return response


@require_GET
def seat_story(request: HttpRequest, seat_id: int) -> HttpResponse:
    """Issue 12: one seat's story, from its release to enrollment or withdrawal; 404 for no such seat."""
    story = seat_story_select(seat_id=seat_id, now=timezone.now())
    if story is None:
        raise Http404
    return render(request, "opendata/seat_story.html", {"story": story})
