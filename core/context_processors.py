from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    """What every page's header needs: the chosen locality (remembered in the session)."""
    return {"current_locality_code": request.session.get("locality") if hasattr(request, "session") else None}
