"""The authentication audit log (public schema): who signed in, failed, was locked out, changed
a password, a second factor or a role, made or revoked an API key, and from where.

Rows are only ever added. A tenant's administrators read and export the rows of their
tenant (the host where it happened); a platform operator reads the platform's.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .identity import User
from .tenant import Tenant


class AuthEventKind(models.TextChoices):
    SIGNIN_SUCCEEDED = "signin.succeeded", _("Signed in")
    SIGNIN_FAILED = "signin.failed", _("Sign-in failed")
    LOCKED_OUT = "signin.locked_out", _("Sign-in paused (too many failures)")
    SIGNED_OUT = "signin.signed_out", _("Signed out")
    SESSION_EXPIRED = "signin.expired", _("Session ended (idle or too old)")
    PASSWORD_CHANGED = "password.changed", _("Password changed")
    MFA_ENABLED = "mfa.enabled", _("Two-factor sign-in turned on")
    MFA_DISABLED = "mfa.disabled", _("Two-factor sign-in turned off")
    MFA_FAILED = "mfa.failed", _("Wrong two-factor code")
    RECOVERY_CODES = "mfa.recovery_codes", _("New recovery codes")
    ROLE_CHANGED = "role.changed", _("Role changed")
    MEMBER_ADDED = "member.added", _("Joined this workplace")
    MEMBER_REVOKED = "member.revoked", _("Membership revoked")
    INVITATION_SENT = "invitation.sent", _("Invitation sent")
    API_KEY_CREATED = "api_key.created", _("API key created")
    API_KEY_REVOKED = "api_key.revoked", _("API key revoked")


class AuthEvent(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("what"), max_length=32, choices=AuthEventKind.choices)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Whose account it concerns (None: an unknown user name was tried).
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The user name as typed, normalised (NFKC, case-folded): what the sign-in limits count.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    # Who made the change, when it is not the account's owner (a role given by an administrator).
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"
