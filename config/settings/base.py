"""Settings shared by every environment; each value can come from the environment.

``local`` (the default), ``test`` and ``production`` extend this module.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.embedded import celery_broker_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
# Earlier keys still accepted while a new SECRET_KEY is rolled out (comma-separated): sessions
# and links signed with them stay valid, and each session moves to the new key on its next page.
SECRET_KEY_FALLBACKS = [key.strip() for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key.strip()]

# Every portal lives at <tenant slug>.<BASE_DOMAIN>; the platform operators' at BASE_DOMAIN.
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}"])
PORTAL_SCHEME = env("PORTAL_SCHEME", default="http")
# Printed links (the start-up banner, e-mails) use the port the web process listens on.
PORTAL_PORT = env.int("PORTAL_PORT", default=env.int("WEB_PORT", default=8000))

# --- Tenancy: a public schema and two tenant types, each with its own apps and URLconf.
PUBLIC_SCHEMA_NAME = "public"
HAS_MULTI_TYPE_TENANTS = True
MULTI_TYPE_DATABASE_FIELD = "type"
TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New tenant schemas are cloned from a migrated, empty template schema of their type.
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MIGRATION_PROCESSES", default=2)
TENANT_MULTIPROCESSING_CHUNKS = 8
TENANT_COLOR_ADMIN_APPS = False
# `SET search_path` once per connection and tenant switch, not before every cursor (half of a
# work order creation's statements). Safe because django-tenants forgets the path on rollback,
# savepoint rollback and close, when PostgreSQL undoes or drops it (tests/tenants/test_search_path.py).
TENANT_LIMIT_SET_CALLS = True

SHARED_APPS = [
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served by the app itself
    "channels",
    "config",
    "tenants",
    "live",  # no tables: the relay command and the live sockets
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
TENANT_TYPES = {
    "public": {"APPS": SHARED_APPS, "URLCONF": "config.urls_public"},
    "hotline": {
        "APPS": ["hotline", "parts_tickets", "notifications"],
        "URLCONF": "config.urls_hotline",
        "BASE_SCHEMA": "template_hotline",
    },
    "dealer": {
        "APPS": ["dealers", "notifications"],
        "URLCONF": "config.urls_dealer",
        "BASE_SCHEMA": "template_dealer",
    },
}
INSTALLED_APPS: list[str] = []
for _type in TENANT_TYPES.values():
    INSTALLED_APPS += [app for app in _type["APPS"] if app not in INSTALLED_APPS]

ROOT_URLCONF = "config.urls_public"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "config.middleware.HealthMiddleware",
    "config.middleware.RefuseNulMiddleware",
    "tenants.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tenants.middleware.SessionPolicyMiddleware",
    "tenants.middleware.MembershipMiddleware",
    "tenants.middleware.TenantTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "live.middleware.LivePageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.portal",
                "notifications.context_processors.unread_notifications",
                "tenants.context_processors.permissions",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database and Redis: from the environment (the embedded servers fill these locally).
_database = env.db_url("DATABASE_URL", default="postgresql://postgres@localhost/complaint_desk")
_database["HOST"] = unquote(_database.get("HOST") or "")  # a socket folder arrives percent-encoded
_database["ENGINE"] = "config.postgresql"  # django-tenants' backend (config/postgresql/base.py)
# The web process (Procfile: DB_POOL_MAX_SIZE=10) keeps a pool of connections (psycopg's,
# through Django): under ASGI each request would otherwise open a connection of its own.
# django-tenants sets search_path on a connection each time it is taken from the pool, so no
# transaction-mode pooler is ever needed (docs/deploy.md). The other processes (0: no pool)
# keep a persistent connection per thread; the worker forks, and a pool must not be shared.
_pool_max = env.int("DB_POOL_MAX_SIZE", default=0)
if _pool_max > 0:
    _database["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    _database["OPTIONS"] = {
        **_database.get("OPTIONS", {}),
        "pool": {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
            "max_size": _pool_max,
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
            # A backend caches catalog entries of every schema it touched: renew connections.
            "max_lifetime": env.float("DB_POOL_MAX_LIFETIME", default=1800.0),
        },
    }
else:
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
_database["CONN_HEALTH_CHECKS"] = _pool_max <= 0
_database.setdefault("OPTIONS", {})["application_name"] = env("DB_APPLICATION_NAME", default="complaint-desk")
DATABASES = {"default": _database}
# Requests a web process works on at once (config/asgi.py); the others wait their turn in the
# event loop. More at once only share the same cores and interpreter lock, each slower.
WEB_REQUESTS_AT_ONCE = env.int("WEB_REQUESTS_AT_ONCE", default=4)
if WEB_REQUESTS_AT_ONCE < 1:
    raise ImproperlyConfigured("WEB_REQUESTS_AT_ONCE must be at least 1.")
# Seconds a request waits for its turn; then it is answered 503 with Retry-After. (The Ingress
# waits up to an hour, its read timeout set for the live sockets: without this, as long as the client.)
WEB_REQUEST_WAIT = env.float("WEB_REQUEST_WAIT", default=30.0)
if not WEB_REQUEST_WAIT > 0:
    raise ImproperlyConfigured("WEB_REQUEST_WAIT must be more than 0 seconds.")
# Set by every session as it opens (config/database.py): a backend whose client's node vanished
# gives up after about a minute (30 s of silence, then 3 probes 10 s apart; 60 s for unanswered
# data) instead of the system's two hours, releasing the rows it held locked.
DATABASE_SESSION_SETTINGS = {
    "tcp_keepalives_idle": 30,
    "tcp_keepalives_interval": 10,
    "tcp_keepalives_count": 3,
    "tcp_user_timeout": 60000,  # milliseconds
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        # Keys carry the schema: one tenant's cached value is never another's.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        # Redis away: fail fast and go on as if nothing were cached (config/cache.py).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

# Sign-in counters span every host: one person or address is limited across all tenants.
CACHES["ratelimit"] = {
    "BACKEND": "config.cache.FailOpenRedisCache",
    "LOCATION": REDIS_URL,
    "KEY_PREFIX": "ratelimit",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
}
RATELIMIT_USE_CACHE = "ratelimit"
# Redis away: sign-in and the API are not rate-limited (and this is logged) rather than nobody
# signing in and every API request refused (docs/operations.md).
RATELIMIT_FAIL_OPEN = True

CHANNEL_LAYERS = {
    "default": {
        # Pub/sub: one Redis message per group and web process, fanned out in the process
        # (decoded once and written straight to the sockets that are in order: live/layer.py);
        # in bench/live.py it had far lower latency than the classic list-based layer.
        # A socket's queue is unbounded here; what Redis loses while away is repaired by the
        # live sweep (docs/live.md).
        "BACKEND": env("CHANNEL_LAYER_BACKEND", default="live.layer.LiveChannelLayer"),
        # The classic layer waits for messages with a 5 s BZPOPMIN; redis-py's default read
        # timeout is also 5 s, which would end idle sockets with a TimeoutError. Its pool
        # refuses (does not wait) past max_connections; the consumer joins groups a few at
        # a time (live/consumers.py), which keeps a process well below it.
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_timeout": 30,
                    "socket_connect_timeout": 5,
                    "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=200),
                }
            ],
            # Counted per web process (its sockets share one Redis queue), not per
            # socket: the default of 100 drops messages when a burst fans out to
            # many sockets. What is dropped anyway is repaired (docs/live.md).
            "capacity": env.int("LIVE_CHANNEL_CAPACITY", default=20000),
        },
    }
}

# Open board and inbox sockets are compared with their feeds this often; one that missed
# a message on a feed where nothing else came gets it then (docs/live.md).
LIVE_SWEEP_SECONDS = env.float("LIVE_SWEEP_SECONDS", default=10.0)

# --- Celery (tenant-aware: a task runs in the schema it was sent from). Side effects are rows
# first and tasks second (notifications/outbound.py): a task is queued on commit with its row's
# id, and the beat sweeps queue again whatever a lost message left waiting.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=celery_broker_url(REDIS_URL))
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
# A task that hangs (a mail server that never answers) is stopped: soft limit first (the task
# fails and its row is queued again by the sweep), then the process is replaced. Background
# jobs (exports, imports) have their own, longer limit (JOB_TIME_LIMIT_SECONDS).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("TASK_TIME_LIMIT_SECONDS", default=120)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
JOB_TIME_LIMIT_SECONDS = env.int("JOB_TIME_LIMIT_SECONDS", default=3000)  # under the broker's visibility
# A broker that is away costs a request no more than about a second: the row waits for the sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for its broker, however long
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# How long a queued task may take to start before the sweep queues its row again.
OUTBOUND_LEASE_SECONDS = env.int("OUTBOUND_LEASE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "outbound-sweep": {
        "task": "live.outbound_sweep",
        "schedule": env.float("OUTBOUND_SWEEP_SECONDS", default=10.0),
    },
    "dispatch-sweep": {"task": "live.dispatch_sweep", "schedule": 30.0},
    "idempotency-purge": {"task": "tenants.idempotency_records_purge", "schedule": 600.0},
    "jobs-sweep": {"task": "tenants.jobs_sweep", "schedule": 60.0},
    "jobs-purge": {"task": "tenants.jobs_purge", "schedule": 3600.0},
    "digest-sweep": {"task": "dealers.digest_sweep", "schedule": 300.0},
}

# --- Identity: global users, membership and role per tenant (tenants.models.Membership).
AUTH_USER_MODEL = "tenants.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tenants.passwords.BreachedPasswordValidator"},  # offline, zxcvbn's breached lists
]
# Sign-in attempts (tenants/services/signin.py): per client address, and per account *and*
# device or network (django-ratelimit syntax); past LOGIN_FREE_FAILURES failures from one
# source its wait doubles up to LOGIN_BACKOFF_MAX_SECONDS; past LOGIN_NEW_SOURCE_FAILURES_PER_DAY
# failures a day from unknown sources, only the account's known devices may try.
LOGIN_RATE_PER_IP = env("LOGIN_RATE_PER_IP", default="20/m")
LOGIN_RATE_PER_USERNAME = env("LOGIN_RATE_PER_USERNAME", default="5/m")
LOGIN_FREE_FAILURES = 5
LOGIN_BACKOFF_MAX_SECONDS = 15 * 60
LOGIN_NEW_SOURCE_FAILURES_PER_DAY = 50
RATELIMIT_VIEW = "tenants.views.auth.rate_limited"
# The owner's signed link (no sign-in): requests per client address, GET and POST together.
OWNER_LINK_RATE_PER_IP = env("OWNER_LINK_RATE_PER_IP", default="30/m")
# Two-factor sign-in (django-otp, TOTP): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = "Complaint Desk"
# A sign-in waiting for its second factor expires after this many seconds.
LOGIN_SECOND_STEP_SECONDS = 300

# Session and CSRF cookies are host-only: a session made on one tenant host is never sent
# to another (SESSION_COOKIE_DOMAIN stays None).
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The absolute limit of a session (SESSION_COOKIE_AGE) and the idle one: a session unused for
# SESSION_IDLE_SECONDS ends, and its open live sockets close (tenants.middleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)

# --- Language and time: Simplified Chinese first; tenants may choose another time zone.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")

# --- Static files: served by the app itself (WhiteNoise); no CDN.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# --- Files people download or upload (background exports and imports): a folder every web and
# worker process shares (a ReadWriteMany volume in Kubernetes), or an S3-compatible bucket.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media"))
MEDIA_URL = "/media/"  # never served as such: files are downloaded through their owner's page
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
_default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if MEDIA_S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env("MEDIA_S3_ENDPOINT_URL", default=None),
            "region_name": env("MEDIA_S3_REGION", default=None),
            "access_key": env("MEDIA_S3_ACCESS_KEY", default=None),
            "secret_key": env("MEDIA_S3_SECRET_KEY", default=None),
            "location": env("MEDIA_S3_PREFIX", default=""),
            # "virtual" (bucket in the host name: Alibaba Cloud OSS, Tencent Cloud COS), "path"
            # (MinIO), or empty: boto3 chooses (path-style for a custom endpoint).
            "addressing_style": env("MEDIA_S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Files attached to work orders (in the same storage): the largest one file may be, and per work
# order at most so many files and so many bytes in all; a portal upload takes at most so many at once.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
ATTACHMENT_MAX_PER_WORK_ORDER = env.int("ATTACHMENT_MAX_PER_WORK_ORDER", default=30)
ATTACHMENT_MAX_TOTAL_BYTES = env.int("ATTACHMENT_MAX_TOTAL_BYTES", default=200 * 1024 * 1024)
ATTACHMENT_MAX_FILES_PER_UPLOAD = 10

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.api.deprecation.ContractSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api.authentication.ApiKeyAuthentication",
        "tenants.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["tenants.api.throttling.ApiRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "config.api.problems.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Complaint Desk API",
    "DESCRIPTION": (
        "Work orders, parts-support requests and dealers' inboxes. Version 1 changes only by "
        "addition; see docs/api.md and docs/api-changelog.md."
    ),
    "VERSION": "1",
    # 3.1: a nullable object is `oneOf: [{$ref}, {type: null}]`, which strict validators accept.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.contract.postprocess",
    ],
    # Every enum named here, so a new field using the same choices never renames a client's type.
    "ENUM_NAME_OVERRIDES": {
        "WorkOrderStateEnum": "hotline.models.choices.State",
        "WorkOrderTypeEnum": "hotline.models.choices.WorkOrderType",
        "CategoryEnum": "hotline.models.choices.Category",
        "SeverityEnum": "hotline.models.choices.Severity",
        "ChannelEnum": "hotline.models.choices.Channel",
        "StockCheckEnum": "hotline.models.choices.StockCheck",
        "AcceptanceEnum": "hotline.models.choices.Acceptance",
        "ContactMethodEnum": "hotline.models.choices.ContactMethod",
        "CallbackOutcomeEnum": "hotline.models.choices.CallbackOutcome",
        "ClockKindEnum": "hotline.models.choices.ClockKind",
        "ClockStateEnum": "hotline.models.clocks.ClockState",
        "GenderEnum": "hotline.models.owner.Gender",
        "VehicleUseEnum": "hotline.models.owner.VehicleUse",
        "PartsRequestStateEnum": "parts_tickets.models.RequestState",
        "PartsLineStateEnum": "parts_tickets.models.LineState",
    },
}
# API limits: requests per key (or per person and host), and the largest request body.
API_RATE_READ = env("API_RATE_READ", default="1200/min")
API_RATE_WRITE = env("API_RATE_WRITE", default="600/min")
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Content-Security-Policy (django-csp): scripts, styles and everything else only from this
# host, no inline script or style, no framing, forms post only here. The API's interactive
# documentation alone adds inline styles and blob: workers (config/api/urls_*.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Names used in the UI that are not model data.
PRODUCT_NAME = _("Complaint Desk")

# migrate_schemas and migrate_tenants roll migrations out through config/migration.py: only
# schemas with pending migrations, purely additive ones by the fast path.
GET_EXECUTOR_FUNCTION = "config.migration.get_executor"
# Schemas per transaction on the fast path (a failure rolls back one schema, not the batch).
TENANT_ROLLOUT_BATCH_SIZE = env.int("TENANT_ROLLOUT_BATCH_SIZE", default=50)
# How long one schema's DDL waits for a lock held by live traffic before that schema fails
# (reported; the rollout carries on and a rerun retries it).
TENANT_ROLLOUT_LOCK_TIMEOUT = env("TENANT_ROLLOUT_LOCK_TIMEOUT", default="5s")
# A rollout worker renews its connection after this many schemas: a backend caches catalog
# entries of every schema it touches (docs/tenancy.md).
TENANT_ROLLOUT_SCHEMAS_PER_CONNECTION = env.int("TENANT_ROLLOUT_SCHEMAS_PER_CONNECTION", default=500)

# The scheduler process (manage.py run_scheduler) runs only what is time-critical: firing the
# clocks, and closing what the callback policy lets close unverified. Each job returns the
# seconds until it next has work, or None.
SCHEDULER_JOBS: list[str] = ["hotline.scheduler.fire_due_clocks", "hotline.scheduler.close_unverified"]
# Webhook endpoints must be https:// (production); plain http is allowed while developing.
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=not DEBUG)
# Deliveries never go to loopback, link-local, private or reserved addresses
# (notifications/safe_http.py), except to networks listed here on purpose.
WEBHOOKS_ALLOWED_NETWORKS: list[str] = []
SCHEDULER_IDLE_SECONDS = env.float("SCHEDULER_IDLE_SECONDS", default=1.0)
# Where the relay, the scheduler and the workers touch their heartbeat files (config/heartbeat.py).
HEARTBEAT_DIR = env("HEARTBEAT_DIR", default="/tmp/complaint-desk-heartbeats")  # noqa: S108

# Text messages to owners (notifications/sms.py). The console backend logs (and writes SMS_FILE).
SMS_BACKEND = env("SMS_BACKEND", default="notifications.sms.ConsoleSmsBackend")
SMS_FILE = env("SMS_FILE", default="")
SMS_ALIYUN_ENDPOINT = env("SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
SMS_ALIYUN_ACCESS_KEY_ID = env("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env("SMS_ALIYUN_SIGN_NAME", default="")
SMS_TENCENT_ENDPOINT = env("SMS_TENCENT_ENDPOINT", default="https://sms.tencentcloudapi.com/")
SMS_TENCENT_SECRET_ID = env("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_SIGN_NAME = env("SMS_TENCENT_SIGN_NAME", default="")
SMS_TENCENT_REGION = env("SMS_TENCENT_REGION", default="ap-guangzhou")
# Keys the secret part of each hotline's reply URL (/sms/replies/<provider>/<token>/); a secret
# of its own, required in production: unset, replies are refused. `manage.py sms_reply_urls`
# prints the URLs. Each hotline takes at most SMS_REPLY_RATE pushes, each body at most
# SMS_REPLY_MAX_BODY_BYTES.
SMS_REPLY_SECRET = env("SMS_REPLY_SECRET", default="")
SMS_REPLY_RATE = "120/m"
SMS_REPLY_MAX_BODY_BYTES = 64 * 1024
