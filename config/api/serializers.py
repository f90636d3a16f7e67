"""The serializer every API document and input is declared with.

DRF gives each serializer instance its own copy of the declared fields with
``copy.deepcopy``, which builds every field again from its arguments: for a
work-order creation (four nested serializers, about forty fields) that was two
thirds of the input's validation. A field holds no state of a request until it
is bound to its serializer, and binding only sets attributes on the field. So a
plain field is copied by its attributes, and what holds fields of its own (a
nested serializer, a list or dict field's child) or a default that could be
changed in place is still copied in depth, as DRF does.
"""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers

_MUTABLE = (list, dict, set, bytearray)


def _fresh(field: serializers.Field) -> serializers.Field:
    """A copy of the declared ``field`` of its own, unbound, for one serializer instance."""
    if (
        isinstance(field, serializers.BaseSerializer)
        or hasattr(field, "child")
        or hasattr(field, "child_relation")
        or isinstance(field.default, _MUTABLE)
        or isinstance(getattr(field, "initial", None), _MUTABLE)
    ):
        return copy.deepcopy(field)
    fresh = object.__new__(type(field))
    fresh.__dict__.update(field.__dict__)
    # Its own validators and messages: a serializer may add to one field's without touching the rest.
    if "_validators" in fresh.__dict__:
        fresh._validators = list(fresh._validators)
    fresh.error_messages = dict(fresh.error_messages)
    return fresh


class Serializer(serializers.Serializer):
    def get_fields(self) -> dict[str, Any]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}
