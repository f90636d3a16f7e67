"""Work order intake and the hotline's side of the lifecycle.

Each function validates all input before writing, changes state through
``hotline.state.transition``, appends its events in the same transaction, and
leaves side effects to the event relay (the event rows are the outbox).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actor import Actor
from config.bounds import EARLIEST, MAX_PART_QUANTITY
from config.rows import Rows, fetch_last, insert, insert_all
from tenants.models import Manufacturer, NetworkMembership
from tenants.permissions import require
from tenants.services.rescue import coordinate_checked

from ..events import EventKind
from ..models import (
    MAX_PART_LINES,
    OPEN_STATES,
    Category,
    Channel,
    ClockKind,
    DecisionState,
    ExtensionRequest,
    Gender,
    Owner,
    PartLine,
    Severity,
    SlaPolicy,
    State,
    TransferRequest,
    UpgradeRequest,
    Vehicle,
    WorkOrder,
    WorkOrderType,
)
from ..state import transition
from ..vin import validate_phone
from .clocks import (
    DISPATCH_KINDS,
    clocks_follow_state,
    clocks_start,
    clocks_stop,
    owner_update_follow_state,
    tenant_time_zone,
)
from .events import EventRow, event_append, event_row, events_insert_sql, events_json, major_flag
from .policy import CALENDAR_DAYS_COLUMNS, CalendarDays, policy_current_with
from .routing import dealer_suggest, network_place, network_place_by_code, rescue_dealers_suggest

Errors = dict[str, list[str]]
OWNER_FIELDS = ("name", "gender", "mobile", "landline", "email", "province", "city", "address", "postcode")
# The rest of the complaint's record (the Toyota forms' 抱怨客户联系处理表 and 紧急投诉应对联络表).
COMPLAINANT_FIELDS = ("name", "phone", "relation")
RECORD_LIMITS = {"preferred_contact_time": 60, "sales_contract_number": 40, "sales_consultant": 60}
VEHICLE_FIELDS = ("vin", "plate", "model", "purchase_date", "mileage_km", "use")
# Where a car waiting for roadside rescue stands: the texts (all required) and their lengths.
LOCATION_LIMITS = {"province": 30, "city": 30, "district": 30, "address": 200}


@dataclass
class Intake:
    """What an agent records for a new work order."""

    type: str
    category: str
    channel: str
    complaint: str
    owner: dict[str, Any]
    severity: str = Severity.NORMAL
    owner_demand: str = ""
    vehicle: dict[str, Any] | None = None
    part_lines: list[dict[str, Any]] = field(default_factory=list)
    dealer_id: int | None = None  # None: take the suggestion
    # The chosen dealer's place as ``intake_from`` found it by its code (not read a second time).
    dealer_place: NetworkMembership | None = field(default=None, repr=False, compare=False)
    received_at: dt.datetime | None = None
    # Who complained when not the owner: name, phone, relation (all empty: the owner).
    complainant: dict[str, Any] | None = None
    preferred_contact_time: str = ""
    incident_at: dt.datetime | None = None
    sales_contract_number: str = ""
    sales_consultant: str = ""
    # Roadside rescue: province, city, district, address, latitude/longitude (GCJ-02, optional),
    # drivable (True/False). Required for rescue, refused for any other type.
    location: dict[str, Any] | None = None


def intake_from(*, manufacturer: Manufacturer, values: Mapping[str, Any]) -> Intake:
    """The intake of what a form or the API received, the same for both.

    ``values`` has the intake's fields, ``owner`` and ``vehicle`` as mappings (a
    vehicle whose fields are all empty is no vehicle), ``part_lines`` and
    ``dealer``: a dealer code of this network, or empty for the suggestion. An
    unknown dealer code is refused, naming the field.
    """
    place = None
    code = str(values.get("dealer") or "").strip()
    if code:
        place = network_place_by_code(manufacturer, code)
        if place is None:
            raise ValidationError(
                {"dealer": [_("No dealer with the code %(code)s in this network.") % {"code": code}]}
            )
    vehicle = {k: v for k, v in dict(values.get("vehicle") or {}).items() if v not in ("", None)}
    if not any(k != "use" for k in vehicle):
        vehicle = {}
    return Intake(
        type=values["type"],
        category=values["category"],
        channel=values["channel"],
        complaint=values["complaint"],
        owner=dict(values["owner"]),
        severity=values.get("severity") or Severity.NORMAL,
        owner_demand=values.get("owner_demand") or "",
        vehicle=vehicle or None,
        part_lines=[dict(line) for line in values.get("part_lines") or []],
        dealer_id=place.dealer_id if place else None,
        dealer_place=place,
        received_at=values.get("received_at"),
        complainant=dict(values.get("complainant") or {}) or None,
        incident_at=values.get("incident_at"),
        location=_location_given(values.get("location")),
        **{name: values.get(name) or "" for name in RECORD_LIMITS},
    )


def _location_given(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A location whose fields are all empty is no location."""
    location = {k: v for k, v in dict(values or {}).items() if v not in ("", None)}
    return location or None


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _check_choice(errors: Errors, name: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        _add(
            errors,
            name,
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(choices.values)},
        )


def check_part_lines(lines: list[dict[str, Any]], *, required: bool) -> tuple[Errors, list[dict]]:
    """1 to 6 lines, each with a code, a name and a quantity of at least 1, no code twice."""
    errors: Errors = {}
    clean: list[dict] = []
    if required and not lines:
        _add(errors, "part_lines", _("A parts-shortage work order needs at least one part line."))
    if len(lines) > MAX_PART_LINES:
        _add(
            errors,
            "part_lines",
            _("At most %(max)s part lines; %(count)s were given.")
            % {"max": MAX_PART_LINES, "count": len(lines)},
        )
    seen: dict[str, int] = {}
    for i, line in enumerate(lines, start=1):
        prefix = f"part_lines[{i}]"
        code = str(line.get("part_code") or "").strip().upper()
        name = str(line.get("part_name") or "").strip()
        raw_quantity = line.get("quantity")
        if not code:
            _add(errors, f"{prefix}.part_code", _("A part code is required."))
        elif len(code) > 40:
            _add(errors, f"{prefix}.part_code", _("A part code has at most 40 characters."))
        elif code in seen:
            _add(
                errors,
                f"{prefix}.part_code",
                _("Part code %(code)s is already on line %(line)s.") % {"code": code, "line": seen[code]},
            )
        else:
            seen[code] = i
        if not name:
            _add(errors, f"{prefix}.part_name", _("A part name is required."))
        elif len(name) > 120:
            _add(errors, f"{prefix}.part_name", _("A part name has at most 120 characters."))
        try:
            if isinstance(raw_quantity, bool):
                raise ValueError
            quantity = int(raw_quantity)
            if str(raw_quantity).strip() != str(quantity) and not isinstance(raw_quantity, int):
                raise ValueError
        except (TypeError, ValueError):
            quantity = 0
            _add(errors, f"{prefix}.quantity", _("The quantity must be a whole number."))
        else:
            if quantity < 1:
                _add(errors, f"{prefix}.quantity", _("The quantity must be at least 1."))
            elif quantity > MAX_PART_QUANTITY:
                _add(
                    errors,
                    f"{prefix}.quantity",
                    _("The quantity is at most %(max)s.") % {"max": MAX_PART_QUANTITY},
                )
                quantity = 0
        clean.append({"line_no": i, "part_code": code, "part_name": name, "quantity": quantity})
    return errors, clean


def _validated(
    model: type, values: dict[str, Any], prefix: str, errors: Errors, exclude: tuple[str, ...] = ()
) -> Any:
    instance = model(**values)
    try:
        instance.full_clean(exclude=["owner", *exclude], validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                _add(errors, f"{prefix}.{name}", message)
    return instance


def _check_vehicle_dates(values: dict[str, Any], errors: Errors) -> None:
    bought = values.get("purchase_date")
    if isinstance(bought, str) and bought:
        try:
            bought = dt.date.fromisoformat(bought)
            values["purchase_date"] = bought
        except ValueError:
            _add(errors, "vehicle.purchase_date", _("Enter a date as YYYY-MM-DD."))
            return
    if isinstance(bought, dt.date):
        if bought > timezone.now().astimezone(_tz()).date():
            _add(errors, "vehicle.purchase_date", _("The purchase date cannot be in the future."))
        elif bought < dt.date(1980, 1, 1):
            _add(errors, "vehicle.purchase_date", _("The purchase date is before 1980."))


def _tz():

    return zoneinfo.ZoneInfo(tenant_time_zone())


# The number in the events written with it (known only at the end): the created event's
# ``number`` and the earlier work order's repeated event's ``by`` are set in SQL.
NUMBER_TO_COME = ""

_NUMBERED_DATA = (
    "CASE x.kind "
    f"WHEN '{EventKind.CREATED}' THEN jsonb_set(x.data, '{{number}}', to_jsonb(numbered.number)) "
    f"WHEN '{EventKind.REPEATED}' THEN jsonb_set(x.data, '{{by}}', to_jsonb(numbered.number)) "
    "ELSE x.data END"
)

# Constants only; every value is a parameter.
_NUMBER_AND_EVENTS = f"""
WITH serial AS (
    INSERT INTO hotline_dailysequence (day, last) VALUES (%s, 1)
    ON CONFLICT (day) DO UPDATE SET last = hotline_dailysequence.last + 1 RETURNING last
), numbered AS (
    UPDATE hotline_workorder
    SET number = %s || lpad(serial.last::text, greatest(5, length(serial.last::text)), '0')
    FROM serial WHERE hotline_workorder.id = %s RETURNING hotline_workorder.number
), logged AS ({events_insert_sql(data=_NUMBERED_DATA, joined="numbered")})
SELECT number FROM numbered
"""  # noqa: S608


def _numbered(manufacturer: Manufacturer, work_order_id: int, at: dt.datetime, events: list[EventRow]) -> str:
    """Number the work order ``<prefix><yyyymmdd>-<serial>``, the serial counting per local day,
    and write ``events`` with the number where it belongs, in one statement.

    The day's serial row stays locked until the commit and every creation of the hotline waits
    for it: it is taken by the creation's last statement, sent with its ``COMMIT``."""
    day = at.astimezone(_tz()).date()
    return fetch_last(
        _NUMBER_AND_EVENTS,
        [day, f"{manufacturer.work_order_prefix}{day:%Y%m%d}-", work_order_id, events_json(events)],
    )[0]


def _update(record: Owner | Vehicle, values: dict[str, Any]) -> None:
    """Give a known owner or vehicle the intake's ``values``, writing only the fields that differ:
    nothing at all when the same owner and car are reported again."""
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, values[name])
    if changed:
        record.save(update_fields=changed)


def owner_draft_values(owner: Owner) -> dict[str, Any]:
    """The owner's fields as the intake gave them (what updates a known owner: blank values and
    an unknown gender are no news, and leave what is recorded as it is)."""
    values = {name: getattr(owner, name) for name in OWNER_FIELDS}
    if values["gender"] == Gender.UNKNOWN:
        values["gender"] = ""
    return values


def intake_errors(intake: Intake) -> Errors:
    """Every error of an intake at once, keyed by field (``owner.mobile``, ``part_lines[2].quantity``),
    without saving anything: what ``work_order_create`` would refuse. A form shows them all in
    one pass, with its own, rather than one round at a time."""
    return _intake_checked(intake).errors


@dataclass
class _Checked:
    """An intake's values as checked, ready to save."""

    errors: Errors
    owner: Owner
    vehicle: dict[str, Any] | None
    lines: list[dict]
    received_at: dt.datetime
    complainant: dict[str, str]
    location: dict[str, Any]


def _intake_checked(intake: Intake) -> _Checked:
    errors: Errors = {}
    _check_choice(errors, "type", intake.type, WorkOrderType)
    _check_choice(errors, "category", intake.category, Category)
    _check_choice(errors, "severity", intake.severity, Severity)
    _check_choice(errors, "channel", intake.channel, Channel)
    if not (intake.complaint or "").strip():
        _add(errors, "complaint", _("Describe the owner's complaint."))
    owner_values = {k: (intake.owner.get(k) or "") for k in OWNER_FIELDS if k in intake.owner}
    owner_values.setdefault("gender", "unknown")
    owner_draft = _validated(Owner, owner_values, "owner", errors)
    vehicle_values: dict[str, Any] | None = None
    if intake.vehicle:
        vehicle_values = {k: intake.vehicle.get(k) for k in VEHICLE_FIELDS if k in intake.vehicle}
        vehicle_values["vin"] = str(vehicle_values.get("vin") or "").strip().upper()
        vehicle_values["plate"] = str(vehicle_values.get("plate") or "").strip().upper()
        if vehicle_values.get("mileage_km") in ("", None):
            vehicle_values["mileage_km"] = None
        _check_vehicle_dates(vehicle_values, errors)
        if "vehicle.purchase_date" not in errors:
            _validated(Vehicle, vehicle_values, "vehicle", errors)
    elif intake.type == WorkOrderType.PARTS_SHORTAGE:
        _add(errors, "vehicle", _("A parts-shortage work order needs the vehicle."))
    is_parts = intake.type == WorkOrderType.PARTS_SHORTAGE
    if intake.part_lines and not is_parts:
        _add(errors, "part_lines", _("Only parts-shortage work orders carry part lines."))
    line_errors, lines = check_part_lines(intake.part_lines, required=is_parts)
    errors.update(line_errors)
    received_at = intake.received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        _add(errors, "received_at", _("The time received cannot be in the future."))
    elif received_at < EARLIEST:
        _add(errors, "received_at", _("Give a time between 2000 and 2099."))
    complainant = _check_record(intake, received_at, errors)
    location = _check_location(intake, errors)
    return _Checked(errors, owner_draft, vehicle_values, lines, received_at, complainant, location)


def _check_record(intake: Intake, received_at: dt.datetime, errors: Errors) -> dict[str, str]:
    """The complainant (name and phone together, when not the owner), when it happened (before
    the call), and the record's texts within their lengths; the complainant as saved."""
    complainant = {k: str((intake.complainant or {}).get(k) or "").strip() for k in COMPLAINANT_FIELDS}
    if any(complainant.values()):
        if not complainant["name"]:
            _add(
                errors, "complainant.name", _("Name the person complaining (or leave the complainant empty).")
            )
        elif len(complainant["name"]) > 60:
            _add(errors, "complainant.name", _("At most %(n)s characters.") % {"n": 60})
        if not complainant["phone"]:
            _add(errors, "complainant.phone", _("Give the complainant's phone number."))
        else:
            try:
                validate_phone(complainant["phone"])
            except ValidationError as exc:
                _add(errors, "complainant.phone", exc.messages[0])
        if len(complainant["relation"]) > 30:
            _add(errors, "complainant.relation", _("At most %(n)s characters.") % {"n": 30})
    for name, limit in RECORD_LIMITS.items():
        if len(str(getattr(intake, name) or "")) > limit:
            _add(errors, name, _("At most %(n)s characters.") % {"n": limit})
    if intake.incident_at is not None:
        if intake.incident_at > received_at + dt.timedelta(minutes=5):
            _add(errors, "incident_at", _("It cannot have happened after the complaint was received."))
        elif intake.incident_at < EARLIEST:
            _add(errors, "incident_at", _("Give a time between 2000 and 2099."))
    return complainant


def location_checked(raw: Mapping[str, Any] | None, errors: Errors) -> dict[str, Any]:
    """Where the car stands, cleaned: province, city, district and address required, coordinates
    both or neither (latitude −90..90, longitude −180..180), drivable yes or no. Errors are keyed
    ``location.<field>``."""
    raw = dict(raw or {})
    clean: dict[str, Any] = {}
    for name, limit in LOCATION_LIMITS.items():
        value = str(raw.get(name) or "").strip()
        if not value:
            _add(errors, f"location.{name}", _("Required for a roadside rescue."))
        elif len(value) > limit:
            _add(errors, f"location.{name}", _("At most %(n)s characters.") % {"n": limit})
        clean[name] = value
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = raw.get(name)
        clean[name] = None
        if value not in ("", None):
            clean[name], problem = coordinate_checked(value, low, high)
            if problem:
                _add(errors, f"location.{name}", problem)
    given = [name for name in ("latitude", "longitude") if raw.get(name) not in ("", None)]
    if len(given) == 1:
        other = "longitude" if given[0] == "latitude" else "latitude"
        _add(errors, f"location.{other}", _("Give both coordinates, or neither."))
    drivable = raw.get("drivable")
    if isinstance(drivable, str):
        drivable = {"yes": True, "true": True, "no": False, "false": False}.get(drivable.strip().lower())
    if not isinstance(drivable, bool):
        _add(errors, "location.drivable", _("Say whether the car can be driven (yes or no)."))
    clean["drivable"] = drivable if isinstance(drivable, bool) else None
    return clean


def _check_location(intake: Intake, errors: Errors) -> dict[str, Any]:
    """Where the car stands, as saved (rescue only; refused for any other type)."""
    if intake.type == WorkOrderType.RESCUE:
        return location_checked(intake.location, errors)
    if intake.location:
        _add(errors, "location", _("Only roadside-rescue work orders record where the car stands."))
    return {}


_OWNER = Rows(Owner)
_VEHICLE = Rows(Vehicle)


def work_order_create(*, manufacturer: Manufacturer, actor: Actor, intake: Intake) -> WorkOrder:
    """Record a work order, route it to a dealer and start its clocks.

    Owner and vehicle are found again by mobile number and VIN, and updated.
    A work order for the same VIN or mobile within the policy's repeat window
    is linked to the earlier one and counted as a repeat. Nothing is saved
    unless everything is valid. The work order returned carries its owner,
    vehicle and earlier complaint, and ``part_lines_written`` (the lines as
    stored: line_no, part_code, part_name, quantity).
    """
    require(actor, "work_order.create")
    checked = _intake_checked(intake)
    if checked.errors:
        raise ValidationError(checked.errors)
    owner_draft, vehicle_values, lines, received_at = (
        checked.owner,
        checked.vehicle,
        checked.lines,
        checked.received_at,
    )
    is_rescue = intake.type == WorkOrderType.RESCUE
    location = checked.location

    with transaction.atomic():
        # Two agents recording the same new owner or vehicle at once make one record, not two.
        # One statement, row by row in the array's order: the owner's first, as every creation does.
        # Each lock is the hotline's own (its schema is half of the key): another manufacturer's
        # hotline recording the same mobile at the same moment neither waits nor learns of it.
        keys = [f"owner:{owner_draft.mobile}"] + (
            [f"vehicle:{vehicle_values['vin']}"] if vehicle_values else []
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext(k))"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n",
                [keys],
            )
        # The oldest owner with the number. "id + 0": ordered by the key itself, the planner may walk
        # the whole primary key looking for a number not yet known (a table without statistics).
        # Each found and locked, or else written, in one statement.
        owner, made = _OWNER.one_or_insert(
            "t.mobile = %s ORDER BY t.id + 0", [owner_draft.mobile], owner_draft
        )
        if not made:
            _update(owner, {name: value for name, value in owner_draft_values(owner_draft).items() if value})
        vehicle = None
        if vehicle_values:
            given = {name: value for name, value in vehicle_values.items() if value not in (None, "")}
            vehicle, made = _VEHICLE.one_or_insert(
                "t.vin = %s", [vehicle_values["vin"]], Vehicle(owner=owner, **given)
            )
            if not made:
                _update(vehicle, {"owner_id": owner.pk, **given})
                vehicle.owner = owner  # held in memory: reading it again costs no query
        if intake.dealer_id is not None:
            place, reason = network_place(manufacturer, intake.dealer_id, intake.dealer_place), "chosen"
        elif is_rescue:
            # Routed by where the car stands, never by the owner's usual dealer.
            suggestions = rescue_dealers_suggest(manufacturer, location=location, limit=1)
            if not suggestions:
                raise ValidationError(
                    {
                        "dealer": [
                            _("No active dealer offering 24-hour rescue near %(place)s; please choose one.")
                            % {"place": " ".join(filter(None, [location["city"], location["district"]]))}
                        ]
                    }
                )
            place, reason = suggestions[0].place, f"rescue_{suggestions[0].reason}"
        else:
            place, reason = dealer_suggest(manufacturer, vehicle=vehicle, city=owner.city)
            if place is None:
                raise ValidationError(
                    {
                        "dealer": [
                            _(
                                "No dealer could be suggested (no servicing or selling dealer, none active "
                                "in %(city)s); please choose one."
                            )
                            % {"city": owner.city or "—"}
                        ]
                    }
                )
        now = timezone.now()
        policy, repeat_of, days = _policy_and_earlier_complaint(owner, vehicle, received_at)
        work_order = WorkOrder(
            number=f"~{uuid.uuid4().hex[:23]}",
            type=intake.type,
            category=intake.category,
            severity=intake.severity,
            channel=intake.channel,
            owner=owner,
            vehicle=vehicle,
            complaint=intake.complaint.strip(),
            owner_demand=(intake.owner_demand or "").strip(),
            received_at=received_at,
            dealer_id=place.dealer_id,
            network_membership_id=place.pk,
            dealer_code=place.dealer_code,
            dealer_name=place.dealer.name,
            region_id=place.region_id,
            dispatched_at=now,
            created_by_id=actor.user_id or 0,
            repeat_of=repeat_of,
            **{f"complainant_{name}": value for name, value in checked.complainant.items()},
            incident_at=intake.incident_at,
            **{name: str(getattr(intake, name) or "").strip() for name in RECORD_LIMITS},
            **{f"location_{name}": location.get(name, "") for name in LOCATION_LIMITS},
            location_latitude=location.get("latitude"),
            location_longitude=location.get("longitude"),
            drivable=location.get("drivable"),
        )
        insert(work_order)
        insert_all([PartLine(work_order=work_order, **line) for line in lines])
        later: list[EventRow] = [
            event_row(
                work_order,
                EventKind.DISPATCHED,
                actor,
                now,
                dealer_id=place.dealer_id,
                dealer_code=place.dealer_code,
                dealer_name=place.dealer.name,
                routing=reason,
                **major_flag(work_order),
            )
        ]
        servicing = vehicle.servicing_dealer_id if vehicle is not None else None
        if is_rescue and servicing and servicing != place.dealer_id:
            later.extend(_servicing_dealer_inform(manufacturer, work_order, servicing, actor, now))
        clocks_start(work_order, DISPATCH_KINDS, at=now, actor=actor, events=later, policy=policy, days=days)
        created = event_row(
            work_order,
            EventKind.CREATED,
            actor,
            now,
            number=NUMBER_TO_COME,
            type=work_order.type,
            severity=work_order.severity,
            category=work_order.category,
            part_lines=lines,
            repeat_of=repeat_of.number if repeat_of else None,
        )
        if repeat_of is not None:
            later.append(event_row(repeat_of, EventKind.REPEATED, actor, now, by=NUMBER_TO_COME))
        work_order.number = _numbered(manufacturer, work_order.pk, received_at, [created, *later])
    work_order.part_lines_written = lines
    return work_order


def _servicing_dealer_inform(
    manufacturer: Manufacturer, work_order: WorkOrder, servicing_id: int, actor: Actor, at: dt.datetime
) -> list[EventRow]:
    """The owner's usual dealer learns that its customer's car is being rescued by another: an
    event addressed to it (its people are told after commit, like any event), while the work
    order stays with the rescuing dealer. A servicing dealer no longer active is not told."""
    if not NetworkMembership.objects.filter(
        manufacturer=manufacturer, dealer_id=servicing_id, is_active=True
    ).exists():
        return []
    return [
        event_row(
            work_order.pk,
            EventKind.SERVICING_DEALER_INFORMED,
            actor,
            at,
            _dealer_id=servicing_id,
            rescuing_dealer_code=work_order.dealer_code,
            rescuing_dealer_name=work_order.dealer_name,
            city=work_order.location_city,
            district=work_order.location_district,
        )
    ]


# The newest work order of the same owner or vehicle (mobile, VIN: indexed keys) received within
# the policy's repeat window (days of 24 hours) before this one, not cancelled: its id, number
# and dealer; and the official calendar's corrections. Read with the policy, as ``t``.
_EARLIER_AND_DAYS = (
    ", (SELECT json_build_array(id, number, dealer_id) FROM hotline_workorder"  # noqa: S608 (constants only)
    " WHERE (owner_id = %s OR vehicle_id = %s) AND state <> %s AND received_at BETWEEN"
    " %s::timestamptz - make_interval(secs => t.repeat_window_days * 86400) AND %s::timestamptz"
    f" ORDER BY received_at DESC LIMIT 1), {CALENDAR_DAYS_COLUMNS}"
)


def _policy_and_earlier_complaint(
    owner: Owner, vehicle: Vehicle | None, received_at: dt.datetime
) -> tuple[SlaPolicy, WorkOrder | None, CalendarDays]:
    """The current policy, the earlier complaint within its repeat window (or None) and the
    official calendar's corrections, in one statement."""
    params = [owner.pk, vehicle.pk if vehicle else None, State.CANCELLED, received_at, received_at]
    policy, (earlier, *days) = policy_current_with(_EARLIER_AND_DAYS, params)
    days = CalendarDays(*days)
    if earlier is None:
        return policy, None, days
    return policy, WorkOrder.from_db(connection.alias, ["id", "number", "dealer_id"], earlier), days


def work_order_lock(work_order_id: int, dealer_id: int | None = None) -> WorkOrder:
    """The work order, locked for the rest of the transaction.

    With ``dealer_id`` (a dealer acting through the gateway), a work order routed
    elsewhere meanwhile (a transfer committed between the gateway's check and
    this lock) is ``Http404``, as if it did not exist.
    """
    work_order = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if dealer_id is not None and work_order.dealer_id != dealer_id:
        raise Http404
    return work_order


def request_decision(model: type, request_id: int, actor: Actor, reason: str) -> tuple:
    """A pending request about a work order (transfer, extension, upgrade) and its work order,
    both locked, the request marked as decided by ``actor`` now. The work order is locked first,
    as every other write locks it (the API locks it before anything), so two deciders never
    wait on each other."""
    work_order_id = model.objects.filter(pk=request_id).values_list("work_order_id", flat=True).get()
    work_order = work_order_lock(work_order_id)
    request = model.objects.select_for_update().get(pk=request_id)
    if request.state != DecisionState.PENDING:
        raise ValidationError({"request": [_("This request was already decided.")]})
    now = timezone.now()
    request.decided_by_id, request.decided_at = actor.user_id, now
    request.decision_reason = (reason or "").strip()
    return request, work_order, now


def requests_withdraw(work_order: WorkOrder, at: dt.datetime, reason: str, *, transfers: bool = True) -> int:
    """The dealer's requests still awaiting a decision that the work order's moving on made moot
    (it ended, or went to another dealer): withdrawn with ``reason``, out of the supervisors'
    queue. ``transfers=False`` leaves transfer requests (the one being approved is decided by
    its caller). Returns how many."""
    kinds = (ExtensionRequest, UpgradeRequest, *((TransferRequest,) if transfers else ()))
    return sum(
        model.objects.filter(work_order=work_order, state=DecisionState.PENDING).update(
            state=DecisionState.WITHDRAWN, decided_at=at, decision_reason=reason
        )
        for model in kinds
    )


def work_order_lock_by_number(number: str) -> WorkOrder:
    """The work order of that number, locked for the rest of the transaction (``DoesNotExist``: 404)."""
    return WorkOrder.objects.select_for_update().get(number=number)


def work_order_save(work_order: WorkOrder, *fields: str) -> None:
    """Save the given fields with the state, one version later (what ``If-Match`` compares)."""
    work_order.version += 1
    work_order.save(update_fields=[*fields, "version", "state"])


def work_order_end(
    *,
    work_order_id: int,
    actor: Actor,
    action: str,
    event_kind: str,
    reason: str,
    missing_reason: str,
    **event_data: Any,
) -> WorkOrder:
    """End a work order for good (cancel, close without callback): reason kept, clocks stopped."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [missing_reason]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        before, after = transition(work_order, action)
        now = timezone.now()
        work_order.closed_at = now
        work_order.closure_reason = reason.strip()
        work_order_save(work_order, "closed_at", "closure_reason")
        event_append(
            work_order,
            event_kind,
            actor,
            now,
            state_before=before,
            state_after=after,
            reason=work_order.closure_reason,
            **event_data,
        )
        clocks_stop(work_order, None, at=now, actor=actor, reason=action)
        requests_withdraw(work_order, now, _("The work order ended before a decision."))
    return work_order


def work_order_cancel(*, work_order_id: int, actor: Actor, reason: str) -> WorkOrder:
    """Hotline supervisors: withdraw a work order (e.g. recorded twice); its clocks stop."""
    require(actor, "work_order.cancel")
    return work_order_end(
        work_order_id=work_order_id,
        actor=actor,
        action="cancel",
        event_kind=EventKind.CANCELLED,
        reason=reason,
        missing_reason=_("Say why the work order is cancelled."),
    )


def work_order_reopen(*, work_order_id: int, actor: Actor, reason: str) -> WorkOrder:
    """Back to the same dealer with fresh clocks and one more on the reopen count."""
    require(actor, "work_order.reopen")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the work order is reopened.")]})
    with transaction.atomic():
        work_order = work_order_lock(work_order_id)
        return _reopen(work_order, actor=actor, reason=reason.strip(), at=timezone.now())


def _reopen(work_order: WorkOrder, *, actor: Actor, reason: str, at: dt.datetime) -> WorkOrder:
    before, after = transition(work_order, "reopen")
    work_order.reopen_count += 1
    work_order.first_contact_at = work_order.resolved_at = work_order.closed_at = None
    work_order.closed_unverified = False
    work_order.dispatched_at = at
    work_order_save(
        work_order,
        "reopen_count",
        "first_contact_at",
        "resolved_at",
        "closed_at",
        "closed_unverified",
        "dispatched_at",
    )
    event_append(
        work_order,
        EventKind.REOPENED,
        actor,
        at,
        state_before=before,
        state_after=after,
        reason=reason,
        reopen_count=work_order.reopen_count,
        **major_flag(work_order),
    )
    clocks_stop(work_order, None, at=at, actor=actor, reason="reopened")
    clocks_start(work_order, DISPATCH_KINDS, at=at, actor=actor)
    return work_order


def work_order_state_changed(work_order: WorkOrder, *, at: dt.datetime, actor: Actor) -> None:
    """After any state change: pause or resume the clocks whose policy says so; the
    owner-update clock runs exactly while parts are awaited."""
    clocks_follow_state(work_order, at=at, actor=actor)
    owner_update_follow_state(work_order, at=at, actor=actor)


__all__ = [
    "OPEN_STATES",
    "ClockKind",
    "Intake",
    "check_part_lines",
    "work_order_cancel",
    "work_order_create",
    "work_order_lock",
    "work_order_reopen",
]
