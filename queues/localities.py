"""The locality a visitor chose (remembered in the session): the portal's pages show that one."""

from __future__ import annotations

from django.http import HttpRequest

from queues.models import Locality

LOCALITY_SESSION_KEY = "locality"


def chosen_locality(request: HttpRequest) -> Locality | None:
    """The locality the visitor chose, or None (all localities); a code that no longer exists counts as none."""
    code = request.session.get(LOCALITY_SESSION_KEY) if hasattr(request, "session") else None
    if not code:
        return None
    return Locality.objects.filter(code=code).first()
