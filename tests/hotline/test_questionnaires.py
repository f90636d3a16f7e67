"""The versioned callback questionnaires: the manual's by default, published by administrators,
answered by every reached callback (the hotline's and the dealer's, portals and API)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from config.actor import Actor
from hotline.models import CallbackAnswer, CallbackAttempt, WorkOrder
from hotline.services import callbacks, decisions
from hotline.services.questionnaires import questionnaire_current, questionnaire_publish
from tenants.models import Role
from tenants.services.api_keys import api_key_create

from ..conftest import api_client, client_for, person
from .test_callbacks import callback, kinds, resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def specialist(network) -> Actor:
    return Actor(user_id=202, name="周玉", tenant_id=network["junda"].pk, role="callback_specialist")


def items_of(questionnaire) -> list[dict]:
    return [
        {
            "code": i.code,
            "text": i.text,
            "text_en": i.text_en,
            "kind": i.kind,
            "dimension": i.dimension,
            "required": i.required,
            "overall": i.overall,
        }
        for i in questionnaire.items.all()
    ]


def require_items(admin, *codes: str, purpose: str = "service"):
    """Publish the current questionnaire again with these items required too."""
    items = items_of(questionnaire_current(purpose))
    for item in items:
        item["required"] = item["required"] or item["code"] in codes
    return questionnaire_publish(actor=admin, purpose=purpose, items=items)


def test_the_manuals_questionnaires_are_version_one(hotline, in_hotline):
    service = questionnaire_current("service")
    sales = questionnaire_current("sales")
    assert service.version == sales.version == 1
    kinds_ = {i.code: (i.kind, i.dimension) for i in service.items.all()}
    assert kinds_["overall"] == ("score", "overall")
    assert kinds_["work_explained"] == ("detail", "charges")
    assert kinds_["greeted"] == ("yes_no", "reception")
    assert {i.dimension for i in service.items.all()} == {
        "overall",
        "reception",
        "diagnosis",
        "repair_quality",
        "charges",
        "attitude",
        "speed",
    }
    assert [i.code for i in service.items.all() if i.required] == ["overall"]
    assert sum(i.overall for i in sales.items.all()) == 1


def test_a_reached_callback_answers_every_required_item_or_nothing_is_written(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent, admin
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline):
        require_items(admin, "diagnosis", "work_explained")
        before = kinds(hotline, parts_work_order)
        with pytest.raises(ValidationError) as caught:
            decisions.callback_record(
                work_order_id=parts_work_order.pk,
                actor=agent,
                outcome="reached",
                score=9,
                solved=True,
                answers={"diagnosis": 11, "greeted": "perhaps"},
            )
        errors = caught.value.message_dict
        assert set(errors) == {"answers.diagnosis", "answers.greeted", "answers.work_explained"}
        assert "10" in errors["answers.diagnosis"][0]  # the rule: a score from 1 to 10
        assert kinds(hotline, parts_work_order) == before
        assert not CallbackAttempt.objects.exists()

        attempt = decisions.callback_record(
            work_order_id=parts_work_order.pk,
            actor=agent,
            outcome="reached",
            score=9,
            solved=True,
            answers={"diagnosis": 8, "work_explained": "partly", "greeted": True},
        )
        answers = {a.item.code: a.value for a in attempt.answers.select_related("item")}
        assert answers == {"overall": 9, "diagnosis": 8, "work_explained": "partly", "greeted": True}
        assert attempt.questionnaire.version == 2
        event = WorkOrder.objects.get(pk=parts_work_order.pk).events.get(kind="callback.recorded")
        assert event.data["answers"]["work_explained"] == "partly"
        assert WorkOrder.objects.get(pk=parts_work_order.pk).state == "closed"


@pytest.mark.parametrize(
    ("outcome", "answers", "field"),
    [
        ("busy", {"diagnosis": 8}, "answers"),
        ("reached", {"nonsense": 8}, "answers"),
        ("reached", {"overall": 7}, "score"),  # score 9 given as well: they differ
        ("reached", {"work_explained": "fully"}, "answers.work_explained"),
    ],
)
def test_bad_answers_name_the_field(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent, outcome, answers, field
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline), pytest.raises(ValidationError) as caught:
        decisions.callback_record(
            work_order_id=parts_work_order.pk,
            actor=agent,
            outcome=outcome,
            score=9 if outcome == "reached" else None,
            solved=True if outcome == "reached" else None,
            answers=answers,
        )
    assert field in caught.value.message_dict
    with tenant_context(hotline):
        assert not CallbackAttempt.objects.exists()


def test_a_new_version_never_changes_answers_already_given(
    parts_work_order, hotline, junda_gateway, dealer_actor, specialist, admin
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    callback(
        junda_gateway, specialist, parts_work_order.number, score=6, solved=False, answers={"diagnosis": 5}
    )
    with tenant_context(hotline):
        items = items_of(questionnaire_current())
        for item in items:
            if item["code"] == "diagnosis":
                item["text"] = "技师是否一次就找准了故障？"
                item["kind"] = "yes_no"
        items = [i for i in items if i["code"] != "old_parts"]
        v2 = questionnaire_publish(actor=admin, purpose="service", items=items, note="诊断改为是否题")
        answer = CallbackAnswer.objects.select_related("item__questionnaire").get(item__code="diagnosis")
    assert v2.version == 2
    assert (answer.score, answer.item.kind, answer.item.questionnaire.version) == (5, "score", 1)
    assert answer.item.text.startswith("您对技师判断车辆故障的能力")


def test_a_sales_complaint_asks_the_sales_questionnaire(
    manufacturer, network, agent, in_hotline, junda_gateway, dealer_actor, specialist
):
    from hotline.services.work_orders import work_order_create

    from ..conftest import parts_intake

    with tenant_context(manufacturer.hotline):
        work_order = work_order_create(
            manufacturer=manufacturer,
            intake=parts_intake(
                type="complaint", category="sales", part_lines=[], dealer_id=network["junda"].pk
            ),
            actor=agent,
        )
    resolve(junda_gateway, dealer_actor, work_order.number)
    attempt = callback(
        junda_gateway, specialist, work_order.number, score=8, solved=True, answers={"test_drive": "no"}
    )
    with tenant_context(manufacturer.hotline):
        attempt = CallbackAttempt.objects.select_related("questionnaire").get(pk=attempt.pk)
        assert attempt.questionnaire.purpose == "sales"
        assert {a.item.code: a.value for a in attempt.answers.all()} == {"overall": 8, "test_drive": False}


def test_a_texted_score_answers_only_the_overall_item(parts_work_order, hotline, junda_gateway, dealer_actor):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    owner = Actor(user_id=None, name="SMS 13802561234", tenant_id=None, role="owner")
    with tenant_context(hotline):
        attempt = callbacks.owner_score_record(work_order_id=parts_work_order.pk, actor=owner, score=7)
        assert [(a.item.code, a.score) for a in attempt.answers.all()] == [("overall", 7)]


def test_only_administrators_publish(hotline, in_hotline, agent):
    with pytest.raises(PermissionDenied):
        questionnaire_publish(actor=agent, purpose="service", items=items_of(questionnaire_current()))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda items: items.clear(), "items"),
        (lambda items: items[1].update(overall=True), "items"),
        (lambda items: items[0].update(kind="yes_no"), "items[1].kind"),
        (lambda items: items[2].update(text=" "), "items[3].text"),
        (lambda items: items[2].update(dimension="mood"), "items[3].dimension"),
        (lambda items: items[3].update(code="greeted"), "items[4].code"),
        (lambda items: items[3].update(code="Bad Code"), "items[4].code"),
    ],
)
def test_a_bad_questionnaire_names_the_item_and_publishes_nothing(hotline, in_hotline, admin, change, field):
    items = items_of(questionnaire_current())
    change(items)
    with pytest.raises(ValidationError) as caught:
        questionnaire_publish(actor=admin, purpose="service", items=items)
    assert field in caught.value.message_dict
    assert questionnaire_current().version == 1


# --- through the portals and the API ---------------------------------------------------------


def test_administrators_edit_a_questionnaire_in_the_portal(hotline, admin):
    connection.set_schema_to_public()
    portal = client_for(hotline, person("hq.admin2", hotline, Role.HOTLINE_ADMIN))
    page = portal.get("/administration/questionnaires/")
    assert page.status_code == 200
    assert 'data-testid="questionnaire-form"' in page.content.decode()
    with tenant_context(hotline):
        items = items_of(questionnaire_current())
    data = {
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        "note": "增加一项",
    }
    for n, item in enumerate(items):
        for key, value in item.items():
            if isinstance(value, bool):
                if value:
                    data[f"items-{n}-{key}"] = "on"
            else:
                data[f"items-{n}-{key}"] = value
    data["items-1-DELETE"] = "on"  # "greeted" goes
    new = len(items)
    bad = {**data, f"items-{new}-text": "", f"items-{new}-text_en": "Was the car clean?"}
    bad.update({f"items-{new}-kind": "yes_no", f"items-{new}-dimension": "repair_quality"})
    refused = portal.post("/administration/questionnaires/", bad)
    assert refused.status_code == 400  # the half-filled new item is not silently dropped
    with tenant_context(hotline):
        assert questionnaire_current().version == 1

    data.update(
        {
            f"items-{new}-text": "交车时车辆是否清洗干净？",
            f"items-{new}-text_en": "Was the car clean at hand-over?",
            f"items-{new}-kind": "yes_no",
            f"items-{new}-dimension": "repair_quality",
            f"items-{new}-required": "on",
        }
    )
    assert portal.post("/administration/questionnaires/", data).status_code == 302
    with tenant_context(hotline):
        current = questionnaire_current()
        codes = [i.code for i in current.items.all()]
        added = current.items.get(text="交车时车辆是否清洗干净？")
    assert current.version == 2
    assert "greeted" not in codes
    assert (added.code, added.required) == ("q1", True)

    agent = client_for(hotline, person("hq.agent3", hotline, Role.HOTLINE_AGENT))
    assert agent.get("/administration/questionnaires/sales/").status_code == 200
    assert agent.post("/administration/questionnaires/", data).status_code == 403


def test_both_portals_show_the_questionnaire_and_put_errors_on_the_item(
    parts_work_order, hotline, junda_gateway, dealer_actor, admin, network
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline):
        require_items(admin, "repair_quality")
    connection.set_schema_to_public()
    junda = network["junda"]
    portal = client_for(junda, person("cb.junda", junda, Role.CALLBACK_SPECIALIST))
    url = f"/work-orders/HQ/{parts_work_order.number}/"
    page = portal.get(url).content.decode()
    assert 'name="answers.repair_quality"' in page
    refused = portal.post(
        url + "callback/", {"method": "phone", "outcome": "reached", "score": "9", "solved": "yes"}
    )
    assert refused.status_code == 400
    assert 'id="id_answers.repair_quality_error"' in refused.content.decode()
    done = portal.post(
        url + "callback/",
        {
            "method": "phone",
            "outcome": "reached",
            "score": "9",
            "solved": "yes",
            "answers.repair_quality": "8",
            "answers.work_explained": "detailed",
        },
    )
    assert done.status_code == 302
    assert 'data-testid="callback-answers"' in portal.get(url).content.decode()

    connection.set_schema_to_public()
    agent = client_for(hotline, person("hq.agent4", hotline, Role.HOTLINE_AGENT))
    detail = agent.get(f"/work-orders/{parts_work_order.number}/").content.decode()
    assert 'name="answers.repair_quality"' in detail
    assert 'data-testid="callback-answers"' in detail
    refused = agent.post(
        f"/work-orders/{parts_work_order.number}/callback/",
        {"outcome": "reached", "score": "9", "solved": "yes", "answers.repair_quality": ""},
    )
    assert refused.status_code == 400
    assert 'id="id_answers.repair_quality_error"' in refused.content.decode()


def test_the_api_takes_answers_and_names_the_item(
    parts_work_order, hotline, junda_gateway, dealer_actor, admin
):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    with tenant_context(hotline):
        require_items(admin, "diagnosis")
    connection.set_schema_to_public()
    crm = api_client(hotline, api_key_create(tenant=hotline, name="CRM", scope="write").secret)
    url = f"/api/v1/work-orders/{parts_work_order.number}/callbacks/"
    bad = crm.post(url, {"outcome": "reached", "score": 9, "solved": True, "answers": {}}, format="json")
    assert bad.status_code == 400
    assert "answers.diagnosis" in bad.json()["errors"]
    good = crm.post(
        url,
        {"outcome": "reached", "score": 9, "solved": True, "answers": {"diagnosis": 9, "on_time": False}},
        format="json",
    )
    assert good.status_code == 201
    body = good.json()
    assert body["questionnaire"] == 2
    assert {a["code"]: a["value"] for a in body["answers"]} == {
        "overall": 9,
        "diagnosis": 9,
        "on_time": False,
    }


def test_the_dealer_api_takes_answers(hotline, network, parts_work_order, junda_gateway, dealer_actor):
    resolve(junda_gateway, dealer_actor, parts_work_order.number)
    dms = api_client(
        network["junda"], api_key_create(tenant=network["junda"], name="DMS", scope="write").secret
    )
    base = f"/api/v1/work-orders/HQ/{parts_work_order.number}/callbacks/"
    body = {"method": "phone", "outcome": "reached", "score": 8, "solved": True}
    bad = dms.post(base, {**body, "answers": {"old_parts": "maybe"}}, format="json")
    assert bad.status_code == 400
    assert "answers.old_parts" in bad.json()["errors"]
    assert dms.post(base, {**body, "answers": {"old_parts": True}}, format="json").status_code == 200
    with tenant_context(hotline):
        assert CallbackAnswer.objects.filter(item__code="old_parts", yes=True).count() == 1
