"""Serializer fields with the bounds of ``config.bounds``: refused as bad input, never overflowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from ..bounds import MAX_ID, day_check, moment_check


class MomentField(serializers.DateTimeField):
    """An ISO 8601 date and time between 2000 and 2099."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            result = super().to_internal_value(value)
            moment_check(result)
        except OverflowError:
            self.fail("invalid", format="ISO 8601")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return result


class DayField(serializers.DateField):
    """An ISO 8601 date between 2000 and 2099."""

    def to_internal_value(self, value: Any) -> dt.date:
        result = super().to_internal_value(value)
        try:
            day_check(result)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return result


def IdField(**kwargs: Any) -> serializers.IntegerField:
    """The id of a record: a whole number a bigint holds."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
