"""The outbox of the event log, and the positions at which the relay published events.

A database trigger puts every new event's id into ``Outbox`` in the inserting
transaction, so nothing written is missed, whichever code path wrote it. The
relay moves ids from the outbox to ``RelayedEvent``, numbering them with
gap-free positions in the order it publishes them: a client that saw position
``p`` asks for everything after ``p`` and misses nothing.
"""

from __future__ import annotations

from django.db import models


class Outbox(models.Model):
    event_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.event_id)


class RelayCounter(models.Model):
    """One row: the last position handed out (its row lock serialises relays of this schema)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last)


class RelayedEvent(models.Model):
    position = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField("hotline.WorkOrderEvent", on_delete=models.PROTECT, related_name="relayed")
    relayed_at = models.DateTimeField(auto_now_add=True)
    # When its side effects (notifications, webhooks, texts) were queued; null: not yet.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        indexes = [
            models.Index(
                fields=["position"], name="relayed_not_dispatched", condition=models.Q(dispatched_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}:{self.event_id}"


class RelayFeed(models.Model):
    """The last position relayed to one dealer's inbox.

    Each inbox message carries the position of the dealer's previous one
    (``prev``), as each board message carries ``position - 1``: a live socket
    that missed a message (a full channel, Redis away) notices at the next one
    and fetches the gap.
    """

    dealer_id = models.BigIntegerField(primary_key=True)
    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.dealer_id}:{self.last}"
