"""Turning a service's field errors into a command-line failure."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def command_error(exc: ValidationError) -> CommandError:
    lines = []
    for field, messages in exc.message_dict.items():
        for message in messages:
            lines.append(f"  {field}: {message}")
    return CommandError(_("Nothing was created:") + "\n" + "\n".join(lines))
