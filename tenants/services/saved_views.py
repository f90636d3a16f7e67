"""Saving and removing a list's filters by name (``SavedView``)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import SavedView, Tenant, User

LISTS = ("board", "inbox")
# What a view keeps of a list's address: its filters and sort, never a page's cursor.
NOT_KEPT = {"cursor", "export", "format", "view"}


def saved_view_query(query: str) -> str:
    """A list's query string as a view keeps it: no cursor, no download, no empty value."""
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k not in NOT_KEPT]
    return urlencode(pairs)


def saved_view_save(
    *, tenant: Tenant, user: User, page: str, name: str, query: str, shared: bool = False
) -> SavedView:
    """Keep the list's current filters and sort under ``name`` for ``user`` (again: replaced).

    A shared view is offered to everyone of the tenant. Refused (``ValidationError`` by
    field) for an unknown list, an empty or too long name, or too long filters.
    """
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if page not in LISTS:
        errors["page"] = [_("There is no such list.")]
    if not name:
        errors["name"] = [_("Give the view a name.")]
    elif len(name) > 60:
        errors["name"] = [_("At most 60 characters.")]
    query = saved_view_query(query)
    if len(query) > 1000:
        errors["query"] = [_("Too many filters to keep.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        view, _created = SavedView.objects.update_or_create(
            tenant=tenant, owner=user, page=page, name=name, defaults={"query": query, "shared": shared}
        )
    return view


def saved_view_delete(*, tenant: Tenant, user: User, view_id: int) -> None:
    """Remove one of the user's own views; another's (shared or not) is refused, another
    tenant's does not exist (``SavedView.DoesNotExist``)."""
    view = SavedView.objects.get(pk=view_id, tenant=tenant)
    if view.owner_id != user.pk:
        raise PermissionDenied(_("Only the person who saved a view may remove it."))
    view.delete()
