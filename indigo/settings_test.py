"""Test settings: the ordinary settings, plus eager Celery and the outbox SMS backend."""

from indigo.settings import *  # noqa: F403
from indigo.settings import REDIS_URL

CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
SMS_BACKEND = "notifications.backends.OutboxSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
