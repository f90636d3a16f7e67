"""Settings for the live-updates benchmark: its own database, the real apps and URLconfs.

``BENCH_LAYER`` picks the channel layer: ``live`` (the product's default,
``live.layer.LiveChannelLayer``: the pub/sub layer with direct delivery), ``pubsub``
(channels-redis' ``RedisPubSubChannelLayer`` as it comes) or ``classic`` (its list-based
``RedisChannelLayer``).
"""

import os

from config import embedded

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = embedded.postgres_url("complaint_desk_bench_live")

from config.settings.local import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["live.relay"] = {"level": "ERROR"}  # noqa: F405
CHANNEL_LAYERS["default"]["BACKEND"] = {  # noqa: F405
    "live": "live.layer.LiveChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "classic": "channels_redis.core.RedisChannelLayer",
}[os.environ.get("BENCH_LAYER", "live")]
# Bench users only; a real hasher would spend minutes on 400 passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
