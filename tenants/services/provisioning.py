"""Creating manufacturers, dealers and their places in networks.

Every function validates all of its input first and raises ``ValidationError``
keyed by field (messages in the active language) before it writes anything;
the writes then happen in one transaction, schema creation included
(PostgreSQL DDL is transactional), so a failure leaves nothing behind.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from ..models import (
    Domain,
    Manufacturer,
    Membership,
    NetworkMembership,
    PartsCentre,
    Region,
    Role,
    Tenant,
    TenantType,
    User,
)
from ..models.identity import CENTRE_ROLES, ROLES_BY_TENANT_TYPE
from ..models.network import code_validator, prefix_validator
from ..models.tenant import RESERVED_SLUGS, slug_validator

HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _run_validator(errors: Errors, field: str, validator, value: str) -> None:
    try:
        validator(value)
    except ValidationError as exc:
        for message in exc.messages:
            _add(errors, field, message)


def _required(errors: Errors, **values: str) -> None:
    for field, value in values.items():
        if not (value or "").strip():
            _add(errors, field, _("This field is required."))


def check_slug(errors: Errors, slug: str, field: str = "slug", index: DirectoryIndex | None = None) -> None:
    """A tenant slug: well-formed, not reserved, and free as tenant, schema and host name.

    The schema is checked against the database itself: a deleted tenant's schema
    stays behind, and a new tenant must never adopt it.
    """
    if not slug:
        _add(errors, field, _("This field is required."))
        return
    before = len(errors.get(field, []))
    _run_validator(errors, field, slug_validator, slug)
    if len(errors.get(field, [])) > before:
        return
    schema, host = Tenant.schema_name_for(slug), f"{slug}.{settings.BASE_DOMAIN}"
    if index is not None:
        taken = slug in index.tenants or schema in index.schemas or host in index.domains
    else:
        taken = (
            Tenant.objects.filter(slug=slug).exists()
            or schema_exists(schema, case_sensitive=False)
            or Domain.objects.filter(domain=host).exists()
        )
    if slug in RESERVED_SLUGS or slug.startswith(("template", "pg-")):
        _add(errors, field, _("“%(slug)s” is reserved by the platform.") % {"slug": slug})
    elif taken:
        _add(errors, field, _("A tenant with slug “%(slug)s” already exists.") % {"slug": slug})


def check_domain(errors: Errors, domain: str, field: str = "domain") -> None:
    if not HOSTNAME_RE.match(domain or ""):
        _add(
            errors,
            field,
            _("“%(domain)s” is not a valid host name (lowercase letters, digits, hyphens and dots).")
            % {"domain": domain},
        )
    elif Domain.objects.filter(domain=domain).exists():
        _add(errors, field, _("The host name “%(domain)s” is already in use.") % {"domain": domain})


def check_time_zone(errors: Errors, time_zone: str) -> None:
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        _add(
            errors,
            "time_zone",
            _("“%(tz)s” is not a known time zone, e.g. Asia/Shanghai.") % {"tz": time_zone},
        )


# Unique constraints that a concurrent writer can beat us to, and the field each guards.
CONSTRAINT_FIELDS = {
    "network_dealer_code_unique": "dealer_code",
    "network_dealer_unique": "slug",
    "tenants_tenant_slug_key": "slug",
    "tenants_tenant_schema_name_key": "slug",
    "tenants_domain_domain_key": "slug",
    "tenants_manufacturer_code_key": "code",
    "tenants_manufacturer_work_order_prefix_key": "work_order_prefix",
}


def _conflict(exc: IntegrityError) -> ValidationError:
    """A unique violation raced past validation: the same clear error, naming the field."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
    field = next((f for name, f in CONSTRAINT_FIELDS.items() if constraint.startswith(name)), "__all__")
    return ValidationError(
        {field: [_("Someone else has just taken this value; nothing was created. Check and try again.")]}
    )


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _create_tenant(
    *, tenant_type: str, slug: str, name: str, time_zone: str, extra_domains: Iterable[str]
) -> Tenant:
    tenant = Tenant(
        type=tenant_type,
        slug=slug,
        name=name,
        time_zone=time_zone,
        schema_name=Tenant.schema_name_for(slug),
    )
    # A tenant row is made from the public schema, also when a hotline's administrator
    # adds a dealer from the hotline's own host.
    with schema_context(get_public_schema_name()):
        tenant.save()  # clones the type's template schema
    Domain.objects.create(tenant=tenant, domain=f"{slug}.{settings.BASE_DOMAIN}", is_primary=True)
    for domain in extra_domains:
        Domain.objects.create(tenant=tenant, domain=domain, is_primary=False)
    return tenant


def manufacturer_create(
    *,
    code: str,
    name: str,
    slug: str,
    work_order_prefix: str,
    name_en: str = "",
    time_zone: str = "Asia/Shanghai",
    domains: Iterable[str] = (),
) -> Manufacturer:
    """A manufacturer and its hotline tenant (schema cloned from the hotline template)."""
    domains = list(domains)
    errors: Errors = {}
    _required(errors, code=code, name=name)
    if code:
        _run_validator(errors, "code", code_validator, code)
        if Manufacturer.objects.filter(code=code).exists():
            _add(errors, "code", _("A manufacturer with code “%(code)s” already exists.") % {"code": code})
    _run_validator(errors, "work_order_prefix", prefix_validator, work_order_prefix)
    if Manufacturer.objects.filter(work_order_prefix=work_order_prefix).exists():
        _add(
            errors,
            "work_order_prefix",
            _("Prefix “%(prefix)s” is used by another manufacturer.") % {"prefix": work_order_prefix},
        )
    check_slug(errors, slug)
    for domain in domains:
        check_domain(errors, domain)
    if len(set(domains)) < len(domains):
        _add(errors, "domain", _("The same host name is given twice."))
    check_time_zone(errors, time_zone)
    _raise(errors)
    try:
        with transaction.atomic():
            hotline = _create_tenant(
                tenant_type=TenantType.HOTLINE,
                slug=slug,
                name=name,
                time_zone=time_zone,
                extra_domains=domains,
            )
            return Manufacturer.objects.create(
                code=code,
                name=name,
                name_en=name_en,
                work_order_prefix=work_order_prefix,
                hotline=hotline,
            )
    except IntegrityError as exc:
        raise _conflict(exc) from exc


def parts_centre_create(*, manufacturer: Manufacturer, code: str, name: str, city: str = "") -> PartsCentre:
    errors: Errors = {}
    _required(errors, code=code, name=name)
    if code:
        _run_validator(errors, "code", code_validator, code)
    if PartsCentre.objects.filter(manufacturer=manufacturer, code=code).exists():
        _add(errors, "code", _("Parts centre “%(code)s” already exists.") % {"code": code})
    _raise(errors)
    return PartsCentre.objects.create(manufacturer=manufacturer, code=code, name=name, city=city)


def region_create(
    *, manufacturer: Manufacturer, code: str, name: str, parts_centre: PartsCentre | None = None
) -> Region:
    errors: Errors = {}
    _required(errors, code=code, name=name)
    if code:
        _run_validator(errors, "code", code_validator, code)
    if Region.objects.filter(manufacturer=manufacturer, code=code).exists():
        _add(errors, "code", _("Region “%(code)s” already exists.") % {"code": code})
    if parts_centre is not None and parts_centre.manufacturer_id != manufacturer.pk:
        _add(errors, "parts_centre", _("The parts centre belongs to another manufacturer."))
    _raise(errors)
    return Region.objects.create(manufacturer=manufacturer, code=code, name=name, parts_centre=parts_centre)


def region_parts_centre_set(
    *, manufacturer: Manufacturer, region: Region, parts_centre: PartsCentre | None
) -> Region:
    """The parts centre that serves ``region`` from now on (both of ``manufacturer``)."""
    errors: Errors = {}
    if region.manufacturer_id != manufacturer.pk:
        _add(errors, "region", _("The region belongs to another manufacturer."))
    if parts_centre is None:
        _add(errors, "parts_centre", _("Choose the parts centre that serves this region."))
    elif parts_centre.manufacturer_id != manufacturer.pk:
        _add(errors, "parts_centre", _("The parts centre belongs to another manufacturer."))
    _raise(errors)
    Region.objects.filter(pk=region.pk).update(parts_centre=parts_centre)
    region.parts_centre = parts_centre
    return region


@dataclass(frozen=True)
class DealerSpec:
    """One dealer's place in one network, as the directory describes it.

    ``slug`` names the dealer tenant: a new one is created, or an existing
    dealer (a group holding several brands) joins this network too.
    """

    manufacturer: str
    dealer_code: str
    slug: str
    name: str
    region: str
    province: str
    city: str
    is_active: bool = True
    time_zone: str = "Asia/Shanghai"


class DirectoryIndex:
    """What the database already holds, loaded once, for validating many rows fast."""

    def __init__(self) -> None:
        self.manufacturers = {m.code: m for m in Manufacturer.objects.all()}
        self.regions = {
            (r.manufacturer.code, r.code): r for r in Region.objects.select_related("manufacturer")
        }
        self.tenants = {t.slug: t for t in Tenant.objects.all()}
        with connection.cursor() as cursor:
            cursor.execute("SELECT lower(nspname) FROM pg_namespace")
            self.schemas = {row[0] for row in cursor.fetchall()}
        self.codes = set(NetworkMembership.objects.values_list("manufacturer__code", "dealer_code"))
        self.joined = set(NetworkMembership.objects.values_list("manufacturer__code", "dealer__slug"))
        self.domains = set(Domain.objects.values_list("domain", flat=True))


def check_dealer_spec(spec: DealerSpec, index: DirectoryIndex | None = None) -> Errors:
    """Every rule a dealer row must meet, checked against the database as it is now."""
    index = index or DirectoryIndex()
    errors: Errors = {}
    _required(
        errors,
        manufacturer=spec.manufacturer,
        dealer_code=spec.dealer_code,
        slug=spec.slug,
        name=spec.name,
        region=spec.region,
        province=spec.province,
        city=spec.city,
    )
    manufacturer = index.manufacturers.get(spec.manufacturer)
    if spec.manufacturer and manufacturer is None:
        _add(errors, "manufacturer", _("Unknown manufacturer “%(code)s”.") % {"code": spec.manufacturer})
    if spec.dealer_code:
        _run_validator(errors, "dealer_code", code_validator, spec.dealer_code)
        if (spec.manufacturer, spec.dealer_code) in index.codes:
            _add(
                errors,
                "dealer_code",
                _("Dealer code “%(code)s” is already used in this network.") % {"code": spec.dealer_code},
            )
    if manufacturer is not None and spec.region and (spec.manufacturer, spec.region) not in index.regions:
        _add(errors, "region", _("Unknown region “%(code)s” in this network.") % {"code": spec.region})
    if spec.slug:
        existing = index.tenants.get(spec.slug)
        if existing is not None:
            if existing.type != TenantType.DEALER:
                _add(
                    errors,
                    "slug",
                    _("“%(slug)s” belongs to a tenant that is not a dealer.") % {"slug": spec.slug},
                )
            elif (spec.manufacturer, spec.slug) in index.joined:
                _add(errors, "slug", _("This dealer is already in this network."))
        else:
            check_slug(errors, spec.slug, index=index)
            check_time_zone(errors, spec.time_zone)
    return errors


def dealer_provision(
    spec: DealerSpec, index: DirectoryIndex | None = None, *, new_only: bool = False
) -> NetworkMembership:
    """Create the dealer tenant if new, and join it to the manufacturer's network.

    All or nothing: a dealer is never left without its network place, nor a
    schema without its tenant row. Joining an *existing* dealer is the platform
    operators' (their commands); with ``new_only`` (a hotline's own screen) the
    slug must be free, and a hotline invites existing dealers instead
    (``tenants.services.invitations``).
    """
    index = index or DirectoryIndex()
    errors = check_dealer_spec(spec, index)
    if new_only and spec.slug in index.tenants:
        errors.setdefault("slug", []).append(_("This address is not available."))
    _raise(errors)
    try:
        with transaction.atomic():
            dealer = index.tenants.get(spec.slug)
            if dealer is None:
                dealer = _create_tenant(
                    tenant_type=TenantType.DEALER,
                    slug=spec.slug,
                    name=spec.name,
                    time_zone=spec.time_zone,
                    extra_domains=(),
                )
            membership = NetworkMembership.objects.create(
                manufacturer=index.manufacturers[spec.manufacturer],
                dealer=dealer,
                dealer_code=spec.dealer_code,
                region=index.regions[(spec.manufacturer, spec.region)],
                province=spec.province,
                city=spec.city,
                is_active=spec.is_active,
            )
    except IntegrityError as exc:
        raise _conflict(exc) from exc
    # Keep the index true for the next row of a bulk import.
    index.tenants[dealer.slug] = dealer
    index.schemas.add(dealer.schema_name.lower())
    index.domains.add(f"{dealer.slug}.{settings.BASE_DOMAIN}")
    index.codes.add((spec.manufacturer, spec.dealer_code))
    index.joined.add((spec.manufacturer, spec.slug))
    return membership


def dealer_tenant_new(*, slug: str, name: str, time_zone: str = "Asia/Shanghai") -> Tenant:
    """A dealer tenant in no network yet (a platform operator's): it joins networks by invitation."""
    errors: Errors = {}
    _required(errors, name=name)
    check_slug(errors, slug)
    check_time_zone(errors, time_zone)
    _raise(errors)
    try:
        with transaction.atomic():
            return _create_tenant(
                tenant_type=TenantType.DEALER,
                slug=slug,
                name=name.strip(),
                time_zone=time_zone,
                extra_domains=(),
            )
    except IntegrityError as exc:
        raise _conflict(exc) from exc


def user_create(
    *, username: str, password: str, full_name: str = "", email: str = "", mobile: str = ""
) -> User:
    """A global identity; the password must pass the configured validators."""

    errors: Errors = {}
    _required(errors, username=username)
    if username and User.objects.filter(username=username).exists():
        _add(errors, "username", _("This user name is taken."))
    candidate = User(username=username, full_name=full_name, email=email, mobile=mobile)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    _raise(errors)
    candidate.set_password(password)
    candidate.save()
    return candidate


def centre_errors(tenant: Tenant, role: str, parts_centre: PartsCentre | None) -> Errors:
    """A centre role names one parts centre of the tenant's manufacturer; no other role names one."""
    if role not in CENTRE_ROLES:
        return (
            {"parts_centre": [_("Only parts-centre staff work for a parts centre.")]} if parts_centre else {}
        )
    manufacturer_id = Manufacturer.objects.filter(hotline=tenant).values_list("pk", flat=True).first()
    if parts_centre is None or manufacturer_id is None or parts_centre.manufacturer_id != manufacturer_id:
        return {"parts_centre": [_("Choose one of this manufacturer's parts centres.")]}
    return {}


def membership_grant(
    *, user: User, tenant: Tenant, role: str, parts_centre: PartsCentre | None = None
) -> Membership:
    """Give ``user`` a role in ``tenant`` (replacing the role they had there).

    Parts-centre staff hold their role for one ``parts_centre`` of the hotline's manufacturer.
    """
    if role not in ROLES_BY_TENANT_TYPE.get(tenant.type, frozenset()):
        allowed = ", ".join(sorted(ROLES_BY_TENANT_TYPE.get(tenant.type, ())))
        raise ValidationError(
            {
                "role": [
                    _("Role “%(role)s” does not exist for this kind of tenant; allowed: %(allowed)s.")
                    % {"role": role, "allowed": allowed}
                ]
            }
        )
    errors = centre_errors(tenant, role, parts_centre)
    if errors:
        raise ValidationError(errors)
    membership, _created = Membership.objects.update_or_create(
        user=user, tenant=tenant, defaults={"role": role, "is_active": True, "parts_centre": parts_centre}
    )
    return membership


def membership_revoke(*, membership: Membership, by: User) -> Membership:
    """``membership`` stops opening its tenant's host; granting a role again restores it.

    Nobody revokes their own membership: a tenant must not lose its last administrator
    by a slip of the hand.
    """
    if membership.user_id == by.pk:
        raise ValidationError(
            {"__all__": [_("You cannot revoke your own membership; ask another administrator.")]}
        )
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    membership.is_active = False
    return membership


__all__ = [
    "DealerSpec",
    "DirectoryIndex",
    "Role",
    "check_dealer_spec",
    "dealer_provision",
    "dealer_tenant_new",
    "manufacturer_create",
    "membership_grant",
    "membership_revoke",
    "parts_centre_create",
    "region_create",
    "region_parts_centre_set",
    "user_create",
]
