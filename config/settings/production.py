"""Production: refuses to start without its secrets; secure cookies and HSTS."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DOMAIN, SECRET_KEY_FALLBACKS, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 32 random characters.")
if any(len(key) < 32 for key in SECRET_KEY_FALLBACKS):
    raise ImproperlyConfigured("Each key of SECRET_KEY_FALLBACKS must be at least 32 characters.")
for _name in ("DATABASE_URL", "REDIS_URL"):
    if not env(_name, default=""):
        raise ImproperlyConfigured(f"{_name} must be set in production.")
if len(env("SMS_REPLY_SECRET", default="")) < 32:
    raise ImproperlyConfigured("SMS_REPLY_SECRET must be set to at least 32 random characters.")
if env("FORWARDED_ALLOW_IPS", default="").strip() == "*":
    raise ImproperlyConfigured(
        "FORWARDED_ALLOW_IPS must list the proxies' addresses; '*' lets any client choose its address."
    )

PORTAL_SCHEME = "https"
WEBHOOKS_REQUIRE_HTTPS = True
PORTAL_PORT = env.int("PORTAL_PORT", default=443)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# Outgoing mail server as one URL, e.g. smtp+tls://user:password@smtp.example.com:587.
if env("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds: a mail server that never answers
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"noreply@{BASE_DOMAIN}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
