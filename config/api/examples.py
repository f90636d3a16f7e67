"""An example for every request and response body of the schema, built from one table of sample values.

Each body's example is put together from its schema: an object from its
properties, a list from one item, a reference from the referenced component's
own example, so a work order reads the same in every operation that returns
it, and what a create sends comes back in its answer. The values are those of
``VALUES``, looked up as ``Component.field`` (the component's name without
drf-spectacular's ``Request`` suffix) and then as ``field``: one owner, one
car, one work order throughout. An enum takes its first value unless the table
names another. A text field the table does not know is an error, not an
invented word: every example is one a person would recognise.

The examples go into ``components.examples`` (one per component) and each
operation refers to them; the contract tests check each against its schema
with additional properties forbidden (``tests/api/test_examples.py``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .problems import problem

RECEIVED = "2026-11-24T09:30:00+08:00"


class _Omit:
    """An optional input the example leaves out (it does not fit the story)."""

    def __deepcopy__(self, memo: dict) -> _Omit:
        return self


OMIT = _Omit()

# Sample values, by ``Component.field`` first and then by ``field``.
NUMBER = "HQ20261124-00042"
COMPLAINT = "车辆行驶中刹车异响，服务站称前制动片缺货，已等待两周。"
REASON = "车主来电称异响仍在，要求再次检查。"
VALUES: dict[str, Any] = {
    # Its course: received on the 24th, answered within the hour, parts in on the 28th, resolved the 30th.
    "received_at": RECEIVED,
    "incident_at": "2026-11-22T18:40:00+08:00",
    "dispatched_at": "2026-11-24T09:32:00+08:00",
    "first_contact_at": "2026-11-24T10:05:00+08:00",
    "resolved_at": "2026-11-30T16:20:00+08:00",
    "concluded_at": "2026-11-30T16:20:00+08:00",
    "closed_at": None,
    "WorkOrderOut.closed_unverified": False,
    "closed_unverified": 2,
    "reviewed_at": None,
    "review_opinion": "",
    "satisfaction": None,
    "reopen_count": 0,
    "version": 7,
    "type": "parts_shortage",
    "category": "parts_shortage",
    "state": "resolved",
    "stock_check": "parts_centre",
    "StockCheckIn.result": "parts_centre",
    "WorkOrderOut.location": None,
    "DealerWorkOrderOut.location": None,
    "WorkOrderIn.location": OMIT,
    "WorkOrderIn.received_at": OMIT,
    "remedy_types": ["apology", "waived_labour"],
    "apologised_by": "service_manager",
    "corrective_due": "2026-12-31",
    "assignee_id": 12,
    "head_id": 15,
    "author_id": 12,
    "on_behalf_of_id": OMIT,
    "department": "parts",
    "InboxRowOut.state": "processing",
    "InboxRowOut.overdue": False,
    "InboxOut.count": 1,
    "EventOut.id": 901,
    "EventOut.at": "2026-11-24T10:05:00+08:00",
    "ClockOut.kind": "first_contact",
    "ClockOut.state": "stopped",
    "ClockOut.due_at": "2026-11-24T11:32:00+08:00",
    "ClockOut.stopped_at": "2026-11-24T10:05:00+08:00",
    "NextDue.kind": "completion",
    "NextDue.due_at": "2026-12-08T09:32:00+08:00",
    "ContactIn.at": "2026-11-24T10:05:00+08:00",
    "ContactIn.solution_offered": False,
    "ArrivalIn.arrival_promised_at": "2026-11-24T10:20:00+08:00",
    "ExtensionIn.clock_kind": "completion",
    "ExtensionIn.minutes": 4320,
    "UpgradeDecisionIn.request": 3,
    # Parts: raised, acknowledged, shipped, delivered, received.
    "raised_at": "2026-11-24T11:10:00+08:00",
    "acknowledged_at": "2026-11-24T13:00:00+08:00",
    "shipped_at": "2026-11-26T15:30:00+08:00",
    "delivered_at": "2026-11-28T10:00:00+08:00",
    "PartsRequestOut.received_at": "2026-11-28T11:00:00+08:00",
    "PartsRequestDetailOut.received_at": "2026-11-28T11:00:00+08:00",
    "WorkOrderPartsRequestOut.received_at": "2026-11-28T11:00:00+08:00",
    "PartsRequestOut.state": "received",
    "PartsRequestDetailOut.state": "received",
    "WorkOrderPartsRequestOut.state": "received",
    "PartsRequestOut.version": 4,
    "PartsRequestDetailOut.version": 4,
    "WorkOrderPartsRequestOut.version": 4,
    "PartsLineOut.state": "received",
    "RequestLineOut.state": "received",
    "expected_date": None,
    "BackOrderIn.expected_date": "2026-11-30",
    "shipped_quantity": 1,
    "needs_parts_centre": True,
    # The car.
    "mileage_km": 23500,
    "purchase_date": "2024-08-15",
    # Technical support: asked on the 26th, answered the same day.
    "TechSupportOut.state": "answered",
    "TechSupportOut.raised_at": "2026-11-26T09:00:00+08:00",
    "TechSupportOut.answered_at": "2026-11-26T14:30:00+08:00",
    "TechSupportOut.closed_at": None,
    # Callbacks: the owner reached on 1 December, satisfied.
    "score": 9,
    "CallbackIn.answers": {"q1": 9, "q2": True, "q3": "detailed"},
    "DealerCallbackIn.answers": {"q1": 9, "q2": True, "q3": "detailed"},
    "solved": True,
    "next_attempt_at": OMIT,
    "CallbackOut.next_attempt_at": None,
    "CallbackOut.at": "2026-12-01T10:15:00+08:00",
    "CallbackOut.questionnaire": 3,
    "DealerCallbackIn.at": "2026-12-01T10:15:00+08:00",
    "reminder_given": True,
    "FailedCallback.attempts": 3,
    "FailedCallback.last_at": "2026-12-01T19:40:00+08:00",
    # Notes and calls.
    "HotlineNoteOut.id": 51,
    "HotlineNoteOut.at": "2026-11-24T09:40:00+08:00",
    "NoteOut.at": "2026-11-24T10:07:00+08:00",
    "OwnerCallIn.call": OMIT,
    "OwnerCallIn.at": "2026-11-27T14:02:00+08:00",
    "OwnerCallOut.at": "2026-11-27T14:02:00+08:00",
    "OwnerCallOut.id": 18,
    "CallEventOut.agents": 2,
    # Webhooks.
    "EndpointOut.id": 7,
    "EndpointCreatedOut.id": 7,
    "created_at": "2026-11-01T10:00:00+08:00",
    "DeliveryOut.id": 3117,
    "DeliveryOut.event_id": 90211,
    "DeliveryOut.last_status_code": 200,
    "DeliveryOut.delivered_at": "2026-11-24T09:32:01+08:00",
    "DeliveryOut.next_attempt_at": None,
    "DeliveryOut.created_at": "2026-11-24T09:32:00+08:00",
    # One work order: a parts shortage, owner 王建华, routed to 广州骏达 (HQ-GD-001).
    "number": NUMBER,
    "PartsRequestOut.work_order": NUMBER,
    "PartsRequestDetailOut.work_order": NUMBER,
    "WorkOrderPartsRequestOut.work_order": NUMBER,
    "manufacturer": "HQ",
    "complaint": COMPLAINT,
    "owner_demand": "尽快到货并更换，减免工时费。",
    "preferred_contact_time": "工作日 18:00 以后",
    "sales_contract_number": "HT-2024-GZ-0815",
    "sales_consultant": "陈晓燕",
    "result_summary": "前制动片已到货并更换，车主试车确认异响消除。",
    "repeat_of": None,
    "WorkOrderIn.dealer": "HQ-GD-001",
    "dealer_code": "HQ-GD-001",
    "dealer_name": "广州骏达汽车服务有限公司",
    "WorkOrderDealer.code": "HQ-GD-001",
    "WorkOrderDealer.name": "广州骏达汽车服务有限公司",
    "PartsRequestDealer.code": "HQ-GD-001",
    "PartsRequestDealer.name": "广州骏达汽车服务有限公司",
    "suggested_dealer": "HQ-GD-002",
    # The owner and the car.
    "OwnerIn.name": "王建华",
    "OwnerOut.name": "王建华",
    "DealerOwnerOut.name": "王建华",
    "owner_name": "王建华",
    "mobile": "13802561234",
    "landline": "020-38881234",
    "email": "wang.jianhua@example.cn",
    "province": "广东",
    "city": "广州",
    "district": "天河区",
    "address": "天河路 385 号太古汇 2 座",
    "postcode": "510620",
    "vin": "LHKS5A2B4RG100231",
    "plate": "粤A12345",
    "model": "华骐 S5",
    "ComplainantIn.name": "王丽",
    "ComplainantOut.name": "王丽",
    "ComplainantIn.phone": "13922876543",
    "ComplainantOut.phone": "13922876543",
    "relation": "家属",
    # Where a car waits for rescue (GCJ-02).
    "LocationIn.address": "广州大道中 1200 号附近",
    "LocationOut.address": "广州大道中 1200 号附近",
    "latitude": "23.137000",
    "longitude": "113.329000",
    # Parts: the lines, the centre, the parcel.
    "part_code": "04465-33450",
    "part_name": "前制动片",
    "PartsCentreOut.code": "PC-GZ",
    "PartsCentreOut.name": "华骐华南配件分中心",
    "PartsRequestOut.number": NUMBER + "-P1",
    "PartsRequestDetailOut.number": NUMBER + "-P1",
    "WorkOrderPartsRequestOut.number": NUMBER + "-P1",
    "note": "车主急用，请优先发货。",
    "carrier": "顺丰",
    "tracking_number": "SF1234567890",
    "reject_reason": "",
    "RejectIn.reason": "该零件已停产，请改订替代件 04465-33471。",
    # The dealer's work.
    "whom": "车主 王建华",
    "agreed": "周六上午 10 点到店检查制动系统。",
    "text": "已联系车主，约定周六到店。",
    "ProgressReportIn.text": "配件已到店，今天下午更换。",
    "NoteIn.text": "车主希望由原服务顾问接待。",
    "DepartmentAnswerIn.result": "配件部已向配件中心加急订货，预计 11 月 30 日到货。",
    "reason": REASON,
    "ExtensionIn.reason": "配件中心缺货，预计 11 月 30 日到货，需延长处理时限。",
    "TransferIn.reason": "车主已搬到深圳，希望就近处理。",
    "UpgradeIn.reason": "车主表示将向媒体投诉，申请升级为重大投诉。",
    "UpgradeDecisionIn.reason": "车主已联系媒体，同意按重大投诉处理。",
    "ReclassifyIn.reason": "车主第三次投诉同一问题，升级为重大投诉。",
    "TechSupportCloseIn.reason": "服务站已按方案处理，问题解决。",
    "WithdrawIn.reason": "车主反映异响仍在，撤回处理结果。",
    "NoteOnlyIn.note": "已向车主说明处理进度。",
    "ArrivalIn.note": "救援车已出发，预计 40 分钟到达。",
    "CallbackIn.note": "车主对处理结果满意。",
    "DealerCallbackIn.note": "车主对处理结果满意。",
    "StockCheckIn.note": "本店无库存，需向配件中心订货。",
    # Files on the work order and the conversation between the hotline and the dealer.
    "AttachmentOut.name": "刹车片照片.jpg",
    "AttachmentOut.content_type": "image/jpeg",
    "AttachmentOut.size": 184320,
    "AttachmentOut.uploaded_by": "周杰",
    "AttachmentOut.download": f"/api/v1/work-orders/{NUMBER}/attachments/7/",
    "AttachmentOut.message": 31,
    "AttachmentUploadRequest.message": OMIT,
    "MentionOut.name": "黄丽",
    "MessageOut.author": "李娜",
    "MessageOut.dealer": "广州骏达汽车服务有限公司",
    "MessageOut.text": "@junda.crm 车主下午三点到店，请安排技师。",
    "MessageIn.text": "@junda.crm 车主下午三点到店，请安排技师。",
    "RepairIn.repair_order_number": "WX20261125-0031",
    "RepairIn.service_advisor": "周杰",
    "RepairIn.repair_team": "机电一组",
    "RepairIn.labour_description": "更换前制动片，检查制动盘。",
    "RepairOut.order_number": "WX20261125-0031",
    "RepairOut.service_advisor": "周杰",
    "RepairOut.team": "机电一组",
    "RepairOut.labour_description": "更换前制动片，检查制动盘。",
    # The conclusion.
    "invalid_reason": "",
    "corrective_action": "常用制动件纳入本店安全库存",
    "corrective_owner": "服务经理",
    "person_at_fault": "",
    "remedy_amount": "180.00",
    "ResolveIn.root_cause": "parts-supply-delay",
    "responsibility": "parts_supply",
    "opinion": "处理及时，结论属实。",
    "RootCauseOut.code": "parts-supply-delay",
    "RootCauseOut.name": "配件供应延迟",
    "RootCauseRowOut.code": "parts-supply-delay",
    "RootCauseRowOut.name_zh": "配件供应延迟",
    "RootCauseRowOut.name_en": "Parts supply delay",
    # Technical support (DISS).
    "TechSupportOut.number": NUMBER + "-T1",
    "diss_reference": "DISS-2026-118734",
    "question": "更换制动片后仍有异响，是否需要同时更换制动盘？",
    "answer": "请测量制动盘厚度，低于 26 mm 时一并更换。",
    "TechSupportAnswerIn.answer": "请测量制动盘厚度，低于 26 mm 时一并更换。",
    "raised_by": "周杰",
    "answered_by": "李娜",
    "close_reason": "",
    # Notes, calls and callbacks on the hotline.
    "HotlineNoteIn.text": "车主情绪激动，回访时注意安抚。",
    "HotlineNoteOut.text": "车主情绪激动，回访时注意安抚。",
    "author": "李娜",
    "author_name": "黄丽",
    "actor_name": "黄丽",
    "summary": "车主来电询问配件到货时间。",
    "OwnerCallOut.topic": "chasing",
    "CallbackAnswerOut.code": "q1",
    "CallbackAnswerOut.question": "您对本次处理结果是否满意？",
    "CallbackAnswerOut.dimension": "overall",
    "CallbackAnswerOut.kind": "score",
    "CallbackAnswerOut.value": 9,
    "EventOut.kind": "work_order.first_contact",
    # Telephony (the call-centre's switch).
    "callId": "c-20261124-093001-8812",
    "CallEventIn.from": "13802561234",
    "CallEventIn.to": "4008001234",
    "CallEventIn.user": ["hq.agent"],
    "CallEventIn.extension": ["8012"],
    "CallEventIn.cause": "",
    "caller": "13802561234",
    "CallEventOut.state": "ringing",
    "unmatched": [],
    # Webhooks.
    "url": "https://dms.gz-junda.example/hooks/complaint-desk",
    "description": "骏达 DMS 推送",
    "event_kinds": ["work_order.dispatched", "parts.line_shipped"],
    "secret": "whsec_5f1c0a9e7b2d4c68a1e3f7b9d2c4e6a8",
    "DeliveryOut.event_kind": "work_order.dispatched",
    "DeliveryOut.status": "delivered",
    "DeliveryOut.last_error": "",
    # Figures.
    # The KPI page of November (percentages as numbers, one dealer's row).
    "total": 128,
    "response_rate": 96.9,
    "completion_rate": 91.4,
    "overdue": 3,
    "repeat_rate": 3.1,
    "reopen_rate": 4.7,
    "KpiFigures.scored": 96,
    "KpiFigures.band_high": 81,
    "KpiFigures.band_mid": 11,
    "KpiFigures.band_low": 4,
    "KpiRow.total": 41,
    "KpiRow.overdue": 1,
    "KpiRow.scored": 30,
    "KpiRow.band_high": 26,
    "KpiRow.band_mid": 3,
    "KpiRow.band_low": 1,
    "work_orders": 128,
    "attempted": 112,
    "SatisfactionFigures.reached": 101,
    "success_rate": 90.2,
    "reached_callbacks": 104,
    "SatisfactionFigures.scored": 96,
    "SatisfactionFigures.band_high": 81,
    "SatisfactionFigures.band_mid": 11,
    "SatisfactionFigures.band_low": 4,
    "SatisfactionRow.work_orders": 41,
    "SatisfactionRow.attempted": 37,
    "SatisfactionRow.reached": 34,
    "SatisfactionRow.success_rate": 91.9,
    "SatisfactionRow.reached_callbacks": 35,
    "SatisfactionRow.scored": 30,
    "SatisfactionRow.band_high": 26,
    "SatisfactionRow.band_mid": 3,
    "SatisfactionRow.band_low": 1,
    "high_rate": 84.4,
    "mid_rate": 11.5,
    "low_rate": 4.1,
    "SatisfactionRow.high_rate": 86.7,
    "SatisfactionRow.mid_rate": 10.0,
    "SatisfactionRow.low_rate": 3.3,
    "SatisfactionFigures.failed": 11,
    "SatisfactionRow.failed": 3,
    "SatisfactionRow.closed_unverified": 1,
    "WeakItem.answers": 96,
    "WeakItem.index": 72.5,
    "KpiRow.key": "HQ-GD-001",
    "KpiRow.label": "广州骏达汽车服务有限公司",
    "SatisfactionRow.key": "HQ-GD-001",
    "SatisfactionRow.label": "广州骏达汽车服务有限公司",
    "WeakItem.code": "q3",  # the service questionnaire's third item
    "WeakItem.question": "服务顾问是否主动告知处理进度？",
    "WeakItem.dimension": "speed",
    "WeakItem.questionnaire": "service",
    "FailedCallback.last_outcome": "no_answer",
    "FailedCallback.last_party": "hotline",
    "FailedCallback.state": "resolved",
    # Paging: the last page.
    "next": None,
    "previous": None,
    "next_cursor": None,
    "previous_cursor": None,
    # Problem documents are the server's own (``problem``), see ``PROBLEM_CODES``.
}

# The problem type the server answers each status with (its commonest cause).
PROBLEM_CODES = {
    400: "validation",
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "throttled",
    500: "server-error",
    503: "unavailable",
}
# Path parameters as an example's ``instance`` names them.
PATH_VALUES = {"manufacturer": "HQ", "line_no": "1", "id": "7", "ticket": NUMBER + "-T1"}
EXAMPLES = "#/components/examples/"


class MissingExample(LookupError):
    """A field of the schema has no sample value in ``VALUES``."""


def _component_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _table_name(component: str) -> str:
    return component.removesuffix("Request") if component.endswith("InRequest") else component


class ExampleBuilder:
    """Builds (and remembers) the example of each component of one schema."""

    def __init__(self, components: dict[str, Any], values: dict[str, Any] | None = None) -> None:
        self.components = components
        self.values = VALUES if values is None else values
        self.built: dict[str, Any] = {}

    def of_component(self, name: str) -> Any:
        if name not in self.built:
            self.built[name] = self._build(self.components[name], owner=name, field="")
        return copy.deepcopy(self.built[name])

    def of_schema(self, schema: dict[str, Any], owner: str = "", field: str = "") -> Any:
        return self._build(schema, owner=owner, field=field)

    def _lookup(self, owner: str, field: str) -> tuple[bool, Any]:
        for key in (f"{_table_name(owner)}.{field}", field):
            if key in self.values:
                return True, copy.deepcopy(self.values[key])
        return False, None

    def _is_null(self, schema: dict[str, Any]) -> bool:
        if "$ref" in schema:
            schema = self.components[_component_name(schema["$ref"])]
        return schema.get("type") == "null" or schema.get("enum") == [None]

    def _build(self, schema: dict[str, Any], *, owner: str, field: str) -> Any:
        if field:
            found, value = self._lookup(owner, field)
            if found:
                return value
        if "$ref" in schema:
            name = _component_name(schema["$ref"])
            target = self.components[name]
            if "enum" in target and field:  # an enum takes the field's meaning, not the enum's
                return self._build(target, owner=owner, field=field)
            return self.of_component(name)
        for combinator in ("allOf", "oneOf", "anyOf"):
            if combinator in schema:
                choices = [c for c in schema[combinator] if not self._is_null(c)]
                return self._build(choices[0], owner=owner, field=field)
        if "enum" in schema:
            return next(value for value in schema["enum"] if value is not None)
        kind = schema.get("type", "object")
        if isinstance(kind, list):
            kind = next(k for k in kind if k != "null")
        if kind == "object":
            properties = schema.get("properties")
            if properties is None:
                return {}
            name = owner if not field else f"{owner}.{field}"
            built = {key: self._build(value, owner=name, field=key) for key, value in properties.items()}
            return {key: value for key, value in built.items() if value is not OMIT}
        if kind == "array":
            return [self._build(schema.get("items", {}), owner=owner, field=field)]
        if kind == "boolean":
            return True
        if kind in ("integer", "number"):
            return schema.get("minimum", 1)
        formats = {
            "date-time": RECEIVED,
            "date": RECEIVED[:10],
            "email": "wang.jianhua@example.cn",
            "binary": "(the file's bytes)",
        }
        if schema.get("format") in formats:
            return formats[schema["format"]]
        raise MissingExample(f"no sample value for {_table_name(owner)}.{field}")


def _instance(path: str) -> str:
    number = NUMBER + "-P1" if path.startswith("/api/v1/parts-centre/") else NUMBER
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m[1], number), path)


def _invalid_input(operation: dict[str, Any], builder: ExampleBuilder) -> dict[str, list[str]]:
    """What a 400 of this operation names: the first field its body requires, else none."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media["schema"].get("$ref")
        required = builder.components[_component_name(ref)].get("required", []) if ref else []
        if required:
            return {required[0]: ["This field is required."]}
    return {}


def _problem_example(status: int, path: str, operation: dict[str, Any], builder: ExampleBuilder) -> Any:
    errors = _invalid_input(operation, builder) if status == 400 else None
    detail = "Some fields are not valid." if status == 400 else ""
    value = problem(
        status, code=PROBLEM_CODES[status], detail=detail, errors=errors, instance=_instance(path)
    )
    return {"summary": value["title"], "value": value}


def _body_example(media: dict[str, Any], builder: ExampleBuilder, examples: dict[str, Any]) -> dict:
    """A reference to the example of the body's component (made once per component)."""
    schema = media["schema"]
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    if ref is None:
        return {"value": builder.of_schema(schema)}
    name = _component_name(ref) + ("" if "$ref" in schema else "List")
    if name not in examples:
        value = builder.of_schema(schema)
        examples[name] = {"summary": name, "value": value}
    return {"$ref": EXAMPLES + name}


def attach_examples(result: dict[str, Any]) -> None:
    """Every request body and every response body of ``result`` gets an example, unless it has one."""
    components = result.setdefault("components", {})
    builder = ExampleBuilder(components.get("schemas", {}))
    examples: dict[str, Any] = components.setdefault("examples", {})
    for path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            bodies = [(None, media) for media in operation.get("requestBody", {}).get("content", {}).values()]
            for status_code, response in operation["responses"].items():
                bodies += [(status_code, media) for media in response.get("content", {}).values()]
            for status_code, media in bodies:
                if "examples" in media or "example" in media:
                    continue
                if status_code is not None and not status_code.startswith("2"):
                    example = _problem_example(int(status_code), path, operation, builder)
                    media["examples"] = {f"problem{status_code}": example}
                else:
                    media["examples"] = {"example": _body_example(media, builder, examples)}
