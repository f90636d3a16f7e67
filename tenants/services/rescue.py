"""A dealer's roadside-rescue declaration for one of its network places (public schema).

Rescue is declared per network place, not per dealer: a dealer group may run a 24-hour
rescue service for one brand's franchise and not another's, and the manufacturer routes
rescues among its own network. The dealer declares it itself (it keeps the duty roster and
its phone); the manufacturer's hotline sees it on its network page and routes by it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from config.actor import Actor

from ..models import NetworkMembership, Tenant
from ..permissions import require

# A mobile number, or a landline with its area code (0755-12345678), or a 400/800 service number.
DUTY_PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[48]00-?\d{3}-?\d{4})$")


def coordinate_checked(value: Any, low: int, high: int) -> tuple[Decimal | None, str]:
    """A latitude (−90..90) or longitude (−180..180) in decimal degrees, kept to 6 decimals
    (about 0.1 m), or why it is not one. The same rule for a dealer's place and a car's location."""
    if isinstance(value, bool):
        return None, _("Give the coordinate in decimal degrees, e.g. 31.230416.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, _("Give the coordinate in decimal degrees, e.g. 31.230416.")
    if not number.is_finite():
        return None, _("Give the coordinate in decimal degrees, e.g. 31.230416.")
    if not low <= number <= high:
        return None, _("Between %(low)s and %(high)s degrees.") % {"low": low, "high": high}
    return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP), ""


def _coordinate(value: Any, low: int, high: int, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value in ("", None):
        return None
    number, problem = coordinate_checked(value, low, high)
    if problem:
        errors.setdefault(name, []).append(problem)
    return number


def network_rescue_declare(
    *,
    actor: Actor,
    dealer: Tenant,
    place_id: int,
    offers_rescue: bool,
    duty_phone: str = "",
    district: str = "",
    latitude: Any = None,
    longitude: Any = None,
) -> NetworkMembership:
    """The dealer says whether it offers 24-hour rescue in one network, with the duty phone, and
    where it stands (district, optional GCJ-02 coordinates) for routing by distance.

    Another dealer's place is ``Http404``. Offering rescue needs a duty phone; coordinates come
    both or neither. Nothing changes unless everything is valid.
    """
    require(actor, "networks.rescue")
    place = NetworkMembership.objects.filter(pk=place_id, dealer=dealer).first()
    if place is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    duty_phone = (duty_phone or "").strip()
    district = (district or "").strip()
    if offers_rescue and not duty_phone:
        errors["rescue_duty_phone"] = [_("Give the phone the rescue duty answers day and night.")]
    elif duty_phone and not DUTY_PHONE_RE.match(duty_phone):
        errors["rescue_duty_phone"] = [
            _("A mobile number, a landline with its area code (0755-12345678) or a 400/800 number.")
        ]
    if len(district) > 30:
        errors["district"] = [_("At most %(n)s characters.") % {"n": 30}]
    lat = _coordinate(latitude, -90, 90, "latitude", errors)
    lon = _coordinate(longitude, -180, 180, "longitude", errors)
    given = [n for n, v in (("latitude", latitude), ("longitude", longitude)) if v not in ("", None)]
    if len(given) == 1:
        other = "longitude" if given[0] == "latitude" else "latitude"
        errors.setdefault(other, []).append(_("Give both coordinates, or neither."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        place = NetworkMembership.objects.select_for_update().get(pk=place.pk)
        place.offers_rescue = bool(offers_rescue)
        place.rescue_duty_phone = duty_phone
        place.district = district
        place.latitude, place.longitude = lat, lon
        place.save(update_fields=["offers_rescue", "rescue_duty_phone", "district", "latitude", "longitude"])
    return place
