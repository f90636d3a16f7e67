"""The serializer every API document and input is declared with.

DRF gives each serializer instance its own copy of the declared fields with
``copy.deepcopy``, which builds every field again from its arguments, and then
binds each copy to the instance: for a work-order creation (four nested
serializers, about forty fields) that was two thirds of the input's validation.
A field holds no state of a request until it is bound to its serializer, and
binding only sets attributes on the field. So each class notes once, per
declared field, the attributes a bound copy has (its parent aside), and each
instance's fields are made from those already bound: a plain field or a nested
serializer (with its own context and, for a list of them, its own child) is a
new object with those attributes, its own validators, messages and source path.
A list or dict field, a default that could be changed in place, or a nested
serializer with an ``__init__`` of its own, is still copied (built again) and
then bound, as DRF does.

Every text field refuses lone surrogates (which PostgreSQL cannot store) as DRF
has it do, with DRF's message, by one regular-expression search rather than a
Python loop over each character.
"""

from __future__ import annotations

import copy
import re
from typing import Any, NamedTuple

from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict
from rest_framework.validators import ProhibitSurrogateCharactersValidator

_MUTABLE = (list, dict, set, bytearray)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _NoSurrogates(ProhibitSurrogateCharactersValidator):
    def __call__(self, value: Any) -> None:
        if _SURROGATE.search(str(value)):
            super().__call__(value)  # DRF's own error, naming the first one


_NO_SURROGATES = _NoSurrogates()


def _in_depth(field: serializers.Field) -> bool:
    """Whether ``field`` is copied only in depth, as DRF copies it: it holds a list, dict or set
    (an argument, a default, a child field) that one copy could change in place for the next."""
    if isinstance(field, serializers.BaseSerializer):
        return any(
            isinstance(value, _MUTABLE) for name, value in field._kwargs.items() if name != "validators"
        )
    return (
        hasattr(field, "child")
        or hasattr(field, "child_relation")
        or isinstance(field.default, _MUTABLE)
        or isinstance(getattr(field, "initial", None), _MUTABLE)
    )


def _fresh(field: serializers.Field) -> serializers.Field:
    """A copy of the declared ``field`` of its own, unbound, for one serializer instance."""
    if _in_depth(field):
        return copy.deepcopy(field)
    if isinstance(field, serializers.BaseSerializer):
        kwargs = dict(field._kwargs)
        if "child" in kwargs:  # a list of them: each list its own child
            kwargs["child"] = _fresh(kwargs["child"])
        return type(field)(*field._args, **kwargs)
    fresh = object.__new__(type(field))
    fresh.__dict__.update(field.__dict__)
    # Its own validators and messages: a serializer may add to one field's without touching the rest.
    if "_validators" in fresh.__dict__:
        fresh._validators = list(fresh._validators)
    fresh.error_messages = dict(fresh.error_messages)
    return fresh


class _Recipe(NamedTuple):
    """How to make one declared field of its own, already bound, in one step: its class, its
    attributes as binding leaves them (its parent aside) and, for a list of serializers, its
    child's recipe."""

    cls: type
    attrs: dict[str, Any]
    child: _Recipe | None


_DRF_INITS = (serializers.Serializer.__init__, serializers.ListSerializer.__init__)
# A declared field's state of one use, never carried into a copy.
_PER_USE = frozenset({"parent", "child", "fields", "_validated_data", "_errors", "_data", "initial_data"})


def _recipe(field: serializers.Field, name: str) -> _Recipe | None:
    """The recipe of ``field`` declared as ``name``, or None where it must be copied in depth."""
    child = None
    if isinstance(field, serializers.ListSerializer):
        child = _recipe(field.child, "")
        if child is None:
            return None
    if _in_depth(field):
        return None
    if isinstance(field, serializers.BaseSerializer) and type(field).__init__ not in _DRF_INITS:
        return None  # its own __init__ runs for every copy
    probe = object.__new__(type(field))
    probe.__dict__.update({k: v for k, v in field.__dict__.items() if k not in _PER_USE})
    if probe.field_name is None:  # a list's child comes bound (as "") already
        try:
            probe.bind(field_name=name, parent=None)
        except AssertionError:  # DRF's own refusal (a redundant source=), said when it is used
            return None
    return _Recipe(type(field), {k: v for k, v in probe.__dict__.items() if k not in _PER_USE}, child)


def _made(recipe: _Recipe, parent: serializers.Field) -> serializers.Field:
    """A field of its own from ``recipe``, bound to ``parent`` as binding would leave it."""
    made = object.__new__(recipe.cls)
    attrs = made.__dict__
    attrs.update(recipe.attrs)
    attrs["parent"] = parent
    # Its own validators and messages: a serializer may add to one field's without touching the rest.
    if "_validators" in attrs:
        attrs["_validators"] = list(attrs["_validators"])
    attrs["source_attrs"] = list(attrs["source_attrs"])
    attrs["error_messages"] = dict(attrs["error_messages"])
    if "_context" in attrs:  # a serializer's own (its root's is the one read)
        attrs["_context"] = {}
    if recipe.child is not None:
        attrs["child"] = _made(recipe.child, made)
    return made


class Serializer(serializers.Serializer):
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for field in cls._declared_fields.values():
            if "_validators" in field.__dict__:
                field._validators = [
                    _NO_SURROGATES if type(v) is ProhibitSurrogateCharactersValidator else v
                    for v in field._validators
                ]
        cls._recipes = {name: _recipe(field, name) for name, field in cls._declared_fields.items()}

    def get_fields(self) -> dict[str, Any]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}

    @cached_property
    def fields(self) -> BindingDict:
        """DRF's: each declared field copied and bound to this serializer; a field with a recipe
        made already bound (as DRF would copy it and then bind it)."""
        if type(self).get_fields is not Serializer.get_fields:  # fields added by the subclass
            return super().fields
        fields = BindingDict(self)
        for name, field in self._declared_fields.items():
            recipe = self._recipes[name]
            if recipe is None:
                fields[name] = _fresh(field)
            else:
                fields.fields[name] = _made(recipe, self)
        return fields
