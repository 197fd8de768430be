"""Settings for the Suthra Punjab billing system — every value comes from the environment.

See docs/ADMIN_GUIDE.md for the full list of variables and their defaults.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from config.env import ImproperEnv, caches_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# Production refuses to start without a real key; development and tests get a fixed local one.
SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Suthra Punjab Billing")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "suthra.core",
    "suthra.locations",
    "suthra.accounts",
    "suthra.units",
    "suthra.imports",
    "suthra.billing",
    "suthra.tickets",
    "suthra.visits",
    "suthra.cash",
    "suthra.notifications",
    "suthra.stats",
    "suthra.consumers",
    "suthra.reports",
    "suthra.demo",
    "suthra.migration",
    "suthra.pwa",
    # The JSON API (django-ninja; "ninja" serves Swagger UI from local static files).
    "ninja",
    "suthra.api",
    "suthra.sms",
    # Harmless on SQLite; on PostgreSQL it provides trigram search and its indexes.
    "django.contrib.postgres",
]

MIDDLEWARE = [
    # First: every later log line carries the request id (and the X-Request-ID header is set).
    "suthra.core.middleware_requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # A NUL byte in any parameter is a 400 here, never a database error (see the module).
    "suthra.core.middleware_input.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The logged-in user's saved language (Staff.language) wins over cookie and browser.
    "suthra.pwa.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, absolute lifetime, forced password change, required two-factor.
    "suthra.core.middleware.SessionSecurityMiddleware",
    # Signed-in pages, exports and the API: Cache-Control private, no-store.
    "suthra.core.middleware.PrivateNoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # DEBUG only: the project's own 400/403/404 pages for the demo, not Django's debug page.
    "suthra.core.errors.FriendlyErrorsMiddleware",
    # Last: turns a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suthra.core.context_processors.site",
                "suthra.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite in the project folder by default; DATABASE_URL=postgres://... switches to PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
except ValueError as exc:  # an unknown scheme or a malformed URL
    raise ImproperEnv(f"DATABASE_URL is not a database URL: {exc}") from exc
IS_POSTGRES = _db["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # Supabase's transaction pooler (pgbouncer) cannot hold server-side cursors, so the code
    # never relies on them: large reads are chunked by key instead.
    _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME", "") or None
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES = {"default": _db}
# A PostgreSQL read replica for reports and exports (config/routers.py, docs/DEPLOY.md).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    try:
        _replica = dj_database_url.parse(
            DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
        )
    except ValueError as exc:
        raise ImproperEnv(f"DATABASE_REPLICA_URL is not a database URL: {exc}") from exc
    _replica["DISABLE_SERVER_SIDE_CURSORS"] = True
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# Small integer keys keep the 3.6 M-row bills table compact (see docs/PERFORMANCE.md).
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# --- Background tasks ---------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# /health/?worker=1 reports the worker stalled when a ready task waited longer than this.
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 300, minimum=10)
# The nightly ledger check (manage.py verify_ledgers) is due from this hour, Pakistan time.
LEDGER_CHECK_HOUR = env_int("LEDGER_CHECK_HOUR", 2, minimum=0)
# Memory for its sorts and groupings on PostgreSQL (SET LOCAL work_mem, its transaction only).
LEDGER_CHECK_WORK_MEM = env_str("LEDGER_CHECK_WORK_MEM", "64MB")

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Staff"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Argon2id with OWASP's parameters (19 MiB, not Django's 100 MiB per login): docs/SECURITY.md.
PASSWORD_HASHERS = [
    "suthra.accounts.hashers.SuthraArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=60)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)

SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Lockout first (it only watches attempts), then the ordinary model backend.
AUTHENTICATION_BACKENDS = [
    "suthra.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes: lock a username *from one address* (agents share carrier NAT addresses, so an
# IP-only lockout would lock a whole district out). See docs/SECURITY.md.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = LOGIN_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "suthra.accounts.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "suthra.core.audit.client_ip"
AXES_VERBOSE = False
# Cache-based rate limits on top of the lockout: (attempts, window seconds).
LOGIN_RATE_PER_IP = (env_int("LOGIN_RATE_PER_IP", 60, minimum=1), 600)
LOGIN_RATE_PER_USERNAME = (env_int("LOGIN_RATE_PER_USERNAME", 20, minimum=1), 600)
# The cache that rate limits and throttles count in (suthra/core/cache.py): redis://… shares it
# between every process; "db" uses the database; empty is per process (one-process use only).
CACHES = caches_from_url(env_str("CACHE_URL", ""))
# With DEBUG on, still show the project's 400/403/404 pages (suthra/core/errors.py).
FRIENDLY_ERRORS_IN_DEBUG = env_bool("FRIENDLY_ERRORS_IN_DEBUG", True)
PASSWORD_RESET_RATE_PER_IP = (env_int("PASSWORD_RESET_RATE_PER_IP", 5, minimum=1), 3600)
# API requests per token (or per session user) per minute; see suthra/api/throttle.py.
API_RATE_LIMIT = (env_int("API_RATE_PER_MINUTE", 120, minimum=1), 60)
# Two-factor (TOTP): offered to everyone, required for HEAD and MANAGER unless turned off (demo).
OTP_REQUIRED_FOR_ADMINS = env_bool("OTP_REQUIRED_FOR_ADMINS", not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "Suthra Punjab")
# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ur", "اردو")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Urdu date and number formats (Django ships none for "ur").
FORMAT_MODULE_PATH = ["suthra.pwa.formats"]
TIME_ZONE = "Asia/Karachi"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_MEMORY_BYTES", 5 * 1024 * 1024, minimum=1024)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 40 * 1024 * 1024, minimum=1024)
# An import's error report lists this many problems, then the counts per reason of the rest.
# An import shows as Stalled (with Restart) after this long without progress, or a commit after
# IMPORT_COMMIT_STALL_SECONDS when no transaction holds it (its worker was killed).
IMPORT_STALL_SECONDS = env_int("IMPORT_STALL_SECONDS", 600, minimum=10)
IMPORT_COMMIT_STALL_SECONDS = env_int("IMPORT_COMMIT_STALL_SECONDS", 60, minimum=1)
IMPORT_ERROR_REPORT_MAX_ROWS = env_int("IMPORT_ERROR_REPORT_MAX_ROWS", 10_000, minimum=10)
# After a month's bill or payment load (PostgreSQL): VACUUM ANALYZE the bills, then rebuild
# their two indexes with REINDEX CONCURRENTLY (suthra/billing/maintenance.py).
BILL_MAINTENANCE = env_bool("BILL_MAINTENANCE", True)
BILL_REINDEX = env_bool("BILL_REINDEX", True)
# Background exports: how long the file stays downloadable (by its requester only).
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24, minimum=1)

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "billing@suthra.example.pk")

# --- Field work: tickets, visits, photos, notifications (docs/FIELD_WORK.md) ---------------
# Ticket SLA in hours per ticket type (by TicketType name); "default" for the rest.
TICKET_SLA_HOURS = {
    "default": env_int("TICKET_SLA_HOURS", 72, minimum=1),
    "WRONG_BILL": env_int("TICKET_SLA_HOURS_WRONG_BILL", 72, minimum=1),
    "NAME_MOBILE_CHANGE": env_int("TICKET_SLA_HOURS_NAME_MOBILE_CHANGE", 120, minimum=1),
}
# Adjustments (docs/BILLING.md): a correction that moves the amount owed by more than this many
# rupees is approved by head office only; a proof PDF may be at most this many bytes.
ADJUSTMENT_HEAD_ABOVE = env_int("ADJUSTMENT_HEAD_ABOVE", 10_000, minimum=0)
PROOF_PDF_MAX_BYTES = env_int("PROOF_PDF_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
VISIT_MAX_DISTANCE_M = env_int("VISIT_MAX_DISTANCE_M", 100, minimum=1)
VISIT_MAX_ACCURACY_M = env_int("VISIT_MAX_ACCURACY_M", 50, minimum=1)
VISIT_PHOTO_MAX_SKEW_MINUTES = env_int("VISIT_PHOTO_MAX_SKEW_MINUTES", 30, minimum=1)
PHOTO_MAX_UPLOAD_BYTES = env_int("PHOTO_MAX_UPLOAD_BYTES", 12 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 50_000_000, minimum=10_000)
# Where photos go: "local" (default storage), "s3" (any S3-compatible store) or "drive".
PHOTO_STORAGE = env_str("PHOTO_STORAGE", "local")
# A bare ``dict`` annotation: the entries mix option types (mypy infers dict[str, str] above).
_photos: dict = {}
if PHOTO_STORAGE == "s3":
    _photos = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("S3_PREFIX", "photos"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
elif PHOTO_STORAGE == "drive":
    _photos = {
        "BACKEND": "suthra.core.storage_drive.GoogleDriveStorage",
        "OPTIONS": {
            "folder_id": env_str("DRIVE_FOLDER_ID"),
            "credentials_file": env_str("DRIVE_CREDENTIALS_FILE"),
        },
    }
elif PHOTO_STORAGE != "local":
    raise ImproperEnv("PHOTO_STORAGE must be local, s3 or drive")
if _photos:
    STORAGES["photos"] = _photos
NOTIFY_EMAIL_MAX_ATTEMPTS = env_int("NOTIFY_EMAIL_MAX_ATTEMPTS", 4, minimum=1)
# Field cash (suthra.cash): above this cash in hand a collector takes no new cash until a
# hand-over; one receipt may take what is owed plus this many months' fee; a phone reserves
# this many receipt numbers at a time for offline receipts.
CASH_IN_HAND_LIMIT = env_int("CASH_IN_HAND_LIMIT", 50_000)
CASH_MAX_ADVANCE_MONTHS = env_int("CASH_MAX_ADVANCE_MONTHS", 1)
CASH_RECEIPT_BLOCK_SIZE = env_int("CASH_RECEIPT_BLOCK_SIZE", 20)
# A collector holding cash not handed over for longer than this is reminded (and their
# supervisors), at most once a day (manage.py cash_reminders, run by bin/serve's scheduler).
CASH_HANDOVER_REMIND_HOURS = env_int("CASH_HANDOVER_REMIND_HOURS", 24, minimum=1)
SMS_BACKEND = env_str("SMS_BACKEND", "suthra.notifications.sms.LoggingSmsBackend")
SMS_NOTIFY_KINDS = env_list("SMS_NOTIFY_KINDS", ["ticket.escalated"])
SITE_URL = env_str("SITE_URL", "")

# --- SMS to consumers (suthra/sms; docs/DEPLOY.md, "SMS gateway") ----------------------------
# The public address of the consumer pages: the SMS lookup link is PUBLIC_BASE_URL/bill/?psid=…
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "") or SITE_URL
# Only the starting value of the due day: head office's bill settings (/consumers/settings/)
# hold the one due day of the printed bill, notices, the lookup, the API and SMS.
BILL_DUE_DAY = env_int("BILL_DUE_DAY", 15, minimum=1)
# A run of defaulter notices larger than this is printed by the background export.
NOTICE_PDF_BACKGROUND_ABOVE = env_int("NOTICE_PDF_BACKGROUND_ABOVE", 200, minimum=0)
if BILL_DUE_DAY > 28:
    raise ImproperEnv("BILL_DUE_DAY must be 28 or less (every month has the day)")
# The generic HTTP gateway (SMS_BACKEND=suthra.sms.gateway.HttpSmsBackend).
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_METHOD = env_str("SMS_GATEWAY_METHOD", "POST").upper()
if SMS_GATEWAY_METHOD not in ("GET", "POST"):
    raise ImproperEnv("SMS_GATEWAY_METHOD must be GET or POST")
SMS_GATEWAY_TO_PARAM = env_str("SMS_GATEWAY_TO_PARAM", "to")
SMS_GATEWAY_TEXT_PARAM = env_str("SMS_GATEWAY_TEXT_PARAM", "text")
SMS_GATEWAY_SENDER_PARAM = env_str("SMS_GATEWAY_SENDER_PARAM", "")
SMS_GATEWAY_SENDER = env_str("SMS_GATEWAY_SENDER", "")
SMS_GATEWAY_UNICODE_PARAM = env_str("SMS_GATEWAY_UNICODE_PARAM", "")
SMS_GATEWAY_UNICODE_VALUE = env_str("SMS_GATEWAY_UNICODE_VALUE", "1")
SMS_GATEWAY_USER_PARAM = env_str("SMS_GATEWAY_USER_PARAM", "")
SMS_GATEWAY_USER = env_str("SMS_GATEWAY_USER", "")
SMS_GATEWAY_PASSWORD_PARAM = env_str("SMS_GATEWAY_PASSWORD_PARAM", "")
SMS_GATEWAY_PASSWORD = env_str("SMS_GATEWAY_PASSWORD", "")
SMS_GATEWAY_BASIC_AUTH = env_bool("SMS_GATEWAY_BASIC_AUTH", False)
SMS_GATEWAY_NUMBER_FORMAT = env_str("SMS_GATEWAY_NUMBER_FORMAT", "international")
if SMS_GATEWAY_NUMBER_FORMAT not in ("international", "local"):
    raise ImproperEnv("SMS_GATEWAY_NUMBER_FORMAT must be international or local")
# Fixed extra parameters, "name=value" items separated by commas (e.g. "type=json,mask=1").
SMS_GATEWAY_EXTRA_PARAMS = dict(
    item.split("=", 1) for item in env_list("SMS_GATEWAY_EXTRA_PARAMS", []) if "=" in item
)
SMS_GATEWAY_SUCCESS_STATUS = [int(x) for x in env_list("SMS_GATEWAY_SUCCESS_STATUS", ["200"])]
SMS_GATEWAY_SUCCESS_REGEX = env_str("SMS_GATEWAY_SUCCESS_REGEX", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
# Sending: batch size, requests per second, attempts, first retry delay (doubling).
SMS_BATCH_SIZE = env_int("SMS_BATCH_SIZE", 100, minimum=1)
SMS_RATE_PER_SECOND = env_int("SMS_RATE_PER_SECOND", 5, minimum=1)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 3, minimum=1)
SMS_RETRY_BASE_SECONDS = env_int("SMS_RETRY_BASE_SECONDS", 60, minimum=0)
# No message leaves between these hours (Asia/Karachi); messages wait until the end hour.
SMS_QUIET_HOURS = (
    env_int("SMS_QUIET_START", 21, minimum=0),
    env_int("SMS_QUIET_END", 8, minimum=0),
)
# The gateway's inbound callback (/sms/inbound/): shared secret, parameter names, STOP words.
SMS_INBOUND_SECRET = env_str("SMS_INBOUND_SECRET", "")
SMS_INBOUND_FROM_PARAM = env_str("SMS_INBOUND_FROM_PARAM", "from")
SMS_INBOUND_TEXT_PARAM = env_str("SMS_INBOUND_TEXT_PARAM", "text")
SMS_STOP_KEYWORDS = env_list("SMS_STOP_KEYWORDS", ["STOP", "بند"])
# A first word that takes the sender off the opt-out list again.
SMS_START_KEYWORDS = env_list("SMS_START_KEYWORDS", ["START", "شروع"])

# --- Security -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# JSON lines with the request id in production (LOG_FORMAT=json), plain text when developing.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperEnv("LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "suthra.core.middleware_requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "suthra.core.middleware_requestid.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
# Content-Security-Policy (django-csp 4): no inline scripts or styles; images may be data:/blob:
# (QR codes, photo previews) and map tiles from the tile host of MAP_TILE_URL.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
_tile = urlsplit(MAP_TILE_URL.replace("{s}.", "*."))
MAP_TILE_ORIGIN = f"{_tile.scheme}://{_tile.netloc}" if _tile.scheme and _tile.netloc else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *([MAP_TILE_ORIGIN] if MAP_TILE_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The public bill lookup (/bill/ and the API): lookups per IP and per PSID in a window (seconds),
# counted in the shared cache; every answer takes at least LOOKUP_MIN_SECONDS (no timing oracle).
BILL_LOOKUP_PER_IP = env_int("BILL_LOOKUP_PER_IP", 20)
BILL_LOOKUP_PER_PSID = env_int("BILL_LOOKUP_PER_PSID", 10)
BILL_LOOKUP_WINDOW = env_int("BILL_LOOKUP_WINDOW", 600)
LOOKUP_MIN_SECONDS = 0.15
