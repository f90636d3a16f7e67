"""Which dealer receives a work order: only active members of the manufacturer's network."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenants.models import Manufacturer, NetworkMembership

from ..models import Vehicle


def network_place(manufacturer: Manufacturer, dealer_id: int) -> NetworkMembership:
    """The dealer's active place in the network, or a field error on ``dealer``."""
    place = (
        NetworkMembership.objects.select_related("dealer", "region")
        .filter(manufacturer=manufacturer, dealer_id=dealer_id, is_active=True)
        .first()
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
