"""MyelomaCDS settings: one file, driven by the environment (see README, "Configuration").

Production differs from development only by environment variables. With DEBUG off the app refuses to start
without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL, so a misconfigured server fails loudly instead of running
insecurely or on a throw-away SQLite file.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from myeloma_cds import __version__
from patients.units import UnitError, site_units

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
APP_VERSION = __version__


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is off (see README, 'Configuration'). "
            f"For local development run with DEBUG=true."
        )
    return value


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = _required("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be set when DEBUG is off, e.g. ALLOWED_HOSTS=cds.example-hospital.org"
        )

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "formtools",
    "simple_history",
    "csp",
    "axes",
    "regimens",
    "patients",
    "board",
    "careteams",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "myeloma_cds.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "myeloma_cds.middleware.UserAccessMiddleware",
    "patients.readlog.AccessReadMiddleware",
    "myeloma_cds.middleware.SessionIdleRenewalMiddleware",
    "myeloma_cds.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "myeloma_cds.urls"
WSGI_APPLICATION = "myeloma_cds.wsgi.application"

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
                "myeloma_cds.context_processors.product",
            ],
        },
    },
]

# Database: no DATABASE_URL means the embedded SQLite file, for development only. Production runs on
# PostgreSQL (postgres://user:password@host:5432/name, psycopg 3).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if not DEBUG and "sqlite" in DATABASES["default"]["ENGINE"] and not env.bool("ALLOW_SQLITE", default=False):
    raise ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL when DEBUG is off "
        "(ALLOW_SQLITE=true is for tests and throw-away servers only)."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "myeloma_cds.validators.ContainsUserAttributeValidator"},
    {"NAME": "myeloma_cds.validators.RepeatedPieceValidator"},
    # Refuses nothing: its password_changed() hook revokes the user's API tokens when the password changes.
    {"NAME": "regimens.tokens.RevokeTokensOnPasswordChange"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins (django-axes answers HTTP 429 while locked).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# Django's cache holds the password-reset counts below. The default is each server process's memory: with several
# worker processes set CACHE_URL to a cache they share, e.g. `dbcache://cds_cache` (then `manage.py
# createcachetable`), `redis://host:6379/0` or `pymemcache://host:11211`.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Password reset requests, counted in Django's cache for an hour from the first one: at most this many requests
# per e-mail address and per client address (found like the lockout's, AXES_PROXY_COUNT). Over a limit the
# page answers as usual ("if an account uses that address...") and sends nothing.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3)
PASSWORD_RESET_LIMIT_PER_CLIENT = env.int("PASSWORD_RESET_LIMIT_PER_CLIENT", default=10)
PASSWORD_RESET_LIMIT_WINDOW = timedelta(hours=1)

# Personal API tokens expire this many days after they are issued (the admin may choose another date).
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)

# Sessions end after inactivity: requests renew the expiry (at most once a minute, see middleware.py).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Transport security: on by default when DEBUG is off, each switchable (e.g. behind a TLS-terminating proxy).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The load balancer's health check speaks plain HTTP to the server behind TLS termination.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no inline script or style anywhere, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Internationalisation: dates are shown in ISO 8601.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
DATE_INPUT_FORMATS = ["%Y-%m-%d"]

# Static files: whitenoise serves them; hashed, compressed names in production.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if STATIC_MANIFEST
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# Without collected files (development, tests) whitenoise serves straight from the source folders.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _static_backend},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The label jurisdiction whose approvals the engine's label prerequisites follow (US or EU).
LABEL_JURISDICTION = env.str("LABEL_JURISDICTION", default="US").upper()
if LABEL_JURISDICTION not in {"US", "EU"}:
    raise ImproperlyConfigured("LABEL_JURISDICTION must be US or EU")

# Salvage autologous transplant gates (rules.md R7.1-R7.3; algorithm.md 1.9): clinical settings, not code.
SALVAGE_ASCT_MAX_AGE = env.int("SALVAGE_ASCT_MAX_AGE", default=75)
SALVAGE_ASCT_MIN_REMISSION_MONTHS = env.float("SALVAGE_ASCT_MIN_REMISSION_MONTHS", default=18)
SALVAGE_ASCT_MIN_REMISSION_MONTHS_WITH_MAINTENANCE = env.float(
    "SALVAGE_ASCT_MIN_REMISSION_MONTHS_WITH_MAINTENANCE", default=36
)

# Default unit of each lab value on the forms (e.g. LAB_UNITS=hemoglobin=g/L,creatinine=umol/L); a clinician
# may still choose the other unit per value. Quantities and units: patients/units.py. Unset: the US units.
try:
    LAB_UNITS = site_units(env.dict("LAB_UNITS", default={}))
except UnitError as exc:
    raise ImproperlyConfigured(f"LAB_UNITS: {exc}") from None


def _forbidden_without_traceback(record) -> bool:
    """A refused permission (403) is logged as one warning line, not with the PermissionDenied traceback."""
    if getattr(record, "status_code", None) == 403:
        record.exc_info = None
        record.exc_text = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "forbidden_without_traceback": {
            "()": "django.utils.log.CallbackFilter",
            "callback": _forbidden_without_traceback,
        }
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["forbidden_without_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs each rendering step at INFO; its warnings and errors still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Django's own configuration gives these loggers a handler too: they go to the root's handler only,
        # so each line is printed once.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The console backend prints each e-mail to the log, password-reset links included: anyone who reads the log
# could take over the account. With DEBUG off it is swapped for one that prints the e-mail with its links
# withheld (and a warning that it reached nobody) rather than refusing to start, so a server without mail
# still runs and its log says why no reset e-mail arrived. Set EMAIL_BACKEND to an SMTP backend on a server.
if not DEBUG and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    EMAIL_BACKEND = "myeloma_cds.mail.LinkWithholdingConsoleBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="myeloma-cds@localhost")
