"""The portal's URLs plus views that fail on purpose, for the error page tests (ROOT_URLCONF)."""

from django.core.exceptions import PermissionDenied
from django.db.utils import OperationalError
from django.urls import path

from indigo.urls import handler403, handler404, handler500
from indigo.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def _raising(error: Exception):
    def view(request):
        raise error

    return view


urlpatterns = [
    *portal_urlpatterns,
    path("fail/forbidden/", _raising(PermissionDenied())),
    path("fail/bug/", _raising(RuntimeError("a bug"))),
    path("fail/database/", _raising(OperationalError("connection refused"))),
]
