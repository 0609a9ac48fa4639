"""INDIGO's own error pages (403, 404, 500, 503, CSRF); the front pages are portal/views.py."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

# The database is unreachable (down, restarting, out of connections): maintenance, not a bug.
DATABASE_DOWN = (OperationalError, InterfaceError)
# Seconds a client (or a monitoring probe) is asked to wait before retrying a 503.
MAINTENANCE_RETRY_AFTER = 120
# If even the template cannot be rendered: the last words, in both languages of the portal.
_BARE_TEXT = {
    500: "INDIGO: біздің тарапта қате орын алды. / Что-то пошло не так на нашей стороне. Попробуйте позже.",
    503: "INDIGO: қызмет уақытша қолжетімсіз. / Сервис временно недоступен. Попробуйте позже.",
}


def _languages_current_first() -> list[str]:
    """The 500 and 503 pages speak every portal language (the catalog may be what broke): the
    visitor's own first."""
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return sorted((code for code, _name in settings.LANGUAGES), key=lambda code: code != current)


def _plain_page(template: str, status: int) -> HttpResponse:
    """Rendered without the request: no context processor, so no database, session or user."""
    try:
        content = render_to_string(template, {"languages": _languages_current_first()})
    except Exception:
        logger.exception("the %s page could not be rendered", status)
        return HttpResponse(_BARE_TEXT[status], status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(content, status=status)


def maintenance_response(request: HttpRequest) -> HttpResponse:
    """503 while the database is unreachable; nothing of the visitor's is lost."""
    response = _plain_page("errors/503.html", 503)
    response["Retry-After"] = str(MAINTENANCE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. An unreachable database raised before the view (the session or cabinet lookup in
    middleware) also lands here: that is maintenance, the 503 page."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return maintenance_response(request)
    return _plain_page("errors/500.html", 500)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", {"path": request.path}, status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page left open too long, or with cookies off."""
    return render(request, "errors/403_csrf.html", status=403)
