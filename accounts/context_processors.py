from django.http import HttpRequest


def layout(request: HttpRequest) -> dict:
    """Kiosk screens get the kiosk layout for the same parent pages (SPEC §10)."""
    kiosk = getattr(request, "kiosk", None)
    return {
        "base_template": "kiosk/base.html" if kiosk is not None else "base.html",
        "kiosk": kiosk,
        "cabinet": getattr(request, "cabinet", None),
    }
