"""URL converters that accept only what the product ever puts in a URL.

A work-order or parts-request number, a manufacturer's code: letters, digits,
``-`` and ``_``, at most 48; an id: at most 18 digits (it fits a bigint). Anything
else (a NUL byte, a 40-digit number) matches no route and is an ordinary 404,
never a database error.
"""

from __future__ import annotations

from django.urls import register_converter


class CodeConverter:
    regex = r"[A-Za-z0-9][A-Za-z0-9_-]{0,47}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class IdConverter:
    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class TokenConverter:
    regex = r"[A-Za-z0-9_-]{1,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def converters_register() -> None:
    register_converter(CodeConverter, "code")
    register_converter(IdConverter, "id")
    register_converter(TokenConverter, "token")
