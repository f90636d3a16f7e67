"""The serializer every API document and input is declared with.

DRF gives each serializer instance its own copy of the declared fields with
``copy.deepcopy``, which builds every field again from its arguments: for a
work-order creation (four nested serializers, about forty fields) that was two
thirds of the input's validation. A field holds no state of a request until it
is bound to its serializer, and binding only sets attributes on the field. So a
plain field is copied by its attributes, a nested serializer is built again from
its arguments as given (DRF copies each argument in depth first; none of them is
changed by building), with a fresh copy of its child, and a list or dict field or
a default that could be changed in place is still copied in depth, as DRF does.

Every text field refuses lone surrogates (which PostgreSQL cannot store) as DRF
has it do, with DRF's message, by one regular-expression search rather than a
Python loop over each character.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

_MUTABLE = (list, dict, set, bytearray)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _NoSurrogates(ProhibitSurrogateCharactersValidator):
    def __call__(self, value: Any) -> None:
        if _SURROGATE.search(str(value)):
            super().__call__(value)  # DRF's own error, naming the first one


_NO_SURROGATES = _NoSurrogates()


def _fresh(field: serializers.Field) -> serializers.Field:
    """A copy of the declared ``field`` of its own, unbound, for one serializer instance."""
    if isinstance(field, serializers.BaseSerializer):
        kwargs = dict(field._kwargs)
        if any(isinstance(value, _MUTABLE) for name, value in kwargs.items() if name != "validators"):
            return copy.deepcopy(field)
        if "child" in kwargs:  # a list of them: each list its own child
            kwargs["child"] = _fresh(kwargs["child"])
        return type(field)(*field._args, **kwargs)
    if (
        hasattr(field, "child")
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
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for field in cls._declared_fields.values():
            if "_validators" in field.__dict__:
                field._validators = [
                    _NO_SURROGATES if type(v) is ProhibitSurrogateCharactersValidator else v
                    for v in field._validators
                ]

    def get_fields(self) -> dict[str, Any]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}
