"""The bounds of what people and systems may enter, shared by forms, serializers and services.

Beyond them a value is refused as bad input, naming the field, instead of
overflowing a database column or a date calculation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MAX_ID = 2**63 - 1  # a bigint
MAX_PART_QUANTITY = 9999
MAX_MILEAGE_KM = 3_000_000


def moment_check(value: dt.datetime | None) -> None:
    if value is not None and not EARLIEST <= value < LATEST:
        raise ValidationError(_("Give a time between 2000 and 2099."), code="out_of_range")


def day_check(value: dt.date | None) -> None:
    if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValidationError(_("Give a date between 2000 and 2099."), code="out_of_range")


class MomentFormField(forms.DateTimeField):
    """A date and time between 2000 and 2099 (anything else is refused, not overflowed)."""

    default_error_messages = {"invalid": _lazy("Enter a valid date and time.")}

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            result = super().to_python(value)
        except (OverflowError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return result

    def validate(self, value: Any) -> None:
        super().validate(value)
        moment_check(value)


class DayFormField(forms.DateField):
    """A date between 2000 and 2099."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        day_check(value)
