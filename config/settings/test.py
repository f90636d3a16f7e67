"""The test suite: real PostgreSQL and Redis (embedded unless URLs are given)."""

import os
import tempfile

from config import embedded

if not os.environ.get("REDIS_URL"):
    # A database index of its own, so tests never see a running demo's keys.
    os.environ["REDIS_URL"] = embedded.redis_url(db=15)
# Under pytest-xdist each worker ("gw0", "gw1", ...) has a test database of its own (pytest-django
# names it) and here a Redis database of its own, counting down from the run's: caches, counters
# and Celery queues never cross. Pub/sub channels span databases, hence the layer's prefix below.
# A process the worker starts inherits both variables: its URL is shifted once.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER and os.environ.get("REDIS_URL_WORKER") != WORKER:
    os.environ["REDIS_URL"] = embedded.redis_db_shifted(
        os.environ["REDIS_URL"], -int(WORKER.removeprefix("gw"))
    )
    os.environ["REDIS_URL_WORKER"] = WORKER
embedded.ensure_environment()

from .base import *  # noqa: E402, F403

DEBUG = False
WEBHOOKS_REQUIRE_HTTPS = False  # tests talk to a local receiver; a test turns it on
WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # the local receiver; tests of the refusals clear it
SECRET_KEY = "tests-only-not-secret"  # noqa: S105
SMS_REPLY_SECRET = "tests-only-sms-reply-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix="complaint-desk-test-media-")  # exports and uploads of this run
if WORKER:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-{WORKER}"  # noqa: F405
