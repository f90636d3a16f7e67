"""Development on one machine: embedded PostgreSQL and Redis unless URLs are given."""

from config import embedded

embedded.ensure_environment()

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = env.bool("DEBUG", default=True)
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-secret")
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedStaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
