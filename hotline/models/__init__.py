from .choices import (
    OPEN_STATES,
    Acceptance,
    CallbackOutcome,
    Category,
    Channel,
    ClockKind,
    ContactMethod,
    DecisionState,
    Severity,
    State,
    StockCheck,
    WorkOrderType,
)
from .clocks import CalendarOverride, Clock, ClockState, SlaPolicy, SlaWindow
from .followup import CallbackAttempt, ExtensionRequest, TransferRequest
from .owner import Gender, Owner, Vehicle, VehicleUse
from .relay import Outbox, RelayCounter, RelayedEvent
from .sms import OwnerSms, OwnerSmsKind, OwnerSmsReply, OwnerSmsTemplate
from .work_order import MAX_PART_LINES, DailySequence, PartLine, WorkOrder, WorkOrderEvent

__all__ = [
    "MAX_PART_LINES",
    "OPEN_STATES",
    "Acceptance",
    "CalendarOverride",
    "CallbackAttempt",
    "CallbackOutcome",
    "Category",
    "Channel",
    "Clock",
    "ClockKind",
    "ClockState",
    "ContactMethod",
    "DailySequence",
    "DecisionState",
    "ExtensionRequest",
    "Gender",
    "Outbox",
    "Owner",
    "OwnerSms",
    "OwnerSmsKind",
    "OwnerSmsReply",
    "OwnerSmsTemplate",
    "PartLine",
    "RelayCounter",
    "RelayedEvent",
    "Severity",
    "SlaPolicy",
    "SlaWindow",
    "State",
    "StockCheck",
    "TransferRequest",
    "Vehicle",
    "VehicleUse",
    "WorkOrder",
    "WorkOrderEvent",
    "WorkOrderType",
]
