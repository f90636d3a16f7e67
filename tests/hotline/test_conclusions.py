"""A complaint's conclusion: what resolving asks for, who sees what, and the hotline's review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from dealers.models import PersonAtFault
from hotline.models import Conclusion, RootCause, WorkOrder
from hotline.services import decisions
from hotline.services.conclusions import root_causes_ensure
from tenants.models import Role

from ..conftest import api_session, client_for, conclusion, conclusion_posted, in_schema, person

pytestmark = pytest.mark.django_db


def processing(work_order, gateway, actor) -> None:
    """The dealer reached the owner and found the parts in stock: ready to report it resolved."""
    gateway.act(
        "contact",
        "HQ",
        work_order.number,
        actor=actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="当天处理",
    )
    gateway.act("stock", "HQ", work_order.number, actor=actor, result="own_stock")


def resolve(work_order, gateway, actor, **changes) -> None:
    gateway.act(
        "resolve",
        "HQ",
        work_order.number,
        actor=actor,
        result_summary="已更换前大灯总成",
        owner_acceptance="accepted",
        **{**conclusion(), **changes},
    )


def unchanged(work_order, hotline) -> bool:
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(pk=work_order.pk)
        return wo.state == "processing" and not Conclusion.objects.filter(work_order=wo).exists()


def test_resolving_without_a_conclusion_names_every_missing_field(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    with pytest.raises(ValidationError) as caught:
        junda_gateway.act(
            "resolve",
            "HQ",
            parts_work_order.number,
            actor=dealer_actor,
            result_summary="已更换",
            owner_acceptance="accepted",
        )
    assert set(caught.value.message_dict) == {
        "validity",
        "responsibility",
        "root_cause",
        "remedy_types",
        "corrective_action",
    }
    assert unchanged(parts_work_order, hotline)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"validity": "not_valid", "invalid_reason": " "}, "invalid_reason"),
        ({"validity": "partly_valid"}, "invalid_reason"),
        ({"validity": "maybe"}, "validity"),
        ({"responsibility": "weather"}, "responsibility"),
        ({"root_cause": "no-such-cause"}, "root_cause"),
        ({"remedy_types": ["apology", "cash_back"]}, "remedy_types"),
        ({"apologised_by": ""}, "apologised_by"),
        ({"remedy_types": ["refund"], "apologised_by": ""}, "remedy_amount"),
        ({"remedy_amount": "12.345"}, "remedy_amount"),
        ({"remedy_amount": "-5"}, "remedy_amount"),
        ({"remedy_amount": "2000000"}, "remedy_amount"),
        ({"corrective_owner": ""}, "corrective_owner"),
        ({"corrective_due": None}, "corrective_due"),
        ({"corrective_due": dt.date(2000, 1, 3)}, "corrective_due"),
    ],
)
def test_each_broken_rule_is_named_and_nothing_changes(
    parts_work_order, hotline, junda_gateway, dealer_actor, changes, field
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    with pytest.raises(ValidationError) as caught:
        resolve(parts_work_order, junda_gateway, dealer_actor, **changes)
    assert list(caught.value.message_dict) == [field]
    assert unchanged(parts_work_order, hotline)


def test_a_retired_root_cause_is_no_longer_offered(parts_work_order, hotline, junda_gateway, dealer_actor):
    processing(parts_work_order, junda_gateway, dealer_actor)
    with tenant_context(hotline):
        root_causes_ensure()
        RootCause.objects.filter(code="parts-not-stocked").update(active=False)
    with pytest.raises(ValidationError) as caught:
        resolve(parts_work_order, junda_gateway, dealer_actor)
    assert list(caught.value.message_dict) == ["root_cause"]
    assert "parts-not-stocked" not in dict(
        junda_gateway.work_order("HQ", parts_work_order.number).root_causes
    )


def test_a_not_valid_complaint_needs_the_reason_but_no_corrective_action(
    parts_work_order, hotline, junda_gateway, dealer_actor
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    resolve(
        parts_work_order,
        junda_gateway,
        dealer_actor,
        validity="not_valid",
        invalid_reason="车主自行加装大功率灯泡导致，已耐心说明",
        responsibility="customer",
        root_cause="customer-misuse",
        remedy_types=["explanation"],
        apologised_by="",
        corrective_action="",
        corrective_owner="",
        corrective_due=None,
    )
    with tenant_context(hotline):
        saved = Conclusion.objects.get(work_order_id=parts_work_order.pk)
        assert (saved.validity, saved.root_cause.code, saved.corrective_action) == (
            "not_valid",
            "customer-misuse",
            "",
        )


def test_the_conclusion_is_kept_and_the_person_at_fault_never_reaches_the_hotline(
    parts_work_order, hotline, network, junda_gateway, dealer_actor
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    resolve(
        parts_work_order,
        junda_gateway,
        dealer_actor,
        remedy_types=["apology", "compensation"],
        remedy_amount="350.5",
        person_at_fault="配件专员 李明",
    )
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        saved = wo.conclusion
        assert wo.state == "resolved"
        assert (saved.remedy_amount, saved.remedy_types) == (Decimal("350.50"), ["apology", "compensation"])
        event = wo.events.get(kind="work_order.resolved")
        assert event.data["conclusion"]["root_cause"] == "parts-not-stocked"
        assert event.data["conclusion"]["remedy_amount"] == "350.50"
        everything = " ".join(str(e.data) for e in wo.events.all())
    assert "李明" not in everything
    with in_schema(network["junda"]):
        assert PersonAtFault.objects.get().name == "配件专员 李明"

    # The hotline's API shows the conclusion, without anyone at fault; the dealer's shows both.
    agent = person("concl.agent", hotline, Role.HOTLINE_AGENT)
    hotline_read = api_session(hotline, agent).get(f"/api/v1/work-orders/{parts_work_order.number}/")
    shown = hotline_read.json()["conclusion"]
    assert (shown["validity"], shown["root_cause"]["code"], shown["remedy_amount"]) == (
        "valid",
        "parts-not-stocked",
        "350.50",
    )
    assert "person_at_fault" not in shown
    assert "李明" not in hotline_read.content.decode()
    crm = person("concl.crm", network["junda"], Role.DEALER_CRM_MANAGER)
    dealer_read = api_session(network["junda"], crm).get(f"/api/v1/work-orders/HQ/{parts_work_order.number}/")
    assert dealer_read.json()["conclusion"]["person_at_fault"] == "配件专员 李明"

    # Both pages show the conclusion; only the dealer's names the person at fault.
    page = client_for(hotline, agent).get(f"/work-orders/{parts_work_order.number}/").content.decode()
    assert 'data-testid="conclusion"' in page
    assert "李明" not in page
    dealer_page = client_for(network["junda"], crm).get(f"/work-orders/HQ/{parts_work_order.number}/")
    assert "配件专员 李明" in dealer_page.content.decode()


def test_the_dealer_api_names_each_missing_field_in_the_readers_language(
    parts_work_order, hotline, network, junda_gateway, dealer_actor
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    crm = person("concl.api", network["junda"], Role.DEALER_CRM_MANAGER)
    base = f"/api/v1/work-orders/HQ/{parts_work_order.number}/resolve/"
    for language, words in (("en", "apologised"), ("zh-hans", "致歉")):
        client = api_session(network["junda"], crm, HTTP_ACCEPT_LANGUAGE=language)
        body = {
            "result_summary": "已更换",
            "owner_acceptance": "accepted",
            **conclusion_posted(apologised_by=""),
        }
        answer = client.post(base, body, format="json")
        assert answer.status_code == 400
        assert list(answer.json()["errors"]) == ["apologised_by"]
        assert words in answer.json()["errors"]["apologised_by"][0]
        partial = {"result_summary": "已更换", "owner_acceptance": "accepted", "validity": "valid"}
        missing = client.post(base, partial, format="json")
        assert missing.status_code == 400
        assert set(missing.json()["errors"]) == {
            "responsibility",
            "root_cause",
            "remedy_types",
            "corrective_action",
        }
    assert unchanged(parts_work_order, hotline)
    done = api_session(network["junda"], crm).post(
        base,
        {
            "result_summary": "已更换",
            "owner_acceptance": "accepted",
            **conclusion_posted(person_at_fault="张工"),
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["conclusion"]["person_at_fault"] == "张工"


def test_the_dealer_portal_form_names_the_missing_fields(
    parts_work_order, hotline, network, junda_gateway, dealer_actor
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    crm = client_for(network["junda"], person("concl.portal", network["junda"], Role.DEALER_CRM_MANAGER))
    url = f"/work-orders/HQ/{parts_work_order.number}/resolve/"
    answer = crm.post(url, {"result_summary": "已更换", "owner_acceptance": "accepted", "validity": "valid"})
    assert answer.status_code == 400
    page = answer.content.decode()
    for field in ("responsibility", "root_cause", "remedy_types"):
        assert f'id="id_{field}_error"' in page
    assert 'id="id_validity_error"' not in page
    assert unchanged(parts_work_order, hotline)
    done = crm.post(url, {"result_summary": "已更换", "owner_acceptance": "accepted", **conclusion_posted()})
    assert done.status_code == 302
    with tenant_context(hotline):
        assert WorkOrder.objects.get(pk=parts_work_order.pk).conclusion.responsibility == "parts_supply"


def test_the_hotline_reviews_a_closed_work_orders_conclusion(
    parts_work_order, hotline, network, junda_gateway, dealer_actor, agent, other_manufacturer
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    resolve(parts_work_order, junda_gateway, dealer_actor)
    user = person("concl.review", hotline, Role.HOTLINE_AGENT)
    client = api_session(hotline, user, HTTP_ACCEPT_LANGUAGE="en")
    review = f"/api/v1/work-orders/{parts_work_order.number}/review/"
    early = client.post(review, {"opinion": "处理得当"}, format="json")
    assert early.status_code == 400
    assert list(early.json()["errors"]) == ["opinion"]

    with tenant_context(hotline):
        decisions.callback_record(
            work_order_id=parts_work_order.pk, actor=agent, outcome="reached", score=9, solved=True
        )
    blank = client.post(review, {"opinion": "  "}, format="json")
    assert blank.status_code == 400
    assert list(blank.json()["errors"]) == ["opinion"]
    done = client.post(review, {"opinion": "原因分析到位，整改措施需在月底前完成"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["conclusion"]["review_opinion"] == "原因分析到位，整改措施需在月底前完成"
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(pk=parts_work_order.pk)
        assert wo.events.filter(kind="work_order.reviewed").count() == 1

    # The portal's review form on the closed work order's page replaces it.
    browser = client_for(hotline, user)
    shown = browser.get(f"/work-orders/{parts_work_order.number}/").content.decode()
    assert 'data-testid="review-form"' in shown
    refused = browser.post(f"/work-orders/{parts_work_order.number}/review/", {"review-opinion": ""})
    assert refused.status_code == 400
    assert 'id="id_review-opinion_error"' in refused.content.decode()
    saved = browser.post(
        f"/work-orders/{parts_work_order.number}/review/",
        {"review-opinion": "原因分析到位，整改措施需在月底前完成。"},
    )
    assert saved.status_code == 302
    with tenant_context(hotline):
        assert (
            WorkOrder.objects.get(pk=parts_work_order.pk).events.filter(kind="work_order.reviewed").count()
            == 2
        )

    # The dealer reads the review on its page.
    crm = person("concl.read", network["junda"], Role.DEALER_CRM_MANAGER)
    page = client_for(network["junda"], crm).get(f"/work-orders/HQ/{parts_work_order.number}/")
    assert "原因分析到位" in page.content.decode()

    # Another manufacturer's hotline knows no such work order.
    stranger = person("concl.stranger", other_manufacturer.hotline, Role.HOTLINE_AGENT)
    foreign = api_session(other_manufacturer.hotline, stranger).post(
        review, {"opinion": "越权"}, format="json"
    )
    assert foreign.status_code == 404
    portal = client_for(other_manufacturer.hotline, stranger).post(
        f"/work-orders/{parts_work_order.number}/review/", {"review-opinion": "越权"}
    )
    assert portal.status_code == 404
    with tenant_context(hotline):
        assert Conclusion.objects.get(work_order_id=parts_work_order.pk).review_opinion.startswith("原因分析")


def test_a_second_resolution_replaces_the_conclusion_and_clears_the_review(
    parts_work_order, hotline, junda_gateway, dealer_actor, agent
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    resolve(parts_work_order, junda_gateway, dealer_actor, person_at_fault="李明")
    with tenant_context(hotline):
        decisions.callback_record(
            work_order_id=parts_work_order.pk, actor=agent, outcome="reached", score=3, solved=False
        )
    junda_gateway.act(
        "contact",
        "HQ",
        parts_work_order.number,
        actor=dealer_actor,
        at=None,
        whom="王建华",
        method="phone",
        reached=True,
        agreed="再次检查",
    )
    resolve(parts_work_order, junda_gateway, dealer_actor, root_cause="diagnosis-incomplete")
    with tenant_context(hotline):
        assert (
            Conclusion.objects.get(work_order_id=parts_work_order.pk).root_cause.code
            == "diagnosis-incomplete"
        )
        assert (
            WorkOrder.objects.get(pk=parts_work_order.pk).events.filter(kind="work_order.resolved").count()
            == 2
        )
    with in_schema(junda_gateway.dealer):
        assert not PersonAtFault.objects.exists()


def test_the_kpis_break_conclusions_down_with_their_remedy_cost(
    parts_work_order, hotline, network, junda_gateway, dealer_actor, manufacturer, agent
):
    processing(parts_work_order, junda_gateway, dealer_actor)
    resolve(
        parts_work_order,
        junda_gateway,
        dealer_actor,
        validity="partly_valid",
        invalid_reason="灯泡为车主自行更换",
        remedy_types=["apology", "compensation"],
        remedy_amount="200.00",
    )
    user = person("concl.kpis", hotline, Role.HOTLINE_SUPERVISOR)
    browser = client_for(hotline, user)
    page = browser.get("/kpis/")
    assert page.status_code == 200
    figures = {(r["dimension"], r["key"]): r for r in page.context["conclusions"]["rows"]}
    assert figures[("validity", "partly_valid")]["count"] == 1
    assert figures[("responsibility", "parts_supply")]["share"] == 100.0
    assert figures[("root_cause", "parts-not-stocked")]["remedy_cost"] == Decimal("200.00")
    assert page.context["conclusions"]["remedy_cost"] == Decimal("200.00")
    html = page.content.decode()
    assert 'data-testid="conclusions"' in html
    assert 'data-key="parts-not-stocked"' in html

    export = browser.get("/kpis/?export=conclusions&format=csv")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert "200.00" in text
    assert "partly" in text.lower() or "部分成立" in text


def test_administrators_keep_the_list_of_root_causes(hotline, other_manufacturer, parts_work_order):
    admin_browser = client_for(hotline, person("concl.admin", hotline, Role.HOTLINE_ADMIN))
    page = admin_browser.get("/administration/root-causes/")
    assert page.status_code == 200
    assert 'data-code="wrong-quote"' in page.content.decode()

    bad = admin_browser.post(
        "/administration/root-causes/", {"add-code": "Bad Code!", "add-name_zh": "", "add-name_en": "x"}
    )
    assert bad.status_code == 400
    assert 'id="id_add-code_error"' in bad.content.decode()
    assert 'id="id_add-name_zh_error"' in bad.content.decode()
    added = admin_browser.post(
        "/administration/root-causes/",
        {
            "add-code": "gift-stock",
            "add-name_zh": "活动礼品备货不足",
            "add-name_en": "Campaign gifts ran out",
        },
    )
    assert added.status_code == 302
    with tenant_context(hotline):
        cause = RootCause.objects.get(code="gift-stock")
        assert cause.position > RootCause.objects.get(code="other").position
        misuse = RootCause.objects.get(code="customer-misuse")
    retired = admin_browser.post(
        f"/administration/root-causes/{misuse.pk}/",
        {f"c{misuse.pk}-name_zh": "客户使用不当", f"c{misuse.pk}-name_en": "Misuse"},
    )
    assert retired.status_code == 302
    with tenant_context(hotline):
        misuse.refresh_from_db()
        assert (misuse.active, misuse.name_en) == (False, "Misuse")

    # An agent reads the list but changes nothing.
    agent_browser = client_for(hotline, person("concl.reader", hotline, Role.HOTLINE_AGENT))
    assert agent_browser.get("/administration/root-causes/").status_code == 200
    refused = agent_browser.post(
        f"/administration/root-causes/{misuse.pk}/",
        {f"c{misuse.pk}-name_zh": "改", f"c{misuse.pk}-name_en": "Changed", f"c{misuse.pk}-active": "on"},
    )
    assert refused.status_code == 403
    with tenant_context(hotline):
        misuse.refresh_from_db()
        assert (misuse.active, misuse.name_en) == (False, "Misuse")

    # Another manufacturer's administrator finds no such root cause.
    other_admin = person("concl.other", other_manufacturer.hotline, Role.HOTLINE_ADMIN)
    foreign = client_for(other_manufacturer.hotline, other_admin).post(
        f"/administration/root-causes/{cause.pk}/",
        {f"c{cause.pk}-name_zh": "改", f"c{cause.pk}-name_en": "Changed"},
    )
    assert foreign.status_code == 404
    with tenant_context(other_manufacturer.hotline):
        assert not RootCause.objects.filter(code="gift-stock").exists()


def test_a_version_1_client_that_sends_no_conclusion_still_resolves(
    parts_work_order, hotline, network, junda_gateway, dealer_actor
):
    """The API grows only by addition: a body without any conclusion field resolves as before,
    and the KPI page counts it as resolved without a conclusion."""
    processing(parts_work_order, junda_gateway, dealer_actor)
    crm = person("concl.v1", network["junda"], Role.DEALER_CRM_MANAGER)
    answer = api_session(network["junda"], crm).post(
        f"/api/v1/work-orders/HQ/{parts_work_order.number}/resolve/",
        {"result_summary": "已更换", "owner_acceptance": "accepted"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["state"], answer.json()["conclusion"]) == ("resolved", None)
    supervisor = client_for(hotline, person("concl.v1.sup", hotline, Role.HOTLINE_SUPERVISOR))
    page = supervisor.get("/kpis/")
    assert page.context["conclusions"]["unconcluded"] == 1
    assert 'data-testid="unconcluded"' in page.content.decode()


def test_a_dealers_system_reads_the_root_causes_of_its_manufacturers_only(hotline, network, foreign_dealer):
    with tenant_context(hotline):
        root_causes_ensure()
        RootCause.objects.filter(code="other").update(active=False)
    crm = person("concl.codes", network["junda"], Role.DEALER_CRM_MANAGER)
    listed = api_session(network["junda"], crm).get("/api/v1/root-causes/HQ/")
    assert listed.status_code == 200
    codes = [row["code"] for row in listed.json()["results"]]
    assert codes[0] == "parts-not-stocked"
    assert "wrong-quote" in codes
    assert "other" not in codes
    stranger = person("concl.codes.dy", foreign_dealer, Role.DEALER_CRM_MANAGER)
    assert api_session(foreign_dealer, stranger).get("/api/v1/root-causes/HQ/").status_code == 404
