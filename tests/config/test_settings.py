"""Production settings are secure by default and refuse to start without their secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
    "s.SESSION_COOKIE_DOMAIN, s.SECURE_SSL_REDIRECT)"
)


def run_production(check: str = CHECK, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "DEBUG", "SMS_REPLY_SECRET", "FORWARDED_ALLOW_IPS"}
    }
    return subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_production()

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_defaults_are_secure():
    result = run_production(SECRET_KEY="x" * 50, SMS_REPLY_SECRET="y" * 40, DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "31536000", "None", "True"]


def test_production_refuses_to_start_without_a_secret_of_its_own_for_sms_replies():
    result = run_production(SECRET_KEY="x" * 50)

    assert result.returncode != 0
    assert "SMS_REPLY_SECRET must be set" in result.stderr


def test_production_refuses_to_trust_every_proxy():
    result = run_production(SECRET_KEY="x" * 50, SMS_REPLY_SECRET="y" * 40, FORWARDED_ALLOW_IPS="*")

    assert result.returncode != 0
    assert "FORWARDED_ALLOW_IPS must list" in result.stderr


def test_production_takes_earlier_secret_keys_each_as_long_as_the_key_itself():
    fallbacks = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY_FALLBACKS)"
    )
    keys = {"SECRET_KEY": "x" * 50, "SMS_REPLY_SECRET": "y" * 40}

    taken = run_production(fallbacks, **keys, SECRET_KEY_FALLBACKS=f"{'o' * 40}, {'p' * 40} ,")
    short = run_production(fallbacks, **keys, SECRET_KEY_FALLBACKS=f"{'o' * 40},short")

    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.strip() == repr(["o" * 40, "p" * 40])  # spaces and empty entries dropped
    assert short.returncode != 0
    assert "Each key of SECRET_KEY_FALLBACKS must be at least 32 characters" in short.stderr


def test_printed_links_use_the_port_the_web_process_listens_on():
    check = "import django; django.setup(); from django.conf import settings as s; print(s.PORTAL_PORT)"
    env = {k: v for k, v in os.environ.items() if k not in {"PORTAL_PORT", "WEB_PORT"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    ports = [
        subprocess.run(
            [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, env={**env, **extra}
        ).stdout.strip()
        for extra in ({}, {"WEB_PORT": "8123"}, {"WEB_PORT": "8123", "PORTAL_PORT": "80"})
    ]

    assert ports == ["8000", "8123", "80"]


@pytest.mark.parametrize(
    ("name", "default", "refused"),
    [
        ("WEB_REQUESTS_AT_ONCE", "4", "WEB_REQUESTS_AT_ONCE must be at least 1"),
        ("WEB_REQUEST_WAIT", "30.0", "WEB_REQUEST_WAIT must be more than 0 seconds"),
    ],
)
def test_a_web_process_s_turns_have_their_default_and_refuse_none(name, default, refused):
    """A request at a time at the least, and a wait for a turn longer than none."""
    read = f"import django; django.setup(); from django.conf import settings as s; print(s.{name})"
    keys = {"SECRET_KEY": "x" * 50, "SMS_REPLY_SECRET": "y" * 40}

    given = run_production(read, **keys)
    none = run_production(read, **keys, **{name: "0"})

    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() == default
    assert none.returncode != 0
    assert refused in none.stderr
