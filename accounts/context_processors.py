from django.http import HttpRequest
from django.utils.translation import get_language


def layout(request: HttpRequest) -> dict:
    """Kiosk screens get the kiosk layout for the same parent pages (SPEC §10)."""
    kiosk = getattr(request, "kiosk", None)
    return {
        "base_template": "kiosk/base.html" if kiosk is not None else "base.html",
        "kiosk": kiosk,
        "cabinet": getattr(request, "cabinet", None),
        "kiosk_kindergarten_name": kiosk.kindergarten.display_name(get_language() or "ru") if kiosk is not None else "",
    }
