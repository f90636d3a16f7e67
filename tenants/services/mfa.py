"""Two-factor sign-in (TOTP, django-otp) and recovery codes.

A person has at most one authenticator (a confirmed ``TOTPDevice``) and one set
of single-use recovery codes (a ``StaticDevice``). Roles that administer or
supervise (``tenants.permissions.MFA_REQUIRED_ROLES``) cannot sign in without
one; anyone else may turn it on. Every change is an ``AuthEvent``.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import AuthEventKind, Membership, User
from ..permissions import mfa_required
from .signin import auth_event_record

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"
RECOVERY_CODES = 10


def authenticator_of(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_needed(user: User, role: str | None) -> bool:
    """Whether signing in asks for a code: the role needs one, or the person turned it on."""
    return (role is not None and mfa_required(role)) or authenticator_of(user) is not None


def mfa_mandatory_for(user: User) -> bool:
    """Whether any of the person's roles needs a second factor (then it cannot be turned off)."""
    roles = Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)
    return any(mfa_required(role) for role in roles)


def authenticator_pending(user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for the person to scan (replacing an unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def authenticator_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` address of the device as an inline SVG QR code."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1f2937")


def authenticator_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def authenticator_confirm(
    *, request: HttpRequest | None, user: User, device: TOTPDevice, code: str
) -> TOTPDevice:
    """The first code from the app proves it holds the secret; the device is then the one in use."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": [_("Start again: this set-up is no longer valid.")]})
    if not device.verify_token((code or "").replace(" ", "")):
        raise ValidationError(
            {"code": [_("The code is not valid; check the time on your phone and try again.")]}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        auth_event_record(request, AuthEventKind.MFA_ENABLED, user=user)
    return device


def second_factor_match(user: User, code: str):
    """The person's device that accepts ``code`` (authenticator or an unused recovery code), or None."""
    code = (code or "").replace(" ", "").strip()
    if not code:
        return None
    return match_token(user, code)


def recovery_codes_new(*, request: HttpRequest | None, user: User) -> list[str]:
    """Ten new single-use recovery codes (the old ones stop working); shown once."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY)
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        auth_event_record(request, AuthEventKind.RECOVERY_CODES, user=user)
    return codes


def mfa_turn_off(*, request: HttpRequest | None, user: User) -> None:
    """Remove the authenticator and recovery codes; refused while a role needs them."""
    if mfa_mandatory_for(user):
        raise ValidationError(
            {"__all__": [_("Your role needs two-factor sign-in; it cannot be turned off.")]}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        auth_event_record(request, AuthEventKind.MFA_DISABLED, user=user)
