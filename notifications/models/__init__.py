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
    # What happened, to say it in the reader's language when shown (``notifications/sentences.py``):
    # who did it, the event's declared fields, the owner and the vehicle.
    facts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    notify_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # When the e-mail's task was last put on the queue (a sweep re-queues one that got lost).
    email_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Relayed twice after a crash, an event still notifies a person once.
            models.UniqueConstraint(
                fields=["user_id", "stream", "event_id"], name="one_notification_per_event_and_person"
            ),
        ]
        indexes = [models.Index(fields=["user_id", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class NotificationPreference(models.Model):
    """A person's choice for one kind of event: in the app, by e-mail, both or neither.

    Without a row the defaults apply; escalations always reach the people the
    policy names, whatever they chose.
    """

    user_id = models.BigIntegerField()
    kind = models.CharField(max_length=40)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}"


class WebhookEndpoint(models.Model):
    """A tenant's integration that receives its work-order events, signed with HMAC-SHA256."""

    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=64)
    event_kinds = models.JSONField(_("events"), default=list, blank=True)  # empty: every event
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return self.is_active and (not self.event_kinds or kind in self.event_kinds)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: every attempt's outcome is kept here."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    stream = models.BigIntegerField()
    event_id = models.BigIntegerField()
    event_kind = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When its task was last put on the queue (a sweep re-queues one that got lost).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "stream", "event_id"], name="one_delivery_per_event_and_endpoint"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_due", condition=models.Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.event_id} {self.status}"


class NotificationChannels(models.Model):
    """A person's choices beyond the kinds: whether robots' messages in group chats mention them
    by mobile number."""

    user_id = models.BigIntegerField(unique=True)
    robot_mention = models.BooleanField(_("mention me in group-chat robots' messages"), default=True)

    def __str__(self) -> str:
        return f"{self.user_id}"


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class Robot(models.Model):
    """A group-chat robot of the tenant (WeCom or DingTalk) that is sent chosen kinds of news.

    The URL carries the robot's key (WeCom) or access token (DingTalk) and the
    secret signs DingTalk messages: both are secrets, shown again only masked.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=RobotKind.choices)
    name = models.CharField(_("name"), max_length=60)
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128, blank=True)
    event_kinds = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return self.is_active and kind in self.event_kinds


class RobotDelivery(models.Model):
    """One piece of news for one robot, or a digest of several held back by its rate limit."""

    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="deliveries")
    stream = models.BigIntegerField()
    event_id = models.BigIntegerField()
    event_kind = models.CharField(max_length=40)
    # The facts of the news (as a notification keeps them), the work order, its link, who to mention.
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Held back by the robot's rate limit: sent with the others held in one digest message.
    held = models.BooleanField(default=False)
    # The delivery whose digest message carried this one.
    digest = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["robot", "stream", "event_id"], name="one_delivery_per_event_and_robot"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="robot_due", condition=models.Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.robot_id}:{self.event_id} {self.status}"
