"""Passwords that appear in breached-password lists are refused, offline.

zxcvbn ships the most common passwords of public breaches (with their
variations: case, digits appended, l33t substitutions, reversals) and estimates
how many guesses a password takes. A password that takes few guesses *because*
it is, or is close to, a breached one is refused; nothing is sent anywhere.
Django's ``CommonPasswordValidator`` (another breached list) and the minimum
length of 12 run beside it (``AUTH_PASSWORD_VALIDATORS``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

# zxcvbn's score 3 is "safely unguessable" (about 10^8 guesses or more), against an online attack.
MIN_SCORE = 3


class BreachedPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        inputs = [v for v in (getattr(user, "username", ""), getattr(user, "full_name", "")) if v]
        result = zxcvbn(password[:100], user_inputs=inputs)
        breached = any(m.get("dictionary_name") == "passwords" for m in result["sequence"])
        if result["score"] < MIN_SCORE and breached:
            raise ValidationError(
                _("This password appears in lists of breached passwords, or is a small variation of one."),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Your password must not be, or be close to, a password from a public breach.")
