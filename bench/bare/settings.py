"""Settings for the rush over HTTP (bench/http_rush.py): the product's settings, served for speed
as in production (no debug, no query log), plus the bench's bare claim endpoint in front of the
product's URLs, and an SMS backend that hands each code to the load generator through Redis.

Never used by the product: only the bench's gunicorn and Celery worker set
DJANGO_SETTINGS_MODULE=bench.bare.settings.
"""

from indigo.settings import *  # noqa: F403

DEBUG = False  # no query log, no debug pages; the module above kept its development defaults otherwise (plain http)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.bare.urls"
# The load generator stands for families behind the production proxy, each with its own address
# (X-Forwarded-For, appended by nginx there): the per-address limits count each family apart.
TRUSTED_PROXY_COUNT = 1
SMS_BACKEND = "bench.bare.sms.RedisListSmsBackend"
BENCH_SMS_REDIS_URL = env("BENCH_SMS_REDIS_URL", default=REDIS_URL)  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False
INDIGO_DEMO_PHONE = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # "celery@… ready." tells the bench the worker is up.
    "loggers": {"celery.apps.worker": {"level": "INFO"}},
}
