"""Settings shared by every environment; everything that varies comes from the environment.

`minping.settings.production` tightens these for deployment, `minping.settings.test`
for the test suite.
"""
import datetime as dt
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("MINPING_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _development_secret_key() -> str:
    """A random key kept under var/, so sessions survive restarts of the demo server."""
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "surveys",
    "scoring",
    "publicity",
    "rectification",
    "jobs",
    "staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages compressed on the way out (a delegate's ballot: ≈ 200 KB of HTML, ≈ 10 KB gzipped); Django
    # pads compressed responses at random against BREACH. Static files come precompressed from whitenoise.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "minping.middleware.NoStoreBallotsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "minping.middleware.RefuseInvalidUtf8Middleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minping.urls"
WSGI_APPLICATION = "minping.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'minping.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a ballot is being written; the busy timeout makes
    # concurrent writers wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files waiting for confirmation (paper ballot imports): never served. With several app
# servers, point "default" and "uploads" at shared storage (docs/deploy.md, "Media").
MINPING_UPLOAD_DIR = Path(env_str("MINPING_UPLOAD_DIR", str(VAR_DIR / "uploads")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "uploads": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": MINPING_UPLOAD_DIR, "base_url": None}},
}

# Everyone with an account signs in at /accounts/login/ and starts at /accounts/start/ (accounts app).
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:start"
LOGOUT_REDIRECT_URL = "home"
# A form refused for its missing CSRF token gets the site's error page, in the user's language.
CSRF_FAILURE_VIEW = "minping.errors.csrf_failure"
# A second factor (TOTP, django-otp) for staff: whoever sets up an authenticator app is always asked
# for its code; with this on (production), staff must set one up before reaching any staff page.
MINPING_STAFF_TOTP_REQUIRED = env_bool("MINPING_STAFF_TOTP_REQUIRED", False)
OTP_TOTP_ISSUER = "Minping"
# Nobody reads another person's TOTP secret, not even a superuser (the admin only removes devices).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions end after an idle hour: every request of a signed-in user moves the expiry on
# (only staff and unit contacts sign in; voters never have a session).
SESSION_COOKIE_AGE = env_int("MINPING_SESSION_IDLE_SECONDS", 3600)
SESSION_SAVE_EVERY_REQUEST = True

# Sign-in throttling (django-axes): after 5 failures an account, and separately an address, is locked
# out for 30 minutes (429); counted in the shared cache, so every app server sees the same count.
# Failures, lock-outs and sign-ins are audit events (surveys.signin).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("MINPING_SIGNIN_FAILURES_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(seconds=env_int("MINPING_SIGNIN_LOCKOUT_SECONDS", 1800))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "minping.lib.ratelimit.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "surveys.signin.locked_out_response"
AXES_VERBOSE = False
# Counts live in the cache (AxesCacheHandler): the access-attempt tables stay empty, so no admin pages.
AXES_ENABLE_ADMIN = False

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    # JSON only: no browsable API (its pages carry inline script, and every error answers in JSON).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["minping.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "minping.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Minping API",
    "DESCRIPTION": "民评：群众评议与满意度测评平台",
    "VERSION": "1.0.0",
    # The docs page loads Swagger UI from our own static files, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Background jobs (scoring, publishing, imports): django-tasks, the API Django 6 adopts, with its
# database backend — the queue is a table, so workers on any machine share it (`manage.py db_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Import and export screens need the model's "import_…"/"export_…" permission (evaluation staff), not
# just `is_staff`; see surveys.roles.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"


# Where ballot links point; invitation slips and CSVs print it.
MINPING_BASE_URL = env_str("MINPING_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_codes": {"()": "minping.lib.logmask.MaskInvitationCodes"}},
    "formatters": {
        "server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
        # Masks the finished line, so tracebacks of failed requests cannot carry a code either.
        "masked": {"()": "minping.lib.logmask.MaskingFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_codes"], "formatter": "masked"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["mask_codes"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO"), "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # gunicorn's loggers are left to gunicorn (`--access-logfile`, `--error-logfile`): configuring
        # them here would replace its handlers. gunicorn.conf.py masks codes in what they write.
        # WeasyPrint narrates every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes reports each reset at INFO; failures and lock-outs (WARNING) stay, and are audited.
        "axes": {"level": "WARNING"},
    },
}

# The admin's name in the header, translated per request.
ADMIN_SITE_HEADER = _("Minping evaluation office")

# Limits (see README, "Limits") count in the cache, which must be shared by every process and server:
# Redis when MINPING_REDIS_URL is set, else a table in the database (`manage.py createcachetable`).
MINPING_REDIS_URL = env_str("MINPING_REDIS_URL")
if MINPING_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": MINPING_REDIS_URL,
                          "KEY_PREFIX": "minping"}}
else:
    # Culling drops arbitrary entries (and so resets limits) once the table holds MAX_ENTRIES.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "minping_cache",
                          "OPTIONS": {"MAX_ENTRIES": 200_000}}}
# How many reverse proxies in front of the app servers append to X-Forwarded-For; the client's address
# is the entry that many places from the end. 0: no proxy, the peer's address (REMOTE_ADDR) is the client.
MINPING_TRUSTED_PROXIES = env_int("MINPING_TRUSTED_PROXIES", 0)
MINPING_CODE_FAILURES_LIMIT = env_int("MINPING_CODE_FAILURES_LIMIT", 20)        # wrong codes per client …
MINPING_CODE_FAILURES_WINDOW = env_int("MINPING_CODE_FAILURES_WINDOW", 600)     # … per 10 minutes
MINPING_OPEN_BALLOTS_LIMIT = env_int("MINPING_OPEN_BALLOTS_LIMIT", 5)           # open-access ballots per client …
MINPING_OPEN_BALLOTS_WINDOW = env_int("MINPING_OPEN_BALLOTS_WINDOW", 3600)      # … per hour
MINPING_DUPLICATE_WINDOW = env_int("MINPING_DUPLICATE_WINDOW", 86400)           # same client + browser within a day: flagged
# /healthz reports settling as "behind" (status "degraded") above this many pending ballots.
MINPING_HEALTH_MAX_PENDING = env_int("MINPING_HEALTH_MAX_PENDING", 5000)

# --- Publicity: notices (公示 / 通报) and objections (publicity app) -------------------------------
# Who issues the notices, printed at their end and in the document's metadata.
MINPING_ISSUING_ORGAN = env_str("MINPING_ISSUING_ORGAN", "民评市群众评议工作办公室")
# The prefix (机关代字) of the organ's document numbers (发文字号, e.g. 民评办〔2026〕3号) until staff
# set another in the admin (document number series); numbers run per organ and year.
MINPING_DOCUMENT_PREFIX = env_str("MINPING_DOCUMENT_PREFIX", "民评办")
# 主送机关 printed under the title (e.g. "各区人民政府，市政府各部门"); empty: none, as for a public notice.
MINPING_NOTICE_RECIPIENTS = env_str("MINPING_NOTICE_RECIPIENTS", "")
# The 版记 at the end of every notice: 抄送 (e.g. "市委办公室，市人大常委会办公室"; empty: no 抄送 line)
# and the 印发机关 (empty: the issuing organ); the 印发日期 is the date of issue.
MINPING_NOTICE_COPIES_TO = env_str("MINPING_NOTICE_COPIES_TO", "")
MINPING_NOTICE_PRINTED_BY = env_str("MINPING_NOTICE_PRINTED_BY", "")
# How to object during the publicity period, printed in every publicity notice.
MINPING_OBJECTION_PHONE = env_str("MINPING_OBJECTION_PHONE", "0000-12345678（演示号码）")
MINPING_OBJECTION_ADDRESS = env_str("MINPING_OBJECTION_ADDRESS", "民评市人民路 1 号评议办公室（演示地址）")
# Length of the publicity period in working days (statutory holidays and adjusted working days count
# as the State Council sets them, from the chinese-calendar package).
MINPING_PUBLICITY_WORKING_DAYS = env_int("MINPING_PUBLICITY_WORKING_DAYS", 5)
# Rectification: attachments of plans and reports (bytes), public return-visit ratings per client per window.
MINPING_RECTIFICATION_FILE_MAX_BYTES = env_int("MINPING_RECTIFICATION_FILE_MAX_BYTES", 10 * 1024 * 1024)
MINPING_RETURN_VISITS_LIMIT = env_int("MINPING_RETURN_VISITS_LIMIT", 5)
MINPING_RETURN_VISITS_WINDOW = env_int("MINPING_RETURN_VISITS_WINDOW", 3600)
# The organ's own seal (印章) image — PNG or SVG file — embedded as a data: URL; empty: no seal.
# The software never draws a seal of its own.
MINPING_SEAL_IMAGE = env_str("MINPING_SEAL_IMAGE", "")
# Optional PAdES signature of published notices: a PKCS#12 file with the key and certificate.
MINPING_SIGNING_P12 = env_str("MINPING_SIGNING_P12", "")
MINPING_SIGNING_PASSPHRASE = env_str("MINPING_SIGNING_PASSPHRASE", "")
# Optional RFC 3161 timestamp authority: each published notice's SHA-256 and the signed chain file get
# a token from it (publicity/anchoring.py); its certificates (PEM files) are trusted when checking them.
MINPING_TSA_URL = env_str("MINPING_TSA_URL", "")
MINPING_TSA_TIMEOUT = env_int("MINPING_TSA_TIMEOUT", 10)
MINPING_TSA_CERTIFICATES = env_list("MINPING_TSA_CERTIFICATES", "")
# Objections on the public form: per client per window, like the ballot limits.
MINPING_OBJECTIONS_LIMIT = env_int("MINPING_OBJECTIONS_LIMIT", 5)             # objections per client …
MINPING_OBJECTIONS_WINDOW = env_int("MINPING_OBJECTIONS_WINDOW", 3600)        # … per hour
MINPING_VERIFY_LIMIT = env_int("MINPING_VERIFY_LIMIT", 60)                    # verification uploads per client …
MINPING_VERIFY_WINDOW = env_int("MINPING_VERIFY_WINDOW", 3600)                # … per hour
# The staff dashboard reloads its figures this often while JavaScript is on (seconds).
MINPING_DASHBOARD_REFRESH_SECONDS = env_int("MINPING_DASHBOARD_REFRESH_SECONDS", 60)

# --- Headers -------------------------------------------------------------------------------------
# A strict Content-Security-Policy: scripts and styles only from our own static files (no inline
# script, style or event handler in any page), nothing framed, forms post only to this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# No page needs a device or a powerful browser feature.
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer", "microphone",
    "midi", "payment", "usb", "serial", "hid", "bluetooth", "browsing-topics", "interest-cohort",
)}
# Ballot pages and the ballot API are never stored by a browser or a shared cache (Cache-Control: no-store).
MINPING_NO_STORE_PREFIXES = ("/b/", "/c/", "/api/v1/ballots/")
# How long a client is asked to wait (Retry-After, seconds) when the database cannot be reached.
MINPING_RETRY_AFTER = env_int("MINPING_RETRY_AFTER", 30)
