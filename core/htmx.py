"""Whether a request wants only a fragment: the one rule every page with an htmx part follows."""

from __future__ import annotations

from django.http import HttpRequest


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap of a fragment (django-htmx's `request.htmx`). A boosted navigation or a history
    restore (HX-History-Restore-Request, the browser's back button after htmx's cache missed) puts
    the answer in place of the whole page, so it needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request
