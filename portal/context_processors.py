"""What every page's header needs: the chosen locality (remembered in the session) and the list to choose from."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from core.collation import name_key
from queues.localities import LOCALITY_SESSION_KEY
from queues.models import Locality


def _locality_choices(language: str) -> list[tuple[str, str]]:
    names = [(locality.code, locality.display_name(language)) for locality in Locality.objects.all()]
    return sorted(names, key=lambda pair: name_key(pair[1]))  # Kazakh alphabetical order (issue 11)


def portal(request: HttpRequest) -> dict:
    language = get_language() or "ru"
    # Lazy: the query runs only when a template shows the chooser.
    return {
        "current_locality_code": request.session.get(LOCALITY_SESSION_KEY) if hasattr(request, "session") else None,
        "locality_choices": SimpleLazyObject(lambda: _locality_choices(language)),
        # Each language under its own name (Қазақша, Русский, English), never translated into the current one.
        "portal_languages": settings.LANGUAGES,
    }
