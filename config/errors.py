"""The base of the refusals a domain names by a code of its own (the pages are ``error_pages``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A refusal a domain declares: bad input in the light of the current state.

    The domain subclass sets ``code`` (the problem type the API answers with) and
    ``status`` (the HTTP status); a portal shows the message like any validation
    error. The API maps it without knowing the domain's classes.
    """

    status = 400
    code = "validation"

    def __init__(self, message: object, code: str | None = None, params: object = None) -> None:
        super().__init__(message, code or self.code, params)
