"""Invitations: people into a tenant, dealers into a network, each only with the invitee's consent.

- A tenant's administrator invites a person by e-mail, in a role of the tenant's
  type. The link opens on the tenant's own host, where the person creates an
  account or proves the one they have (password, and a second factor where they
  use one); only then do they become a member. Whether an e-mail, a user name or
  an account exists is never shown to the administrator.
- A hotline's administrator invites a dealer into the network (dealer code,
  region, city): the answer is a code to hand to the dealer, shown once. The
  dealer's administrator enters it on the dealer's own portal (or a platform
  operator for the dealer) and accepts; only then does the dealer join. A
  hotline may also create a new dealer tenant, within its
  ``Manufacturer.dealer_creation_quota``.

Every invitation is single-use and expires (``INVITATION_DAYS``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    AuthEventKind,
    Invitation,
    Manufacturer,
    Membership,
    NetworkInvitation,
    NetworkMembership,
    PartsCentre,
    Region,
    Tenant,
    TenantType,
    User,
)
from ..models.identity import CENTRE_ROLES, ROLES_BY_TENANT_TYPE, Role
from ..models.network import code_validator
from ..selectors import portal_url
from .directory import DirectoryReport, RowError, directory_validate
from .provisioning import (
    DealerSpec,
    DirectoryIndex,
    centre_errors,
    check_slug,
    dealer_provision,
    dealer_tenant_new,
    membership_grant,
)
from .signin import auth_event_record

INVITATION_DAYS = 7
PEOPLE_LEAD, NETWORK_LEAD = "inv", "net"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret(lead: str) -> str:
    return f"{lead}_{secrets.token_urlsafe(32)}"


def _errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# --- people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    url: str  # the link, shown to the administrator once and e-mailed


def invitation_send(
    *,
    request: HttpRequest | None,
    tenant: Tenant,
    by: User,
    email: str,
    role: str,
    full_name: str = "",
    parts_centre: PartsCentre | None = None,
) -> SentInvitation:
    """Invite a person by e-mail into ``tenant`` in ``role``; nothing is granted until they accept.

    Parts-centre staff are invited for one ``parts_centre`` of the hotline's manufacturer.
    """
    errors: dict[str, list[str]] = {}
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if role not in ROLES_BY_TENANT_TYPE.get(tenant.type, frozenset()):
        errors["role"] = [_("Choose one of this workplace's roles.")]
    else:
        errors.update(centre_errors(tenant, role, parts_centre))
    _errors(errors)
    secret = _secret(PEOPLE_LEAD)
    invitation = Invitation.objects.create(
        tenant=tenant,
        role=role,
        parts_centre=parts_centre if role in CENTRE_ROLES else None,
        email=email,
        full_name=(full_name or "").strip()[:60],
        digest=_digest(secret),
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    url = portal_url(tenant, f"/invitations/{secret}/")
    send_mail(
        _("Invitation to %(tenant)s") % {"tenant": tenant.name},
        _(
            "%(by)s invites you to work in %(tenant)s as %(role)s. Open this link within %(days)s days "
            "to accept (with your account, or a new one):\n\n%(url)s\n"
        )
        % {
            "by": by.get_full_name(),
            "tenant": tenant.name,
            "role": Role(role).label,
            "days": INVITATION_DAYS,
            "url": url,
        },
        None,
        [email],
    )
    auth_event_record(request, AuthEventKind.INVITATION_SENT, tenant=tenant, by=by, email=email, role=role)
    return SentInvitation(invitation, url)


def invitation_open(tenant: Tenant, secret: str) -> Invitation | None:
    """The pending invitation ``secret`` names on this tenant's host, or None."""
    return Invitation.objects.filter(
        tenant=tenant,
        digest=_digest(secret or ""),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


def invitation_accept(*, request: HttpRequest | None, invitation: Invitation, user: User) -> Membership:
    """``user`` (who has proved the account) takes the invitation: a member in its role, once."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if (
            locked.accepted_at is not None
            or locked.revoked_at is not None
            or locked.expires_at <= timezone.now()
        ):
            raise ValidationError({"__all__": [_("This invitation is no longer valid.")]})
        membership = membership_grant(
            user=user, tenant=locked.tenant, role=locked.role, parts_centre=locked.parts_centre
        )
        locked.accepted_at, locked.accepted_by = timezone.now(), user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        auth_event_record(
            request, AuthEventKind.MEMBER_ADDED, tenant=locked.tenant, user=user, by=locked.created_by,
            role=locked.role,
        )  # fmt: skip
    return membership


def member_role_change(
    *, request: HttpRequest | None, membership: Membership, role: str, by: User
) -> Membership:
    """A member of the tenant gets another role of the tenant's type (not their own).

    A parts centre's role is held for one centre: it is given by invitation (with the centre)
    and not changed into, or out of, here.
    """
    if membership.user_id == by.pk:
        raise ValidationError({"role": [_("You cannot change your own role; ask another administrator.")]})
    if role not in ROLES_BY_TENANT_TYPE.get(membership.tenant.type, frozenset()):
        raise ValidationError({"role": [_("Choose one of this workplace's roles.")]})
    if (role in CENTRE_ROLES or membership.role in CENTRE_ROLES) and role != membership.role:
        raise ValidationError(
            {
                "role": [
                    _(
                        "Parts-centre staff work for one parts centre: revoke the membership and "
                        "send an invitation for the other role."
                    )
                ]
            }
        )
    before = membership.role
    Membership.objects.filter(pk=membership.pk).update(role=role)
    membership.role = role
    auth_event_record(
        request, AuthEventKind.ROLE_CHANGED, tenant=membership.tenant, user=membership.user, by=by,
        before=before, after=role,
    )  # fmt: skip
    return membership


# --- dealers into networks ------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkCode:
    invitation: NetworkInvitation
    code: str  # shown once: the dealer's administrator enters it on the dealer's portal


def _check_place(
    manufacturer: Manufacturer, dealer_code: str, region: Region | None, province: str, city: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, value in (("dealer_code", dealer_code), ("province", province), ("city", city)):
        if not (value or "").strip():
            errors[field] = [_("This field is required.")]
    if dealer_code:
        try:
            code_validator(dealer_code)
        except ValidationError as exc:
            errors["dealer_code"] = list(exc.messages)
        if NetworkMembership.objects.filter(manufacturer=manufacturer, dealer_code=dealer_code).exists():
            errors["dealer_code"] = [
                _("Dealer code “%(code)s” is already used in this network.") % {"code": dealer_code}
            ]
    if region is None or region.manufacturer_id != manufacturer.pk:
        errors["region"] = [_("Choose a region of this network.")]
    return errors


def network_invitation_create(
    *,
    request: HttpRequest | None,
    manufacturer: Manufacturer,
    by: User,
    dealer_code: str,
    region: Region | None,
    province: str,
    city: str,
    note: str = "",
) -> NetworkCode:
    """An invitation for a dealer to join the network in this place; its code is shown once."""
    dealer_code, province, city = (dealer_code or "").strip(), (province or "").strip(), (city or "").strip()
    _errors(_check_place(manufacturer, dealer_code, region, province, city))
    code = _secret(NETWORK_LEAD)
    invitation = NetworkInvitation.objects.create(
        manufacturer=manufacturer,
        dealer_code=dealer_code,
        region=region,
        province=province,
        city=city,
        note=(note or "").strip()[:200],
        digest=_digest(code),
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    return NetworkCode(invitation, code)


def network_invitation_find(code: str) -> NetworkInvitation | None:
    """The pending network invitation a code names, or None (unknown, used, expired, withdrawn)."""
    return (
        NetworkInvitation.objects.select_related("manufacturer", "region")
        .filter(
            digest=_digest((code or "").strip()),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def network_invitation_accept(*, code: str, dealer: Tenant, by: User) -> NetworkMembership:
    """The dealer's side consents: ``dealer`` joins the network in the invited place, once."""
    invitation = network_invitation_find(code)
    if invitation is None:
        raise ValidationError({"code": [_("This code is not valid (unknown, used or expired).")]})
    if dealer.type != TenantType.DEALER:
        raise ValidationError({"dealer": [_("Only a dealer joins a network.")]})
    if NetworkMembership.objects.filter(manufacturer=invitation.manufacturer, dealer=dealer).exists():
        raise ValidationError({"code": [_("This dealer is already in that network.")]})
    try:
        with transaction.atomic():
            locked = NetworkInvitation.objects.select_for_update().get(pk=invitation.pk)
            if locked.accepted_at is not None:
                raise ValidationError({"code": [_("This code is not valid (unknown, used or expired).")]})
            place = NetworkMembership.objects.create(
                manufacturer=invitation.manufacturer,
                dealer=dealer,
                dealer_code=invitation.dealer_code,
                region=invitation.region,
                province=invitation.province,
                city=invitation.city,
            )
            locked.accepted_at, locked.accepted_by, locked.dealer = timezone.now(), by, dealer
            locked.save(update_fields=["accepted_at", "accepted_by", "dealer"])
    except IntegrityError as exc:
        raise ValidationError(
            {"code": [_("The dealer code was taken meanwhile; ask for a new invitation.")]}
        ) from exc
    return place


def slug_unavailable() -> str:
    """The one answer for a dealer address that cannot be used: taken, reserved or ill-formed alike."""
    return _(
        "This address is not available. Use 3 to 40 lowercase letters, digits and hyphens, and try another."
    )


def dealers_created_by(manufacturer: Manufacturer) -> int:
    return NetworkMembership.objects.filter(manufacturer=manufacturer, created_the_dealer=True).count()


def network_dealer_create(
    *,
    manufacturer: Manufacturer,
    dealer_code: str,
    slug: str,
    name: str,
    region: Region | None,
    province: str,
    city: str,
    time_zone: str,
) -> NetworkMembership:
    """A hotline creates a *new* dealer tenant in its network, within its quota.

    The slug must be free; a slug that is taken gets the same answer as one
    that is reserved or ill-formed, naming no tenant and no type (a host name
    is public anyway; joining an existing dealer is by invitation).
    """
    errors = _check_place(manufacturer, (dealer_code or "").strip(), region, province, city)
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    slug = (slug or "").strip().lower()
    slug_errors: dict[str, list[str]] = {}
    check_slug(slug_errors, slug)
    if slug_errors:
        errors["slug"] = [slug_unavailable()]
    if dealers_created_by(manufacturer) >= manufacturer.dealer_creation_quota:
        errors["__all__"] = [
            _("This network may create no more new dealers (%(quota)s); ask the platform operators.")
            % {"quota": manufacturer.dealer_creation_quota}
        ]
    _errors(errors)
    spec = DealerSpec(
        manufacturer=manufacturer.code,
        dealer_code=dealer_code.strip(),
        slug=slug,
        name=name.strip(),
        region=region.code,
        province=province.strip(),
        city=city.strip(),
        time_zone=time_zone,
    )
    with transaction.atomic():
        place = dealer_provision(spec, DirectoryIndex(), new_only=True)
        NetworkMembership.objects.filter(pk=place.pk).update(created_the_dealer=True)
    return place


def network_directory_import(
    rows: list[tuple[int, dict[str, str]]],
    *,
    manufacturer: Manufacturer,
    time_zone: str,
    only_valid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DirectoryReport:
    """A hotline's directory file: new dealers of its own network, within its quota.

    Every row is checked first (``directory_validate``), and nothing is written
    while a row is bad unless ``only_valid``. A row of another manufacturer is
    an error of that row; a row already imported is skipped; an address that is
    taken gets the answer of ``network_dealer_create`` (an existing dealer joins
    by invitation, never by a row). A file that needs more new dealers than the
    quota leaves is refused as a whole. Each dealer is created on its own.
    """
    index = DirectoryIndex()
    report, specs, present = directory_validate(rows, index)
    for number, spec in specs:
        if number in present:
            continue
        if spec.manufacturer.upper() != manufacturer.code.upper():
            message = _("Only dealers of %(code)s can be imported here.") % {"code": manufacturer.code}
            report.errors.append(RowError(number, "manufacturer", message))
        if spec.slug in index.tenants:  # nothing about the tenant that holds it
            report.errors = [e for e in report.errors if (e.row, e.field) != (number, "slug")]
            report.errors.append(RowError(number, "slug", slug_unavailable()))
    report.errors.sort(key=lambda e: (e.row, e.field))
    if report.errors and not only_valid:
        return report
    bad = report.bad_rows
    new = [(number, spec) for number, spec in specs if number not in present and number not in bad]
    left = manufacturer.dealer_creation_quota - dealers_created_by(manufacturer)
    if len(new) > left:
        raise ValidationError(
            _(
                "The file has %(new)s new dealers; this network may create %(left)s more. "
                "Ask the platform operators for a larger quota, or invite dealers that exist."
            )
            % {"new": len(new), "left": max(left, 0)}
        )
    report.skipped_bad = len(specs) - len(present) - len(new)
    regions = {r.code: r for r in Region.objects.filter(manufacturer=manufacturer)}
    for number, spec in new:
        try:
            place = network_dealer_create(
                manufacturer=manufacturer,
                dealer_code=spec.dealer_code,
                slug=spec.slug,
                name=spec.name,
                region=regions.get(spec.region),
                province=spec.province,
                city=spec.city,
                time_zone=time_zone,
            )
        except ValidationError as exc:  # changed under our feet since the check
            report.errors += [RowError(number, f, m) for f, ms in exc.message_dict.items() for m in ms]
        else:
            if not spec.is_active:
                NetworkMembership.objects.filter(pk=place.pk).update(is_active=False)
            report.imported += 1
        if progress:
            progress(1)
    return report


def dealer_tenant_create(*, slug: str, name: str, time_zone: str = "Asia/Shanghai") -> Tenant:
    """A platform operator creates a dealer tenant in no network yet (it joins by invitation)."""
    return dealer_tenant_new(slug=slug, name=name, time_zone=time_zone)


__all__ = [
    "INVITATION_DAYS",
    "dealer_tenant_create",
    "invitation_accept",
    "invitation_open",
    "invitation_send",
    "member_role_change",
    "network_dealer_create",
    "network_directory_import",
    "network_invitation_accept",
    "network_invitation_create",
    "network_invitation_find",
]
