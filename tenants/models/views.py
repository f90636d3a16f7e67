"""Lists people keep: a board's or an inbox's filters and sort, by name (public schema).

Kept with the memberships, one table for every tenant, rather than one per dealer
schema (there may be 10,000 of those). A view is its owner's; a shared one is
offered to everyone of the same tenant.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .identity import User
from .tenant import Tenant


class SavedView(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="saved_views")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    page = models.CharField(_("list"), max_length=20)  # "board", "inbox"
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    shared = models.BooleanField(_("shared with everyone here"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "owner", "page", "name"], name="saved_view_unique_name")
        ]
        indexes = [models.Index(fields=["tenant", "page"])]

    def __str__(self) -> str:
        return self.name
