"""Security headers the framework does not set (a Content-Security-Policy without inline code),
and the maintenance page while the database is unreachable."""

import logging

from django.conf import settings

from core.views import DATABASE_DOWN, maintenance_response

logger = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class DatabaseUnavailableMiddleware:
    """A view that finds the database unreachable answers the 503 maintenance page, never a 500.

    Errors raised by other middleware (the session, the cabinet lookup) never reach here as
    exceptions: Django turns them into the 500 handler, which gives the same page
    (core.views.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.error("database unavailable: %s %s answered 503", request.method, request.path, exc_info=exception)
        return maintenance_response(request)
