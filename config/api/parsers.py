"""JSON bodies with a bound on their nesting, for the API and the providers' pushes.

Python's parser gives up on very deep nesting with a ``RecursionError``, which is
no ``ValueError``: left alone it would end in a server error. Bodies nested deeper
than any of ours is (``MAX_DEPTH``) are refused as bad input instead.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


class JsonTooDeep(ValueError):
    pass


def _depth(value: Any) -> int:
    """How deep lists and objects nest (iteratively: the check itself must not recurse)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                break
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def json_loads_bounded(text: str | bytes) -> Any:
    """``json.loads`` that raises ``ValueError`` (not ``RecursionError``) for any unusable body."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(_("The JSON is nested too deeply.")) from None
    if _depth(value) > MAX_DEPTH:
        raise JsonTooDeep(_("The JSON is nested too deeply."))
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than ``MAX_DEPTH`` with a 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
        if _depth(data) > MAX_DEPTH:
            raise ParseError(_("The JSON is nested too deeply."))
        return data
