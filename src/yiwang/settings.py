"""Django settings for Yiwang, read from the environment (see ``.env.example``).

Embedded by default (SQLite, SqliteHuey, local files); distributed when ``DATABASE_URL``,
``REDIS_URL`` and ``YIWANG_S3_BUCKET`` are set. The code is the same either way.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from yiwang.env import env_bool, env_int, env_list, env_optional, env_str

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("YIWANG_VAR_DIR", str(REPO_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Test mode is said, never guessed: the test settings (yiwang.settings_test) set YIWANG_TESTING.
TESTING = env_bool("YIWANG_TESTING", False)
PRODUCTION = env_str("YIWANG_ENV", "local") == "production"
DEBUG = env_bool("YIWANG_DEBUG", False)
DEMO_MODE = env_bool("YIWANG_DEMO", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("YIWANG_DEBUG=true is refused when YIWANG_ENV=production")
if PRODUCTION and TESTING:
    raise ImproperlyConfigured("YIWANG_TESTING=true is refused when YIWANG_ENV=production")


def _local_secret(name: str, make: str) -> str:
    """A secret kept under var/keys/ for single-machine installs; production must set it."""
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when YIWANG_ENV=production")
    keys = VAR_DIR / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    path = keys / name.lower()
    if not path.exists():
        path.write_text(make, encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_optional("YIWANG_SECRET_KEY") or _local_secret("YIWANG_SECRET_KEY", secrets.token_urlsafe(50))
# Personal data keys: "kid:64-hex-chars" entries, newest first. The first encrypts; all decrypt.
PII_KEYS = env_list("YIWANG_PII_KEYS", []) or [
    _local_secret("YIWANG_PII_KEYS", f"k{secrets.token_hex(2)}:{secrets.token_hex(16)}")
]
# Blind-index key for exact lookups of encrypted values (hex). Rotating it needs a reindex.
PII_INDEX_KEY = env_optional("YIWANG_PII_INDEX_KEY") or _local_secret("YIWANG_PII_INDEX_KEY", secrets.token_hex(32))
# SM2 private key (64 hex chars) that signs audit anchors.
AUDIT_SM2_PRIVATE_KEY = env_optional("YIWANG_AUDIT_SM2_KEY") or _local_secret(
    "YIWANG_AUDIT_SM2_KEY", secrets.token_hex(32)
)
AUDIT_PARTITIONS = env_int("YIWANG_AUDIT_PARTITIONS", 16, minimum=1)
AUDIT_RETENTION_DAYS = env_int("YIWANG_AUDIT_RETENTION_DAYS", 365, minimum=183)
AUDIT_ANCHOR_MINUTES = env_int("YIWANG_AUDIT_ANCHOR_MINUTES", 10, minimum=1)

ALLOWED_HOSTS = env_list("YIWANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("YIWANG_CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("YIWANG_HTTPS", PRODUCTION)

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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "ninja",
    "yiwang.core",
    "yiwang.calendar",
    "yiwang.org",
    "yiwang.accounts",
    "yiwang.notify",
    "yiwang.workflow",
    "yiwang.catalog",
    "yiwang.cases",
    "yiwang.licences",
    "yiwang.hotline",
    "yiwang.supervision",
    "yiwang.evaluation",
    "yiwang.performance",
    "yiwang.api",
    "yiwang.portal",
    "yiwang.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yiwang.core.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yiwang.core.locale.PlatformLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTP (it sets is_verified) and before anything that reads request.user or the position.
    "yiwang.accounts.middleware.StaffTwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yiwang.core.middleware.RequestContextMiddleware",
    "yiwang.org.middleware.CurrentPositionMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    "yiwang.core.middleware.PdfUnavailableMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"

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
                "yiwang.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'yiwang.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_sqlite), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
            "PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("YIWANG_DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, queue -----------------------------------------------
REDIS_URL = env_optional("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yiwang"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

_huey_immediate = env_bool("YIWANG_HUEY_IMMEDIATE", TESTING)
# Periodic tasks are written in the platform's local time (TIME_ZONE, which Django also sets as the
# process time zone): "00:20" means 00:20 in Beijing, not 00:20 UTC (= 08:20 Beijing).
if REDIS_URL and not _huey_immediate:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("YIWANG_HUEY_NAME", "yiwang"),
        "url": REDIS_URL,
        "immediate": False,
        "utc": False,
        "consumer": {"workers": env_int("YIWANG_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "yiwang",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": _huey_immediate,
        "utc": False,
        "consumer": {"workers": env_int("YIWANG_WORKERS", 2, minimum=1), "worker_type": "thread"},
    }

# --- Files ------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("YIWANG_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("YIWANG_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
_s3_bucket = env_optional("YIWANG_S3_BUCKET")
if _s3_bucket:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3_bucket,
            "endpoint_url": env_optional("YIWANG_S3_ENDPOINT_URL"),
            "access_key": env_optional("YIWANG_S3_ACCESS_KEY"),
            "secret_key": env_optional("YIWANG_S3_SECRET_KEY"),
            "region_name": env_optional("YIWANG_S3_REGION"),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Authentication and security ------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("YIWANG_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("YIWANG_LOGIN_COOLOFF_MINUTES", 30, minimum=1))
# Two counters (see yiwang.accounts.lockout): one account from any address, and one address
# against any account (password spraying), the latter with a wider limit for office NATs.
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_IP_FAILURE_LIMIT = env_int("YIWANG_LOGIN_IP_FAILURE_LIMIT", 20, minimum=1)
AXES_HANDLER = "yiwang.accounts.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "yiwang.core.context.request_client_ip"
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_ENABLED = env_bool("YIWANG_AXES_ENABLED", True)
# Public forms that could be used to guess: (tries per client address, window in seconds).
# See yiwang.core.ratelimit.
RATE_LIMITS = {
    "accounts.register": (env_int("YIWANG_REGISTER_LIMIT", 10, minimum=1), 3600),
    "accounts.register_confirm": (env_int("YIWANG_REGISTER_CONFIRM_LIMIT", 30, minimum=1), 3600),
    "accounts.register_phone": (env_int("YIWANG_REGISTER_PHONE_LIMIT", 5, minimum=1), 3600),
    "hotline.mailbox_track": (env_int("YIWANG_MAILBOX_TRACK_LIMIT", 20, minimum=1), 600),
    "cases.status_query": (env_int("YIWANG_STATUS_QUERY_LIMIT", 20, minimum=1), 600),
}
# Citizen registration is confirmed by an SMS code (accounts.registration). In the demo (never in
# production or tests) the code is this fixed value and the code page says so.
ACCOUNTS_REGISTER_DEMO_CODE = "123456" if DEMO_MODE and not PRODUCTION and not TESTING else ""
# Unmasking personal data (查看完整个人信息): a hard limit per position per hour, and the hourly
# volume above which supervision gets an alert (rule ``unmask_volume``).
PERSON_UNMASK_LIMIT_PER_HOUR = env_int("YIWANG_UNMASK_LIMIT_PER_HOUR", 30, minimum=1)
PERSON_UNMASK_ALERT_PER_HOUR = env_int("YIWANG_UNMASK_ALERT_PER_HOUR", 10, minimum=1)
OTP_TOTP_ISSUER = env_str("YIWANG_OTP_ISSUER", "Yiwang 一网")
# Staff must pass TOTP (or a backup code). Only turn this off on a throwaway test box.
STAFF_REQUIRE_2FA = env_bool("YIWANG_STAFF_REQUIRE_2FA", True)
if PRODUCTION and not STAFF_REQUIRE_2FA:
    raise ImproperlyConfigured("YIWANG_STAFF_REQUIRE_2FA=false is refused when YIWANG_ENV=production")

# Content-Security-Policy (django-csp). No CDN: scripts, styles, fonts and images come from this
# site only. Inline <script>/<style> blocks carry the per-request nonce ({{ request.csp_nonce }});
# inline event handlers are not allowed (static/yiwang/site.js binds them). style="" attributes
# stay allowed: they cannot run code, and ECharts and htmx set them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_AGE = env_int("YIWANG_SESSION_SECONDS", 8 * 3600, minimum=300)
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Proxies (load balancers) whose X-Forwarded-For is believed, as addresses or CIDR blocks.
# Empty: the socket address is the client. gunicorn reads the same variable. See docs/operations.md.
TRUSTED_PROXIES = env_list("YIWANG_PROXY_IPS", [])
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("YIWANG_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("YIWANG_HSTS_SUBDOMAINS", True)
    # Preloading is a promise to browsers that is slow to take back: the operator opts in.
    SECURE_HSTS_PRELOAD = env_bool("YIWANG_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("YIWANG_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the balancer's health check may use plain HTTP
SILENCED_SYSTEM_CHECKS = [] if env_bool("YIWANG_HSTS_PRELOAD", False) else ["security.W021"]

# --- Language and time -----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Working-day clock ------------------------------------------------------
# A clock turns yellow when this many working days or fewer remain (REGULATIONS: warn 1 day before).
CLOCK_YELLOW_REMAINING_WORKDAYS = env_int("YIWANG_CLOCK_YELLOW_DAYS", 1, minimum=0)
# After a timely supplement notice (补正告知) the acceptance period restarts on the day the last
# supplemented material arrives: this many working days to decide whether to accept (行政许可法 Art. 32:
# 5 days; REGULATIONS.md). Not the 容缺 deadline, which each catalogue item sets (deferral_days).
CASE_SUPPLEMENT_ACCEPTANCE_DAYS = env_int("YIWANG_CASE_SUPPLEMENT_ACCEPTANCE_DAYS", 5, minimum=1)

# --- Notifications ------------------------------------------------------------
NOTIFY_SMS_BACKEND = env_str("YIWANG_SMS_BACKEND", "file")  # file | console | http
NOTIFY_EMAIL_BACKEND = env_str("YIWANG_EMAIL_BACKEND", "file")  # file | console | smtp
NOTIFY_OUTBOX_DIR = Path(env_str("YIWANG_OUTBOX_DIR", str(VAR_DIR / "outbox")))
NOTIFY_SMS_GATEWAY_URL = env_optional("YIWANG_SMS_GATEWAY_URL")
NOTIFY_SMS_GATEWAY_TOKEN = env_optional("YIWANG_SMS_GATEWAY_TOKEN")
NOTIFY_SMS_SIGN = env_str("YIWANG_SMS_SIGN", "一网政务")
# 12345 hotline: shared secret of the inbound-SMS gateway hook (header X-Yiwang-Token); empty = hook off.
YIWANG_SMS_INBOUND_TOKEN = env_str("YIWANG_SMS_INBOUND_TOKEN", "")
NOTIFY_MAX_RETRIES = env_int("YIWANG_NOTIFY_RETRIES", 3, minimum=0)
EMAIL_HOST = env_str("YIWANG_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("YIWANG_SMTP_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("YIWANG_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("YIWANG_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("YIWANG_SMTP_TLS", False)
DEFAULT_FROM_EMAIL = env_str("YIWANG_FROM_EMAIL", "noreply@yiwang.local")
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# --- Site -------------------------------------------------------------------
SITE_NAME = env_str("YIWANG_SITE_NAME", "一网 · 莒南县政务服务平台")
# Public base URL printed in licence QR codes, rating links and notices (see yiwang.core.site).
# Empty: the request's host, else http://127.0.0.1:<port of `manage.py serve`>. Required in
# production: a QR code printed on a licence must never point at a host a request happened to name.
SITE_URL = env_str("YIWANG_SITE_URL", "")
if PRODUCTION and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("YIWANG_SITE_URL (e.g. https://zwfw.example.gov.cn) must be set when YIWANG_ENV=production")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "yiwang.core.masking.MaskingLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pii"]},
    },
    "root": {"handlers": ["console"], "level": env_str("YIWANG_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
