"""Production settings are secure by default and refuse to start without their secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_a_web_process_takes_at_least_one_request_at_once():
    at_once = (
        "import django; django.setup(); from django.conf import settings as s; print(s.WEB_REQUESTS_AT_ONCE)"
    )
    keys = {"SECRET_KEY": "x" * 50, "SMS_REPLY_SECRET": "y" * 40}

    default = run_production(at_once, **keys)
    none = run_production(at_once, **keys, WEB_REQUESTS_AT_ONCE="0")

    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "4"
    assert none.returncode != 0
    assert "WEB_REQUESTS_AT_ONCE must be at least 1" in none.stderr


def test_a_request_waits_for_its_turn_a_while_and_no_less_than_a_moment():
    wait = "import django; django.setup(); from django.conf import settings as s; print(s.WEB_REQUEST_WAIT)"
    keys = {"SECRET_KEY": "x" * 50, "SMS_REPLY_SECRET": "y" * 40}

    default = run_production(wait, **keys)
    none = run_production(wait, **keys, WEB_REQUEST_WAIT="0")

    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "30.0"
    assert none.returncode != 0
    assert "WEB_REQUEST_WAIT must be more than 0 seconds" in none.stderr
