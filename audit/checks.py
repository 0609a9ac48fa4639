"""`manage.py check --deploy`: production keys the audit chain with a key of its own."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_key_check(app_configs, **kwargs) -> list[Warning]:
    if settings.AUDIT_KEY:
        return []
    return [
        Warning(
            "AUDIT_KEY is not set: the audit chain's key is derived from SECRET_KEY.",
            hint="Set AUDIT_KEY to a long random string of its own, kept off the database server and never changed "
            "(records keyed with another key fail audit_verify; rotating SECRET_KEY would do that too).",
            id="audit.W001",
        )
    ]
