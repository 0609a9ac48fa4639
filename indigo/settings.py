"""INDIGO settings: one module, configured by environment variables (see README, Configuration).

Embedded defaults (SQLite, filesystem Celery broker, file cache) need no server; set
DATABASE_URL / REDIS_URL for PostgreSQL and Redis. DEBUG=false turns on the production hardening.
"""

import datetime
import zoneinfo
from pathlib import Path

import environ

# Astana time must not depend on the host's tz database age: use the pinned `tzdata` package.
zoneinfo.reset_tzpath(to=[])

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-indigo-demo-key-only-for-local-use" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "reports.admin_site.IndigoAdminConfig",  # django.contrib.admin, plus the staff reports' pages
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Staff and operators' second factor (accounts/twofactor.py): TOTP apps and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "queues",
    "placements",
    "notifications",
    "opendata",
    "audit",
    "accounts",
    "reports",
    "fairness",  # issue 12: the fairness audit
    # Above the domain apps (they import them; none imports these): the front pages, running the
    # service (health, watchdog, retention, /metrics, run_job) and the replays (simulate, load_demo).
    "portal",
    "operations",
    "replay",
    "axes",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id (X-Request-ID in and out, core/logs.py).
    "core.logs.RequestIdMiddleware",
    # Request latency by view name, method and status class, for /metrics (core/metrics.py).
    "core.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that reads the database: an unreachable database answers the 503 page.
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.CabinetMiddleware",
    # Staff and operators pass the second factor before the admin and the operator cabinet (STAFF_2FA).
    "accounts.twofactor.StaffSecondFactorMiddleware",
    # Public open-data pages read from the replica when there is one (core/routers.py).
    "core.routers.ReplicaReadsMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: locks out a username/IP after repeated wrong passwords.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Static files from gunicorn itself in production; runserver serves them in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "indigo.urls"
WSGI_APPLICATION = "indigo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "accounts.context_processors.layout",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'indigo.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: at the 07:00 rush a new PostgreSQL connection per request (a fork on the
# server, ~2-5 ms) costs as much as the claim itself. Checked before reuse, so a restarted server
# fails no request. SQLite opens a file: nothing to keep.
_is_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0 if _is_sqlite else 300))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=not _is_sqlite))
# Behind PgBouncer in transaction mode a server-side cursor cannot outlive its transaction: off there.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
if _is_sqlite:
    # Several processes (web, worker, beat) share the file: wait for the lock, never fail at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"})
# A PostgreSQL streaming replica for the public open-data pages (core/routers.py); the claim, codes
# and cabinet pages, the admin and every write always use the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].update({key: DATABASES["default"][key] for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")})
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["core.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # A dead or hung Redis must fail fast: the rate limits then count in memory (core/ratelimit.py).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    # Shared by every process on the machine, unlike local memory.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", default="ru")
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Almaty")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Benefit documents: outside MEDIA_ROOT, served only through the staff-only view.
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "admin:login"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# How many reverse proxies of our own stand in front (nginx: 1). 0 trusts no X-Forwarded-For and
# takes REMOTE_ADDR; N takes the X-Forwarded-For entry appended by the outermost of them (core/net.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Staff and operators: Django accounts, locked after 5 wrong passwords for 15 minutes (django-axes).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
# The pair: wrong passwords for one name lock that name from that address only, not every login there.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Second factor (accounts/twofactor.py): a TOTP app or a recovery code before the admin, /staff/ and
# the operator cabinet. On by default in production; off in development (DEBUG) unless set.
STAFF_2FA = env.bool("STAFF_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "INDIGO"
# The admin of django-otp's devices is not registered (accounts/admin.py); hide keys should it be.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# E-mail: console in development; SMTP when EMAIL_URL is set (smtp+tls://user:pass@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="INDIGO <noreply@indigo.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who gets the watchdog's e-mails (operations/watchdog.py), besides superusers with an e-mail: ADMINS=a@x.kz,b@x.kz
ADMINS = [(email, email) for email in env.list("ADMINS", default=[])]

# Celery: Redis when configured, else kombu's filesystem transport under var/ (one machine only).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Whether a mobile phone belongs to an IIN, asked before the web wizard opens a new cabinet: the
# demo backend accepts everything; production plugs in the mobile-citizens register (accounts/identity.py).
IDENTITY_BACKEND = env("IDENTITY_BACKEND", default="accounts.identity.DemoIdentityBackend")

# SMS: console (logs, phone masked) by default; see notifications/backends.py for the others:
# notifications.backends.OutboxSmsBackend (stored for the demo phone page) and
# notifications.backends.MobizonSmsBackend (the real gateway, configured below).
SMS_BACKEND = env("SMS_BACKEND", default="notifications.backends.ConsoleSmsBackend")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")  # e.g. https://api.mobizon.kz
SMS_GATEWAY_API_KEY = env("SMS_GATEWAY_API_KEY", default="")  # never logged, never in Message.last_error
SMS_GATEWAY_SENDER = env("SMS_GATEWAY_SENDER", default="")  # the sender name registered with the provider, optional
SMS_GATEWAY_CONNECT_TIMEOUT = env.float("SMS_GATEWAY_CONNECT_TIMEOUT", default=5.0)
SMS_GATEWAY_READ_TIMEOUT = env.float("SMS_GATEWAY_READ_TIMEOUT", default=10.0)
# One-time codes cross the broker encrypted (notifications/sealing.py); empty: a key derived from
# SECRET_KEY. Production: a long random string of its own, the same for web and workers.
CODE_ENCRYPTION_KEY = env("CODE_ENCRYPTION_KEY", default="")
# A mail server that hangs must not hold a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# /demo-phone/ shows the outbox's SMS (codes included) for any number typed in: development and
# demo deployments only (404 unless DEBUG or the outbox backend, and this setting).
INDIGO_DEMO_PHONE = env.bool("INDIGO_DEMO_PHONE", default=DEBUG)

# SPEC §4 Decision: one priority application after every N general ones.
INDIGO_INTERLEAVE = env.int("INDIGO_INTERLEAVE", default=3)

# The portal's public address, for links that leave the site: SMS (grant "get a direction") and the
# QR code on a printed direction (issue 11). No trailing slash.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Retention (operations/retention.py, daily at 03:50): days after which data no longer needed goes.
RETENTION_CODES_DAYS = env.int("RETENTION_CODES_DAYS", default=1)  # used/expired one-time codes (the last hour always stays)
RETENTION_OUTBOX_DAYS = env.int("RETENTION_OUTBOX_DAYS", default=7)  # SMS stored by the outbox backend
RETENTION_RECIPIENT_DAYS = env.int("RETENTION_RECIPIENT_DAYS", default=90)  # then a sent/failed message's phone or e-mail is masked
RETENTION_LOCKOUT_DAYS = env.int("RETENTION_LOCKOUT_DAYS", default=30)  # django-axes attempts and logs

# The audit trail's hash chain is an HMAC under AUDIT_KEY, a secret the database never sees, so its
# owner cannot rewrite records and recompute the chain; empty: derived from SECRET_KEY (demo only).
# Production: a long random string of its own, kept off the database server, never changed.
AUDIT_KEY = env("AUDIT_KEY", default="")
# `audit_seal` appends the chain's head, signed, to a file here every 10 minutes; `audit_verify`
# then detects a truncated or rolled-back trail. Outside the database (and, ideally, its server).
AUDIT_SEAL_DIR = env("AUDIT_SEAL_DIR", default=str(VAR_DIR / "audit-seals"))

# Issue 12: the nightly open-data snapshot (opendata/snapshot.py, 02:30): one folder a day here,
# <YYYY-MM-DD>/, served at /open/snapshots/; the last SNAPSHOT_KEEP_DAYS days are kept.
SNAPSHOT_DIR = env("SNAPSHOT_DIR", default=str(VAR_DIR / "snapshots"))
SNAPSHOT_KEEP_DAYS = env.int("SNAPSHOT_KEEP_DAYS", default=30)

# Log lines (core/logs.py): time, level, logger and request id; readable text by default, one JSON
# object a line with LOG_FORMAT=json. IINs, phone numbers and one-time codes are masked on every
# handler. Django's own handlers (console when DEBUG, mail_admins, django.server) give way to the
# root one, so nothing is written unmasked; the Celery worker and beat keep this configuration.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "personal_data": {"()": "core.logs.PersonalDataFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id", "personal_data"],
        }
    },
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Errors to Sentry (core/sentry.py), only when SENTRY_DSN is set: web, worker and beat alike, with
# IINs, phone numbers and one-time codes masked in every event, and no request bodies or local variables.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")  # empty: the SDK's guess (e.g. the git commit)
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)  # 0: errors only, no performance traces
# Prometheus metrics at /metrics (operations/metrics_export.py): with METRICS_TOKEN set, only a scraper
# sending `Authorization: Bearer <token>` is answered; empty: 404 for everyone unless DEBUG.
# PROMETHEUS_MULTIPROC_DIR (environment only, read by prometheus_client): an empty folder per
# machine where gunicorn's workers keep their request-latency series for /metrics to add up.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

if SENTRY_DSN:
    from core import sentry as _sentry

    _sentry.init(SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The container health checks ask over plain http inside the container (operations/health.py).
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]  # and Prometheus scrapes each replica directly
    # Off only to try the production settings over plain http on one's own machine (compose).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    SESSION_COOKIE_HTTPONLY = True
