"""Calls the hotline's telephony system reports, and which agent answers on which extension.

Rows of the hotline tenant: a call is the source of truth for the agent's pop-up
(the push only says "look again"), and a missed call stays on the callers' list
until someone has called back.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .owner import Owner


class CallDirection(models.TextChoices):
    IN = "in", _("Incoming")
    OUT = "out", _("Outgoing")


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")


class CallCause(models.TextChoices):
    """Why a call ended, as the telephony system says (an unknown cause is kept as "other")."""

    NORMAL = "normalClearing", _("Ended normally")
    MISSED = "cancel", _("Missed")
    NO_ANSWER = "noAnswer", _("Not answered")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")
    OTHER = "other", _("Other")


# Causes that leave an incoming call unanswered: it goes on the list of calls to return.
MISSED_CAUSES = frozenset({CallCause.MISSED, CallCause.NO_ANSWER, CallCause.BUSY, CallCause.FAILED})


class AgentExtension(models.Model):
    """The telephony extension an agent answers on (one each, none shared)."""

    user_id = models.BigIntegerField(unique=True)
    extension = models.CharField(_("extension"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return f"{self.extension}:{self.user_id}"


class Call(models.Model):
    """One call, from the telephony system's first event to its hang-up."""

    call_id = models.CharField(_("call id"), max_length=100, unique=True)
    direction = models.CharField(_("direction"), max_length=3, choices=CallDirection.choices)
    caller = models.CharField(_("caller"), max_length=32, blank=True)  # blank: anonymous
    called = models.CharField(_("called number"), max_length=32, blank=True)
    owner = models.ForeignKey(
        Owner, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls", verbose_name=_("owner")
    )
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices, default=CallState.RINGING)
    cause = models.CharField(_("cause"), max_length=16, choices=CallCause.choices, blank=True)
    # The agents it rings (a group call names several); the one who answered.
    ringing_user_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    answered_by_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    missed = models.BooleanField(_("missed"), default=False)
    returned_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    returned_by_id = models.BigIntegerField(null=True, blank=True)
    # The pop-up push: each change bumps ``version``; the task sends what is newer than ``pushed``.
    version = models.PositiveIntegerField(default=1)
    pushed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["-started_at"], name="call_started"),
            models.Index(
                fields=["-started_at"],
                condition=models.Q(missed=True, returned_at=None),
                name="call_to_return",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.caller or 'anonymous'} {self.state}"

    @property
    def user_ids(self) -> list[int]:
        """Whose browsers show it: the one who answered, else everyone it rings."""
        return [self.answered_by_id] if self.answered_by_id else list(self.ringing_user_ids)
