"""Gongzhi settings. Every environment variable is read here, at the top, with its default."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", False)
# No silent fallback: a server without DEBUG must be given its own key (the Makefile's demo makes one in var/).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-gongzhi-debug-only"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", 30 * 60))
# Failures from one client address (for one account, or for all) before that address waits LOGIN_LOCK_MINUTES;
# past twice that count on one account from anywhere, each further try waits a growing delay (never a hard lock,
# so nobody can lock a user out at will).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", 5))
LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", 15))
LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", 60))
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 90))
# Connections the yearly points expiry uses at once on PostgreSQL (its work is in the database; on a
# 2-core server 4 overlapped best: docs/points-bench.md). SQLite always runs it in one.
POINTS_EXPIRY_WORKERS = max(1, int(os.environ.get("POINTS_EXPIRY_WORKERS", 4)))
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", 90))  # 0: never forced
AUDIT_KEEP_DAYS = max(180, int(os.environ.get("AUDIT_KEEP_DAYS", 180)))  # Cybersecurity Law Art. 21: >= 6 months
SECURE_COOKIES = _env_bool("SECURE_COOKIES", False)
# Proxies (nginx) in front of the server: the client address is the one they add to X-Forwarded-For.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
JIEBA_CACHE_DIR = Path(os.environ.get("JIEBA_CACHE_DIR", BASE_DIR / "var"))
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "var" / "backups"))
# Personal data at rest (gongzhi/core/crypto.py): "id:base64key,id2:base64key2" (32-byte AES keys; the
# first seals, all open: `manage.py rotate_data_key`), and a separate key for the blind index (HMAC).
DATA_KEYS = os.environ.get("GONGZHI_DATA_KEYS", "")
INDEX_KEY = os.environ.get("GONGZHI_INDEX_KEY", "")
if not (DATA_KEYS and INDEX_KEY):
    if not DEBUG:
        raise ImproperlyConfigured("GONGZHI_DATA_KEYS and GONGZHI_INDEX_KEY must be set when DEBUG is off")
    DATA_KEYS = DATA_KEYS or "debug:ZGVidWctb25seS1rZXktZGVidWctb25seS1rZXktMDE="
    INDEX_KEY = INDEX_KEY or "debug-only-index-key"
# The demo app (gongzhi/demo, `load_demo`) is installed only for the demo (GONGZHI_DEMO=1) and
# the tests (config/settings_test.py).
DEMO = _env_bool("GONGZHI_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files instead of a CDN
    "axes",
    "gongzhi.core",
    "gongzhi.accounts",
    "gongzhi.territory",
    "gongzhi.people",
    "gongzhi.points",
    "gongzhi.tickets",
    "gongzhi.deliberation",
    "gongzhi.evaluation",
    "gongzhi.activities",
    "gongzhi.visits",
    "gongzhi.dashboard",
]
if DEMO:
    INSTALLED_APPS.append("gongzhi.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gongzhi.accounts.middleware.PasswordAgeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a lock-out found by the axes backend into the 429 answer (page, API or admin alike).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.context_processors.site",
                "gongzhi.dashboard.context_processors.nav",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# Small tables read on every request (the ticket catalogue, the work calendar) are cached here, per
# process by default; a shared backend (Redis, Memcached) would make a change visible everywhere at once.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the timeout waits for the writer instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Axes first: every way in (login page, API token, /admin/login/) goes through authenticate(), so the lock-out
# and the failure counting hold for all of them.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "gongzhi.accounts.backends.UsernameOrPhoneBackend"]
AXES_FAILURE_LIMIT = LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = LOGIN_LOCK_MINUTES / 60  # hours
# Per account from one address, and per address over all accounts; never per account alone (see above).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "gongzhi.accounts.services.axes_username"
AXES_CLIENT_IP_CALLABLE = "gongzhi.accounts.services.client_ip"
AXES_LOCKOUT_CALLABLE = "gongzhi.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "gongzhi.accounts.validators.CharacterClassValidator"},
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# 等保 2.0: the session ends after SESSION_IDLE_SECONDS without a request, and at browser close.
# Django's own settings do it: each request saves the session with a new expiry date, and the
# server refuses a session past that date (a replayed cookie included).
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_FAILURE_VIEW = "gongzhi.core.views.csrf_failure"  # JSON under /api/, the site's 403 page elsewhere
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if SECURE_COOKIES:
    # Served over HTTPS behind nginx, which sets X-Forwarded-Proto (docs/operations.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
# Content-Security-Policy: everything from this server only; no inline script or style attribute.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "zh-hans"
# Chinese only, until a complete translation exists (no page may mix two languages).
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Without collectstatic (tests, DEBUG) WhiteNoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# In-app inbox always; add e.g. an SMS sender class here (see gongzhi/accounts/notify.py).
NOTIFICATION_SENDERS = ["gongzhi.accounts.notify.InboxSender"]

# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds the same index without the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
