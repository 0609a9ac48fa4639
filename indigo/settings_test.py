"""Test settings: the ordinary settings, plus eager Celery and the outbox SMS backend."""

from indigo.settings import *  # noqa: F403
from indigo.settings import DATABASES, REDIS_URL

CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
SMS_BACKEND = "notifications.backends.OutboxSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A replica alias for the router's tests: a test mirror of the default database (same data). Off
# unless a test turns DATABASE_REPLICA_READS on.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
