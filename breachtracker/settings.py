"""Settings for breachtracker.

Every deployment knob is read from the environment (see `.env.example`). The defaults run a
fresh clone as it is: SQLite in `var/`, a generated development secret, DEBUG on, and an
embedded background-task mode (Celery over a filesystem broker) that needs no Redis.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# openpyxl switches to lxml whenever lxml is installed (pikepdf, for print packs, brings it), and
# its lxml writer and reader treat workbooks differently from the standard library's (the sheet
# reader and the disclosure check are built and tested on the latter). Set before any openpyxl
# import: this module is the first Django loads; workers and child processes inherit it.
os.environ.setdefault("OPENPYXL_LXML", "False")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BREACHTRACKER_VAR_DIR", BASE_DIR / "var"))


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _dev_secret_key() -> str:
    """A per-checkout secret for local use, generated once and kept out of git."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = envbool("DJANGO_DEBUG", True)
SECRET_KEY = envstr("DJANGO_SECRET_KEY") or (_dev_secret_key() if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")

def _dev_field_key() -> str:
    """A per-checkout key for personal data at rest, generated once and kept out of git."""
    path = VAR_DIR / "dev-field-key"
    if not path.exists():
        from cryptography.fernet import Fernet

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
    return path.read_text().strip()


# Keys that encrypt people's contact details at rest (breachtracker/crypto.py): Fernet keys,
# comma-separated; the first encrypts, all decrypt. Rotation: README "Security".
FIELD_KEYS = envlist("BREACHTRACKER_FIELD_KEYS") or ([_dev_field_key()] if DEBUG else [])
if not FIELD_KEYS:
    raise ImproperlyConfigured("BREACHTRACKER_FIELD_KEYS must be set when DJANGO_DEBUG is false")
# Personal data of people in incidents closed longer than this is purged (counts are kept).
RETENTION_MONTHS = envint("BREACHTRACKER_RETENTION_MONTHS", 24)

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "axes",
    "health_check",  # health endpoints' checks (breachtracker/health.py)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "incidents",
    "accounts",
    "notifications",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second step (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "breachtracker.middleware.IdleTimeoutMiddleware",
    # After the idle timeout (an idle session signs out first): a signed-in user who must use
    # two-factor sign-in reaches nothing but its pages until the second step is done.
    "accounts.middleware.TwoFactorMiddleware",
    "breachtracker.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses sign-in attempts from a locked-out username and address.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, off when BREACHTRACKER_PASSWORD_LOGIN is false (single sign-on only).
    "accounts.oidc.PasswordBackend",
    # OpenID Connect single sign-on; does nothing unless BREACHTRACKER_OIDC is on.
    "accounts.oidc.RoleMappingOIDCBackend",
]

ROOT_URLCONF = "breachtracker.urls"
WSGI_APPLICATION = "breachtracker.wsgi.application"

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
                "incidents.context_processors.roles",
            ],
        },
    },
]

DATABASE_URL = envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'breachtracker.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded mode has a web process and a worker writing to one file: wait for the
    # lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction starts: a deferred transaction that reads, then
    # writes while another process writes fails at once with "database is locked" instead of
    # waiting (seen with two letter workers).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # WAL: readers do not block the writer, and a commit is one fsync instead of several.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")

# Generated letters and reports: never served from a public URL, only through views that
# check permissions.
MEDIA_ROOT = Path(envstr("DJANGO_MEDIA_ROOT") or VAR_DIR / "media")
# Every file (letters, packs, reports, import uploads, evidence) is encrypted with the field
# keys by the storage itself (breachtracker/storage.py): local disk under MEDIA_ROOT (0600
# files, 0700 folders), or an S3-compatible bucket when BREACHTRACKER_S3_BUCKET is set, which
# web servers and workers on several machines share.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
S3_BUCKET = envstr("BREACHTRACKER_S3_BUCKET")
if S3_BUCKET:
    _media: dict[str, Any] = {
        "BACKEND": "breachtracker.storage.EncryptedS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("BREACHTRACKER_S3_ENDPOINT_URL") or None,
            "region_name": envstr("BREACHTRACKER_S3_REGION") or None,
            "access_key": envstr("BREACHTRACKER_S3_ACCESS_KEY_ID") or None,
            "secret_key": envstr("BREACHTRACKER_S3_SECRET_ACCESS_KEY") or None,
            "location": envstr("BREACHTRACKER_S3_PREFIX"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": envstr("BREACHTRACKER_S3_ADDRESSING_STYLE") or None,
        },
    }
else:
    _media = {"BACKEND": "breachtracker.storage.EncryptedFileSystemStorage"}
STORAGES = {
    "default": _media,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console in development; SMTP settings from the environment in production.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH") or str(VAR_DIR / "sent-email")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "breachtracker@localhost")

# Background tasks. With REDIS_URL set, Celery uses Redis as broker and result store. Without
# it, the embedded mode: a filesystem broker under var/, and `make run` starts a worker
# beside the web server, so tasks still run outside the request with no Redis installed.
REDIS_URL = envstr("REDIS_URL")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND: str | None = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    _queue_dir = VAR_DIR / "celery-queue"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        # Broadcast (control) messages; kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TIMEZONE = TIME_ZONE
# Work a dead worker left behind is taken over once its claim is older than the stale period
# (NOTIFICATIONS_CLAIM_STALE_SECONDS, BREACHTRACKER_IMPORT_STALE_SECONDS), by the next sweep:
# so a batch or an import whose worker died finishes (or an import fails cleanly) within the
# stale period plus one sweep interval, with nobody clicking anything.
NOTIFICATIONS_SWEEP_SECONDS = envint("NOTIFICATIONS_SWEEP_SECONDS", 300)
BREACHTRACKER_IMPORT_SWEEP_SECONDS = envint("BREACHTRACKER_IMPORT_SWEEP_SECONDS", 300)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "notifications-sweep": {"task": "notifications.tasks.sweep", "schedule": 3600.0},
    "notifications-resume-batches": {"task": "notifications.tasks.resume_batches",
                                     "schedule": float(NOTIFICATIONS_SWEEP_SECONDS)},
}
# Uploaded spreadsheets waiting for a confirmation that never came are deleted after a day.
CELERY_BEAT_SCHEDULE["incidents.retention_purge"] = {"task": "incidents.retention_purge", "schedule": 86400.0}
# Every five minutes: an import whose worker died is resumed, or failed cleanly, within minutes.
CELERY_BEAT_SCHEDULE["incidents.subject_import_sweep"] = {"task": "incidents.subject_import_sweep",
                                                          "schedule": float(BREACHTRACKER_IMPORT_SWEEP_SECONDS)}
# Every five minutes: checked files kept (encrypted) for a release-safe copy go after their hour.
CELERY_BEAT_SCHEDULE["incidents.disclosure_held_sweep"] = {"task": "incidents.disclosure_held_sweep", "schedule": 300.0}
# WeasyPrint's native memory grows ~0.2 MB per letter in a long-lived process: recycle the
# worker child after this many tasks (a chunk of letters is one task).
CELERY_WORKER_MAX_TASKS_PER_CHILD = envint("CELERY_WORKER_MAX_TASKS_PER_CHILD", 20)

# Incidents with at least this many people get their regulator report PDF from a worker.
REPORT_PDF_ASYNC_SUBJECTS = envint("REPORT_PDF_ASYNC_SUBJECTS", 5000)

# Letters: how many a chunk task renders, and after how long a worker's claim on a row is
# considered dead and another worker takes it over.
NOTIFICATIONS_CHUNK_SIZE = envint("NOTIFICATIONS_CHUNK_SIZE", 25)
NOTIFICATIONS_CLAIM_STALE_SECONDS = envint("NOTIFICATIONS_CLAIM_STALE_SECONDS", 600)
NOTIFICATIONS_EMAIL_RETRY_SECONDS = envint("NOTIFICATIONS_EMAIL_RETRY_SECONDS", 60)
# Letters per part of a print pack: parts are built in parallel tasks, then joined (issue 18).
NOTIFICATIONS_PACK_PART_SIZE = envint("NOTIFICATIONS_PACK_PART_SIZE", 2000)

# A session ends after SESSION_IDLE_SECONDS without a request, and at the latest after
# SESSION_COOKIE_AGE, or when the browser closes.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("DJANGO_BEHIND_PROXY", False) else None

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed attempts for one
# username from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = envint("AXES_PROXY_COUNT", 0) or None

# Two-factor sign-in (accounts/, issue 17): DPOs and case handlers must use an authenticator
# app (TOTP) after their password; auditors may, and must when this is on. Anyone with a
# device is asked for a code. A wrong code locks that device for 1, 2, 4, 8... seconds times
# the factor (django-otp's throttling), on top of django-axes' password lockout.
BREACHTRACKER_OTP_AUDITORS = envbool("BREACHTRACKER_OTP_AUDITORS", False)
OTP_TOTP_ISSUER = envstr("BREACHTRACKER_OTP_ISSUER", "breachtracker")
OTP_TOTP_THROTTLE_FACTOR = envint("BREACHTRACKER_OTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Single sign-on through OpenID Connect (accounts/oidc.py, mozilla-django-oidc): off by default.
# The provider's roles claim is mapped onto our roles (BREACHTRACKER_OIDC_ROLE_MAP,
# "provider-value=Role,..."); with BREACHTRACKER_PASSWORD_LOGIN off, only single sign-on works.
# Single sign-on users are not asked for our code unless BREACHTRACKER_OIDC_REQUIRE_OTP: the
# provider is expected to enforce its own multi-factor sign-in.
BREACHTRACKER_OIDC = envbool("BREACHTRACKER_OIDC", False)
BREACHTRACKER_PASSWORD_LOGIN = envbool("BREACHTRACKER_PASSWORD_LOGIN", True)
BREACHTRACKER_OIDC_REQUIRE_OTP = envbool("BREACHTRACKER_OIDC_REQUIRE_OTP", False)
BREACHTRACKER_OIDC_USERNAME_CLAIM = envstr("BREACHTRACKER_OIDC_USERNAME_CLAIM", "preferred_username")
BREACHTRACKER_OIDC_ROLES_CLAIM = envstr("BREACHTRACKER_OIDC_ROLES_CLAIM", "groups")


def envmap(name: str, default: str) -> dict[str, str]:
    result = {}
    for item in envlist(name, default):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name}: {item!r} is not provider-value=Role")
        result[key.strip()] = value.strip()
    return result


BREACHTRACKER_OIDC_ROLE_MAP = envmap(
    "BREACHTRACKER_OIDC_ROLE_MAP",
    "breachtracker-dpo=DPO,breachtracker-case-handler=Case handler,breachtracker-auditor=Auditor",
)
# The provider's issuer URL: ID tokens from any other issuer are refused.
BREACHTRACKER_OIDC_ISSUER = envstr("BREACHTRACKER_OIDC_ISSUER")
OIDC_RP_CLIENT_ID = envstr("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = envstr("OIDC_RP_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = envstr("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = envstr("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = envstr("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = envstr("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = envstr("OIDC_RP_SCOPES", "openid email profile")
OIDC_TIMEOUT = envint("OIDC_TIMEOUT_SECONDS", 10)
OIDC_USE_PKCE = True
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
if BREACHTRACKER_OIDC:
    _missing = [name for name in ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT",
                                  "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT")
                if not globals()[name]]
    if _missing:
        raise ImproperlyConfigured(f"BREACHTRACKER_OIDC is on but these are not set: {', '.join(_missing)}")

# Content Security Policy: everything from our own origin, no inline scripts or styles, no
# third parties. `data:` images are Bootstrap's own inline SVG icons (form controls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# An upload larger than this is refused before it is read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
BREACHTRACKER_MAX_UPLOAD_MB = envint("BREACHTRACKER_MAX_UPLOAD_MB", 50)
# The most rows one import reads (counted as the sheet numbers them, blank rows included):
# checked while streaming, so a sheet of a million empty rows is stopped, not scanned.
BREACHTRACKER_IMPORT_MAX_ROWS = envint("BREACHTRACKER_IMPORT_MAX_ROWS", 250_000)
# Seconds one pass over an uploaded file may take (the worker's check or import pass).
BREACHTRACKER_IMPORT_SECONDS = envint("BREACHTRACKER_IMPORT_SECONDS", 20 * 60)
# An XLSX import's check reads the sheet's XML in a second process while this one validates
# the rows (two cores: the check takes about half as long). Off: one process does both.
BREACHTRACKER_IMPORT_PARALLEL = envbool("BREACHTRACKER_IMPORT_PARALLEL", True)
# A running import whose worker has reported nothing for this long has lost its worker: the
# sweep resumes it (at most twice), or fails it cleanly.
BREACHTRACKER_IMPORT_STALE_SECONDS = envint("BREACHTRACKER_IMPORT_STALE_SECONDS", 15 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOG_LEVEL", "WARNING")},
}
SIMPLE_HISTORY_REVERT_DISABLED = True

# Links in reminder emails point here.
BREACHTRACKER_BASE_URL = envstr("BREACHTRACKER_BASE_URL", "http://127.0.0.1:8000")

# Hourly: regulator-clock reminders (24/48/66 h, deadline) and restrictions due for review.
# Run exactly one `celery beat`; a second one is harmless (each reminder is claimed once).
CELERY_BEAT_SCHEDULE["incident-reminders"] = {
    "task": "incidents.send_reminders",
    "schedule": 60 * 60,
}

# History rows may carry a reason (a withholding reason, an undo); some are longer than
# simple-history's default 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
