"""In-app notifications, kept in the schema of the tenant where the person works.

A hotline agent's notifications live in the hotline's schema, a dealer
employee's in the dealer's: reading them never leaves the tenant's schema.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=40)
    # The event it is about: the manufacturer's hotline (stream) and the event's id there.
    stream = models.BigIntegerField()
    event_id = models.BigIntegerField()
    manufacturer_code = models.CharField(max_length=32)
    work_order_number = models.CharField(_("work order"), max_length=24)
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    notify_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Relayed twice after a crash, an event still notifies a person once.
            models.UniqueConstraint(fields=["user_id", "stream", "event_id"],
                                    name="one_notification_per_event_and_person"),
        ]
        indexes = [models.Index(fields=["user_id", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"
