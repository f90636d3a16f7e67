"""Which dealer receives a work order: only active members of the manufacturer's network."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from config.rows import Join, Rows
from tenants.models import Manufacturer, NetworkMembership

from ..models import Vehicle

# A dealer's place with the dealer and its region, as select_related gives them.
_PLACE = Rows(NetworkMembership, Join("dealer", inner=True), Join("region"))


def network_place(
    manufacturer: Manufacturer, dealer_id: int, known: NetworkMembership | None = None
) -> NetworkMembership:
    """The dealer's active place in the network, or a field error on ``dealer``: ``known`` when it
    is that place as the request read it already (``network_place_by_code``), else read now."""
    if known is not None and (known.manufacturer_id, known.dealer_id, known.is_active) == (
        manufacturer.pk,
        dealer_id,
        True,
    ):
        return known
    place = _PLACE.one(
        "t.manufacturer_id = %s AND t.dealer_id = %s AND t.is_active", [manufacturer.pk, dealer_id]
    )
    if place is None:
        raise ValidationError(
            {
                "dealer": [
                    _("This dealer is not an active member of the %(brand)s network.")
                    % {"brand": manufacturer.name}
                ]
            }
        )
    return place


def network_place_by_code(manufacturer: Manufacturer, code: str) -> NetworkMembership | None:
    """The place in the network of the dealer with ``code``, active or not; None for no such code."""
    return _PLACE.one("t.manufacturer_id = %s AND t.dealer_code = %s", [manufacturer.pk, code])


def dealer_suggest(
    manufacturer: Manufacturer, *, vehicle: Vehicle | None, city: str
) -> tuple[NetworkMembership | None, str]:
    """The suggested dealer and why: servicing dealer, else selling dealer, else one in the city."""
    active = NetworkMembership.objects.select_related("dealer", "region").filter(
        manufacturer=manufacturer, is_active=True
    )
    if vehicle is not None:
        for dealer_id, reason in (
            (vehicle.servicing_dealer_id, "servicing_dealer"),
            (vehicle.selling_dealer_id, "selling_dealer"),
        ):
            if dealer_id:
                place = active.filter(dealer_id=dealer_id).first()
                if place is not None:
                    return place, reason
    if city:
        place = active.filter(city=city).order_by("dealer_code").first()
        if place is not None:
            return place, "same_city"
    return None, ""


EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
RESCUE_SUGGESTIONS = 5


@dataclass(frozen=True)
class RescueSuggestion:
    """A dealer that could go to a car standing somewhere, and why it is suggested."""

    place: NetworkMembership
    reason: str  # "nearest", "same_district", "same_city", "same_province"
    distance_km: float | None  # by coordinates, when both sides have them


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine). GCJ-02 offsets are a few hundred metres at most,
    the same on both sides, so they do not change which dealer is nearer."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def rescue_dealers_suggest(
    manufacturer: Manufacturer, *, location: Mapping[str, Any], limit: int = RESCUE_SUGGESTIONS
) -> list[RescueSuggestion]:
    """The active dealers offering 24-hour rescue nearest to where the car stands, nearest first.

    With the car's coordinates: the dealers with coordinates, by distance. Otherwise (or when no
    such dealer has coordinates): those in the same district, else the same city, else the same
    province. The owner's usual dealer has no precedence: the car is where it is.
    """
    rescuers = NetworkMembership.objects.select_related("dealer", "region").filter(
        manufacturer=manufacturer, is_active=True, offers_rescue=True
    )
    lat, lon = location.get("latitude"), location.get("longitude")
    if lat is not None and lon is not None:
        placed = [
            (distance_km(float(lat), float(lon), float(p.latitude), float(p.longitude)), p)
            for p in rescuers.filter(latitude__isnull=False, longitude__isnull=False)
        ]
        if placed:
            placed.sort(key=lambda pair: (pair[0], pair[1].dealer_code))
            return [RescueSuggestion(p, "nearest", round(d, 1)) for d, p in placed[:limit]]
    province = str(location.get("province") or "").strip()
    city = str(location.get("city") or "").strip()
    district = str(location.get("district") or "").strip()
    for reason, filters in (
        ("same_district", {"province": province, "city": city, "district": district}),
        ("same_city", {"province": province, "city": city}),
        ("same_province", {"province": province}),
    ):
        if not all(filters.values()):
            continue
        places = list(rescuers.filter(**filters).order_by("dealer_code")[:limit])
        if places:
            return [RescueSuggestion(p, reason, None) for p in places]
    return []
