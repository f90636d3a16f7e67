"""Demo data that looks like a real deployment. Loading it twice changes nothing.

Two manufacturers: 华骐汽车 with 8 dealers across 2 regions and 2 parts centres,
东岳汽车 with 2 dealers, one of them (广州骏达) in both networks; a user for every
role; owners and vehicles with valid VINs and plates in each hotline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from config.actor import Actor
from dealers.gateway import DealerGateway
from hotline.models import Owner, QuestionnairePurpose, Vehicle, WorkOrder
from hotline.services import decisions
from hotline.services.conclusions import conclusion_check, conclusion_review, conclusion_write
from hotline.services.questionnaires import questionnaire_current, questionnaire_publish
from hotline.services.work_orders import Intake, work_order_create
from hotline.vin import with_check_digit
from parts_tickets import services as parts
from parts_tickets.models import PartsRequest
from tenants.models import Manufacturer, NetworkMembership, PartsCentre, Region, Role, Tenant, User
from tenants.permissions import mfa_required
from tenants.selectors import portal_url
from tenants.services.provisioning import (
    DealerSpec,
    DirectoryIndex,
    dealer_provision,
    manufacturer_create,
    membership_grant,
    parts_centre_create,
    region_create,
    user_create,
)
from tenants.services.rescue import network_rescue_declare
from tenants.services.schemas import public_tenant_ensure

DEMO_PASSWORD = "Demo-2026-pass"  # noqa: S105 -- printed by the run command for the demo only
DEMO_DEVICE = "demo authenticator"


def demo_totp_key(username: str) -> str:
    """The demo authenticator's secret (hex) of a demo login: public, for the demo only."""
    return hashlib.sha1(f"complaint-desk-demo:{username}".encode()).hexdigest()  # noqa: S324


def demo_totp_secret(username: str) -> str:
    """The same secret as authenticator apps take it (base32)."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode()


MANUFACTURERS = [
    {"code": "HQ", "name": "华骐汽车", "name_en": "Huaqi Motors", "slug": "huaqi", "work_order_prefix": "HQ"},
    {
        "code": "DY",
        "name": "东岳汽车",
        "name_en": "Dongyue Auto",
        "slug": "dongyue",
        "work_order_prefix": "DY",
    },
]
# (manufacturer, code, name, city, regions it serves: (code, name))
PARTS_CENTRES = [
    ("HQ", "PC-GZ", "华骐华南配件分中心", "广州", [("SOUTH", "华南大区")]),
    ("HQ", "PC-SH", "华骐华东配件分中心", "上海", [("EAST", "华东大区")]),
    ("DY", "PC-WH", "东岳华中配件分中心", "武汉", [("CENTRAL", "华中大区"), ("SOUTH", "华南大区")]),
]
# (manufacturer, dealer code, slug, name, region, province, city)
DEALERS = [
    ("HQ", "HQ-GD-001", "gz-junda", "广州骏达汽车服务有限公司", "SOUTH", "广东", "广州"),
    ("HQ", "HQ-GD-002", "sz-pengcheng", "深圳鹏城华骐4S店", "SOUTH", "广东", "深圳"),
    ("HQ", "HQ-GD-003", "fs-chancheng", "佛山禅城华骐特约服务站", "SOUTH", "广东", "佛山"),
    ("HQ", "HQ-GD-004", "dg-dongcheng", "东莞东城华骐4S店", "SOUTH", "广东", "东莞"),
    ("HQ", "HQ-SH-001", "sh-pudong", "上海浦东华骐4S店", "EAST", "上海", "上海"),
    ("HQ", "HQ-ZJ-001", "hz-xihu", "杭州西湖华骐4S店", "EAST", "浙江", "杭州"),
    ("HQ", "HQ-JS-001", "nj-jiangning", "南京江宁华骐4S店", "EAST", "江苏", "南京"),
    ("HQ", "HQ-JS-002", "su-yuanqu", "苏州园区华骐4S店", "EAST", "江苏", "苏州"),
    ("DY", "DY-GD-008", "gz-junda", "广州骏达汽车服务有限公司", "SOUTH", "广东", "广州"),
    ("DY", "DY-HN-001", "cs-xingsha", "长沙星沙东岳4S店", "CENTRAL", "湖南", "长沙"),
]

# Dealers running a 24-hour roadside rescue: (manufacturer, dealer code) → district, latitude,
# longitude (GCJ-02, as a Chinese map gives them), duty phone.
RESCUE = {
    ("HQ", "HQ-GD-001"): ("天河区", "23.137000", "113.329000", "020-38881100"),
    ("HQ", "HQ-GD-002"): ("福田区", "22.543100", "114.057900", "0755-83330000"),
    ("HQ", "HQ-GD-004"): ("东城区", "23.021000", "113.777000", "0769-22330000"),
    ("HQ", "HQ-SH-001"): ("浦东新区", "31.221500", "121.544000", "021-58880000"),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    grants: tuple[tuple[str, str], ...]  # (tenant slug, role)
    parts_centre: str = ""  # parts-centre staff: the code of their centre (of the hotline's maker)


USERS = [
    DemoUser("ops", "平台运维 林晓", (("platform", Role.PLATFORM_OPERATOR),)),
    DemoUser("hq.agent", "李娜", (("huaqi", Role.HOTLINE_AGENT),)),
    DemoUser("hq.supervisor", "王强", (("huaqi", Role.HOTLINE_SUPERVISOR),)),
    DemoUser("hq.admin", "张伟", (("huaqi", Role.HOTLINE_ADMIN),)),
    DemoUser("dy.agent", "陈静", (("dongyue", Role.HOTLINE_AGENT),)),
    DemoUser("dy.supervisor", "刘洋", (("dongyue", Role.HOTLINE_SUPERVISOR),)),
    DemoUser("dy.admin", "杨帆", (("dongyue", Role.HOTLINE_ADMIN),)),
    # The 华南 parts centre's clerk: its requests on the parts-centre portal of 华骐's host.
    DemoUser("hq.pc-gz", "韩梅", (("huaqi", Role.PARTS_CENTRE_STAFF),), parts_centre="PC-GZ"),
    DemoUser("junda.crm", "黄丽", (("gz-junda", Role.DEALER_CRM_MANAGER),)),
    DemoUser("junda.sa", "周杰", (("gz-junda", Role.SERVICE_ADVISOR),)),
    DemoUser("junda.sm", "吴磊", (("gz-junda", Role.SERVICE_MANAGER),)),
    DemoUser("junda.parts", "郑敏", (("gz-junda", Role.PARTS_CLERK),)),
    DemoUser("junda.sd", "孙涛", (("gz-junda", Role.SERVICE_DIRECTOR),)),
    DemoUser("junda.callback", "钱芳", (("gz-junda", Role.CALLBACK_SPECIALIST),)),
    DemoUser("junda.desk", "冯雪", (("gz-junda", Role.RECEPTIONIST),)),
    # One person, two stores of the same dealer group.
    DemoUser(
        "zhao.gm", "赵建国", (("gz-junda", Role.GENERAL_MANAGER), ("fs-chancheng", Role.GENERAL_MANAGER))
    ),
    DemoUser("pengcheng.crm", "何芳", (("sz-pengcheng", Role.DEALER_CRM_MANAGER),)),
    DemoUser("pengcheng.sa", "马超", (("sz-pengcheng", Role.SERVICE_ADVISOR),)),
    DemoUser("chancheng.crm", "罗娟", (("fs-chancheng", Role.DEALER_CRM_MANAGER),)),
    DemoUser("dongcheng.crm", "梁伟", (("dg-dongcheng", Role.DEALER_CRM_MANAGER),)),
    DemoUser("pudong.crm", "徐静", (("sh-pudong", Role.DEALER_CRM_MANAGER),)),
    DemoUser("pudong.sa", "朱明", (("sh-pudong", Role.SERVICE_ADVISOR),)),
    DemoUser("xihu.crm", "胡敏", (("hz-xihu", Role.DEALER_CRM_MANAGER),)),
    DemoUser("jiangning.crm", "郭军", (("nj-jiangning", Role.DEALER_CRM_MANAGER),)),
    DemoUser("yuanqu.crm", "林琳", (("su-yuanqu", Role.DEALER_CRM_MANAGER),)),
    DemoUser("xingsha.crm", "邓华", (("cs-xingsha", Role.DEALER_CRM_MANAGER),)),
    DemoUser("xingsha.gm", "曹刚", (("cs-xingsha", Role.GENERAL_MANAGER),)),
]

# Owners and their vehicles, per manufacturer: (name, gender, mobile, province, city, address,
# model, VIN without its check digit (position 9 is "?"), plate, purchase date, km, use,
# selling dealer slug, servicing dealer slug)
OWNERS = {
    "HQ": [
        (
            "王建华",
            "male",
            "13802561234",
            "广东",
            "广州",
            "天河区体育西路 103 号",
            "华骐 S5",
            "LHKS5A2B?RG100231",
            "粤A3K8M2",
            dt.date(2024, 5, 18),
            28650,
            "private",
            "gz-junda",
            "gz-junda",
        ),
        (
            "陈美玲",
            "female",
            "13922876543",
            "广东",
            "深圳",
            "南山区科技园南路 18 号",
            "华骐 X5 PHEV",
            "LHKX5P4C?SH200517",
            "粤BD52731",
            dt.date(2025, 3, 2),
            11240,
            "private",
            "sz-pengcheng",
            "sz-pengcheng",
        ),
        (
            "李志强",
            "male",
            "13694215588",
            "广东",
            "佛山",
            "禅城区季华五路 22 号",
            "华骐 S7",
            "LHKS7A3D?PG300892",
            "粤E7Q216",
            dt.date(2023, 9, 9),
            61320,
            "commercial",
            "fs-chancheng",
            "gz-junda",
        ),
        (
            "黄晓燕",
            "female",
            "15013326677",
            "广东",
            "东莞",
            "东城区东纵大道 8 号",
            "华骐 M6 EV",
            "LHKM6E1F?SG400154",
            "粤SD80912",
            dt.date(2025, 7, 21),
            8420,
            "private",
            "dg-dongcheng",
            None,
        ),
        (
            "张国栋",
            "male",
            "13916628890",
            "上海",
            "上海",
            "浦东新区张杨路 500 号",
            "华骐 S5",
            "LHKS5A2B?RS500765",
            "沪A6F3Y8",
            dt.date(2024, 1, 12),
            35410,
            "private",
            "sh-pudong",
            "sh-pudong",
        ),
        (
            "刘雅婷",
            "female",
            "13758213344",
            "浙江",
            "杭州",
            "西湖区文三路 90 号",
            "华骐 X5 PHEV",
            "LHKX5P4C?SZ600308",
            "浙AD36128",
            dt.date(2025, 10, 30),
            4210,
            "private",
            "hz-xihu",
            "hz-xihu",
        ),
        (
            "周海涛",
            "male",
            "18951724455",
            "江苏",
            "南京",
            "江宁区双龙大道 1118 号",
            "华骐 S7",
            "LHKS7A3D?RJ700441",
            "苏A9H5K7",
            dt.date(2024, 8, 3),
            42980,
            "private",
            "nj-jiangning",
            None,
        ),
        (
            "吴静怡",
            "female",
            "18662359900",
            "江苏",
            "苏州",
            "工业园区星湖街 328 号",
            "华骐 M6 EV",
            "LHKM6E1F?SJ800226",
            "苏ED17395",
            dt.date(2025, 4, 16),
            15760,
            "private",
            "su-yuanqu",
            "su-yuanqu",
        ),
    ],
    "DY": [
        (
            "赵立新",
            "male",
            "13973128866",
            "湖南",
            "长沙",
            "长沙县星沙大道 66 号",
            "东岳 T3",
            "LDYT3B2A?SC100119",
            "湘A8L2N6",
            dt.date(2025, 2, 8),
            18900,
            "private",
            "cs-xingsha",
            "cs-xingsha",
        ),
        (
            "孙丽华",
            "female",
            "13570882211",
            "广东",
            "广州",
            "白云区机场路 1688 号",
            "东岳 V8 SUV",
            "LDYV8S5K?RG200634",
            "粤AF5829",
            dt.date(2024, 11, 25),
            30120,
            "private",
            "gz-junda",
            "gz-junda",
        ),
    ],
}


def demo_load(stdout=None) -> int:
    """Create whatever of the demo is missing; leave what exists as it is. Returns rows added."""

    added = []

    def say(message: str) -> None:
        added.append(message)
        if stdout:
            stdout.write(message)

    public_tenant_ensure()
    with transaction.atomic():
        for spec in MANUFACTURERS:
            if not Manufacturer.objects.filter(code=spec["code"]).exists():
                manufacturer_create(**spec)
                say(f"manufacturer {spec['code']} created")
        for m_code, code, name, city, regions in PARTS_CENTRES:
            manufacturer = Manufacturer.objects.get(code=m_code)
            centre = PartsCentre.objects.filter(manufacturer=manufacturer, code=code).first()
            if centre is None:
                centre = parts_centre_create(manufacturer=manufacturer, code=code, name=name, city=city)
                say(f"parts centre {code} created")
            for r_code, r_name in regions:
                if not Region.objects.filter(manufacturer=manufacturer, code=r_code).exists():
                    region_create(manufacturer=manufacturer, code=r_code, name=r_name, parts_centre=centre)
    index = DirectoryIndex()
    for m_code, code, slug, name, region, province, city in DEALERS:
        if (m_code, slug) not in index.joined:
            dealer_provision(DealerSpec(m_code, code, slug, name, region, province, city), index)
            say(f"dealer {slug} joined {m_code}")
    for (m_code, code), (district, latitude, longitude, phone) in RESCUE.items():
        place = NetworkMembership.objects.get(manufacturer__code=m_code, dealer_code=code)
        if not place.offers_rescue:
            network_rescue_declare(
                actor=Actor(
                    user_id=None, name="demo", tenant_id=place.dealer_id, role=Role.DEALER_CRM_MANAGER
                ),
                dealer=place.dealer,
                place_id=place.pk,
                offers_rescue=True,
                duty_phone=phone,
                district=district,
                latitude=latitude,
                longitude=longitude,
            )
            say(f"dealer {code} offers 24-hour rescue")
    with transaction.atomic():
        for demo_user in USERS:
            user = User.objects.filter(username=demo_user.username).first()
            if user is None:
                user = user_create(
                    username=demo_user.username, password=DEMO_PASSWORD, full_name=demo_user.full_name
                )
                say(f"user {demo_user.username} created")
            for slug, role in demo_user.grants:
                tenant = Tenant.objects.get(slug=slug)
                centre = (
                    PartsCentre.objects.get(manufacturer__hotline=tenant, code=demo_user.parts_centre)
                    if demo_user.parts_centre
                    else None
                )
                membership_grant(user=user, tenant=tenant, role=role, parts_centre=centre)
            # Roles that need a second factor get a demo authenticator with a published secret.
            if any(mfa_required(role) for _slug, role in demo_user.grants):
                TOTPDevice.objects.get_or_create(
                    user=user,
                    name=DEMO_DEVICE,
                    defaults={"key": demo_totp_key(demo_user.username), "confirmed": True},
                )
    dealer_ids = dict(Tenant.objects.values_list("slug", "pk"))
    for m_code, owners in OWNERS.items():
        manufacturer = Manufacturer.objects.select_related("hotline").get(code=m_code)
        with tenant_context(manufacturer.hotline), transaction.atomic():
            for vin in _owners_load(owners, dealer_ids):
                say(f"vehicle {vin} created")
            for questionnaire in _questionnaires_load(manufacturer):
                say(f"questionnaire {questionnaire} published")
        for number in _work_orders_load(manufacturer):
            say(f"work order {number} created")
        for number in _conclusions_load(manufacturer):
            say(f"conclusion of {number} recorded")
    return len(added)


# A reached callback's answers in the demo: the service questionnaire's required items and a few more.
DEMO_ANSWERS = {
    "diagnosis": 9,
    "repair_quality": 8,
    "greeted": True,
    "work_explained": "detailed",
    "on_time": True,
}


def _questionnaires_load(manufacturer: Manufacturer) -> list[str]:
    """The callback manual's service and sales questionnaires (the sales one as the product ships
    it); in the service one the diagnosis and repair-quality scores are required, as the manual's
    statistics need them. What was published now."""
    service = questionnaire_current(QuestionnairePurpose.SERVICE)
    if service.version == 1:
        admin = Actor(user_id=None, name="demo", tenant_id=manufacturer.hotline_id, role=Role.HOTLINE_ADMIN)
        items = [
            {
                "code": item.code,
                "text": item.text,
                "text_en": item.text_en,
                "kind": item.kind,
                "dimension": item.dimension,
                "required": item.required or item.code in ("diagnosis", "repair_quality"),
                "overall": item.overall,
            }
            for item in service.items.all()
        ]
        service = questionnaire_publish(
            actor=admin, purpose=QuestionnairePurpose.SERVICE, items=items, note="diagnosis, repair quality"
        )
        return [str(service)]  # published now; a later load finds it and adds nothing
    return []


# (owner's mobile, type, category, severity, complaint, demand, part lines, how far it got)
WORK_ORDERS = {
    "HQ": [
        (
            "13802561234",
            "parts_shortage",
            "parts_shortage",
            "normal",
            "前大灯间歇性闪烁，服务站称需更换前大灯总成但无库存，已等待一周。",
            "尽快更换前大灯总成，配件到货后电话通知。",
            [("HK-37110-S5", "前大灯总成（左）", 1)],
            "awaiting_parts",
        ),
        (
            "13922876543",
            "complaint",
            "waiting_time",
            "normal",
            "保养时服务顾问说约 1 小时可完成，车主等了 2 小时仍未安排保养。",
            "要求道歉并说明原因。",
            [],
            "dispatched",
        ),
        (
            "13694215588",
            "complaint",
            "charges",
            "major",
            "首保被收取工时费，车主认为首保应免费，多次沟通未果。",
            "退还首保工时费并书面说明。",
            [],
            "processing",
        ),
        (
            "13916628890",
            "complaint",
            "repair_quality",
            "normal",
            "保养时报修空调异响，当晚仍响；复查说鼓风机损坏、约 200 元，更换前又改口称报错了零件，"
            "实际 1000 多元。车主认为首次检修不彻底，应由服务站负责。",
            "按最初报价更换鼓风机，并解释损坏与保养的关系。",
            [],
            "resolved",
        ),
        (
            "13758213344",
            "complaint",
            "campaign_gift",
            "normal",
            "电话中承诺的活动礼品到店后被告知已送完。",
            "补发礼品。",
            [],
            "closed",
        ),
    ],
    "DY": [
        (
            "13973128866",
            "complaint",
            "repair_quality",
            "normal",
            "更换刹车片后仍有异响，返修一次未解决。",
            "彻底检查并解决异响。",
            [],
            "dispatched",
        ),
    ],
}


# The rest of a demo complaint's record, where there is more to it (by the owner's mobile).
RECORDS = {
    "13922876543": {
        "complainant": {"name": "赵敏", "phone": "13922876544", "relation": "车主配偶"},
        "preferred_contact_time": "工作日 18:00 以后",
    },
}


def _work_orders_load(manufacturer: Manufacturer) -> list[str]:
    """A few work orders per hotline, taken through the real services to different states."""

    with tenant_context(manufacturer.hotline):
        if WorkOrder.objects.exists():
            return []
    agent_user = User.objects.get(username=f"{manufacturer.code.lower()}.agent")
    agent = Actor(
        user_id=agent_user.pk,
        name=agent_user.full_name,
        tenant_id=manufacturer.hotline_id,
        role=Role.HOTLINE_AGENT,
    )
    created = []
    for mobile, wo_type, category, severity, complaint, demand, lines, goal in WORK_ORDERS.get(
        manufacturer.code, []
    ):
        with tenant_context(manufacturer.hotline):
            owner = Owner.objects.get(mobile=mobile)
            vehicle = owner.vehicles.first()
            intake = Intake(
                type=wo_type,
                category=category,
                severity=severity,
                channel="phone",
                complaint=complaint,
                owner_demand=demand,
                owner={"name": owner.name, "mobile": owner.mobile, "city": owner.city},
                vehicle={"vin": vehicle.vin, "model": vehicle.model} if vehicle else None,
                part_lines=[{"part_code": c, "part_name": n, "quantity": q} for c, n, q in lines],
                **RECORDS.get(mobile, {}),
            )
            work_order = work_order_create(manufacturer=manufacturer, actor=agent, intake=intake)
        created.append(work_order.number)
        _advance(manufacturer, work_order, goal, agent)
    return created


def _advance(manufacturer, work_order, goal, agent) -> None:
    """Play the dealer's and the hotline's part up to ``goal``."""
    if goal == "dispatched":
        return
    dealer = Tenant.objects.get(pk=work_order.dealer_id)
    staff = User.objects.filter(memberships__tenant=dealer).first()

    actor = Actor(
        user_id=staff.pk,
        name=staff.full_name,
        tenant_id=dealer.pk,
        role=staff.memberships.get(tenant=dealer).role,
    )
    code, number = manufacturer.code, work_order.number
    with tenant_context(dealer):
        gateway = DealerGateway(dealer)
        gateway.act(
            "contact",
            code,
            number,
            actor=actor,
            at=None,
            whom=work_order.owner.name,
            method="phone",
            reached=True,
            agreed="已致电车主说明处理方案",
            solution_offered=True,
        )
        if work_order.type == "parts_shortage":
            gateway.act("stock", code, number, actor=actor, result="parts_centre")
            gateway.act("parts", code, number, actor=actor)
        if goal in ("processing", "awaiting_parts"):
            return
        if work_order.type == "parts_shortage":
            _ship_everything(manufacturer, work_order)
            gateway.act("received", code, number, actor=actor)
        gateway.act(
            "repair",
            code,
            number,
            actor=actor,
            repair_order_number=f"RO{number[len(code) :]}",
            service_advisor="刘洋",
            repair_team="机电一组",
            labour_description="按车主反映的问题检查、维修并试车",
        )
        gateway.act(
            "resolve",
            code,
            number,
            actor=actor,
            result_summary="已按车主要求处理完毕",
            owner_acceptance="accepted",
            **_demo_conclusion(work_order.complaint),
        )
    if goal == "closed":
        with tenant_context(manufacturer.hotline):
            decisions.callback_record(
                work_order_id=work_order.pk,
                actor=agent,
                outcome="reached",
                score=9,
                solved=True,
                answers=DEMO_ANSWERS,
            )
            conclusion_review(work_order_id=work_order.pk, actor=agent, opinion=DEMO_REVIEW)


# The conclusions of the resolved and closed demo cases, after the handbook's cases: a misquoted
# blower (case 5) and a campaign gift promised by phone and gone at the station (case 6).
DEMO_CONCLUSIONS = {
    "鼓风机": {
        "validity": "valid",
        "responsibility": "dealer_service",
        "root_cause": "wrong-quote",
        "remedy_types": ["apology", "waived_labour"],
        "remedy_amount": "180.00",
        "apologised_by": "service_manager",
        "corrective_action": "服务顾问报价前核对配件号与价格；交车前复检空调系统",
        "corrective_owner": "服务经理",
        "person_at_fault": "服务顾问 刘洋",
    },
    "礼品": {
        "validity": "valid",
        "responsibility": "dealer_service",
        "root_cause": "booking-not-recorded",
        "remedy_types": ["apology", "gift"],
        "remedy_amount": "60.00",
        "apologised_by": "service_manager",
        "corrective_action": "电话预约时登记车主的礼品需求并预留；活动礼品余量在前台公示",
        "corrective_owner": "客户关系部经理",
    },
    "": {
        "validity": "partly_valid",
        "invalid_reason": "部分诉求超出保修政策，已向车主耐心说明",
        "responsibility": "dealer_service",
        "root_cause": "staff-communication",
        "remedy_types": ["apology", "explanation"],
        "apologised_by": "service_advisor",
        "corrective_action": "接待人员沟通技巧培训",
        "corrective_owner": "服务经理",
    },
}
DEMO_REVIEW = "原因分析清楚，整改措施可行；请在期限内完成并在月度分析中反馈。"


def _demo_conclusion(complaint: str) -> dict:
    """A demo case's conclusion (found by what the complaint is about), its corrective action due
    a month from today."""
    key = next((k for k in DEMO_CONCLUSIONS if k and k in complaint), "")
    values = dict(DEMO_CONCLUSIONS[key])
    values["corrective_due"] = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
    return values


def _conclusions_load(manufacturer: Manufacturer) -> list[str]:
    """Demo work orders resolved before conclusions existed get theirs (and the closed one its
    review); those that have one are left as they are. The numbers given one now."""
    done = []
    with tenant_context(manufacturer.hotline):
        agent_user = User.objects.get(username=f"{manufacturer.code.lower()}.agent")
        agent = Actor(
            user_id=agent_user.pk,
            name=agent_user.full_name,
            tenant_id=manufacturer.hotline_id,
            role=Role.HOTLINE_AGENT,
        )
        missing = WorkOrder.objects.filter(state__in=["resolved", "closed"], conclusion__isnull=True)
        for work_order in missing:
            values = _demo_conclusion(work_order.complaint)
            values.pop("person_at_fault", None)
            with transaction.atomic():
                conclusion_write(work_order, conclusion_check(**values), agent, work_order.resolved_at)
                if work_order.state == "closed":
                    conclusion_review(work_order_id=work_order.pk, actor=agent, opinion=DEMO_REVIEW)
            done.append(work_order.number)
    return done


def _ship_everything(manufacturer, work_order) -> None:

    with tenant_context(manufacturer.hotline):
        for request in PartsRequest.objects.filter(work_order_id=work_order.pk):
            centre = Actor(user_id=None, name="配件分中心", tenant_id=None, role="parts_centre")
            parts.parts_request_acknowledge(
                request_id=request.pk, parts_centre_id=request.parts_centre_id, actor=centre
            )
            for line in request.lines.all():
                parts.parts_line_ship(
                    request_id=request.pk,
                    parts_centre_id=request.parts_centre_id,
                    line_no=line.line_no,
                    carrier="顺丰速运",
                    tracking_number=f"SF{request.pk:04d}{line.line_no:02d}",
                    actor=centre,
                )


def _owners_load(owners, dealer_ids) -> list[str]:

    created = []
    for (
        name,
        gender,
        mobile,
        province,
        city,
        address,
        model,
        vin,
        plate,
        bought,
        km,
        use,
        selling,
        servicing,
    ) in owners:
        vin = with_check_digit(vin.replace("?", "0"))
        if Vehicle.objects.filter(vin=vin).exists():
            continue
        owner = Owner.objects.filter(mobile=mobile).first() or Owner.objects.create(
            name=name,
            gender=gender,
            mobile=mobile,
            province=province,
            city=city,
            address=address,
        )
        vehicle = Vehicle(
            owner=owner,
            vin=vin,
            plate=plate,
            model=model,
            purchase_date=bought,
            mileage_km=km,
            use=use,
            selling_dealer_id=dealer_ids.get(selling),
            servicing_dealer_id=dealer_ids.get(servicing) if servicing else None,
        )
        vehicle.full_clean()
        vehicle.save()
        created.append(vin)
    return created


def demo_banner() -> str:
    """Every portal's address, and the demo logins that exist in this database."""

    lines = ["", "Portals:"]
    order = {"public": 0, "hotline": 1, "dealer": 2}
    for tenant in sorted(Tenant.objects.all(), key=lambda t: (order[t.type], t.slug)):
        lines.append(f"  {portal_url(tenant):45} {tenant.get_type_display()} · {tenant.name}")
    demo_names = {u.username for u in USERS}
    present = set(User.objects.filter(username__in=demo_names).values_list("username", flat=True))
    if present:
        lines += ["", f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        for user in USERS:
            if user.username in present:
                where = ", ".join(f"{slug} ({Role(role).label})" for slug, role in user.grants)
                if user.parts_centre:
                    where += f" {user.parts_centre}: /parts-centre/"
                lines.append(f"  {user.username:15} {user.full_name:8} {where}")
        lines += [
            "",
            "Two-factor sign-in (administrators, supervisors, dealer managers): add the secret to an",
            "authenticator app, or print the current code with: python manage.py demo_code <login>",
        ]
        for user in USERS:
            if user.username in present and any(mfa_required(role) for _slug, role in user.grants):
                lines.append(f"  {user.username:15} {demo_totp_secret(user.username)}")
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)
