"""The whole callback path in real browsers, the dealer's portal in Chinese and the hotline's in
English: the dealer resolves, its callback finds the fault not fixed, it withdraws and resolves
again, its second callback finds it fixed (9), and the hotline verifies as the sampling policy
asks, which closes the work order on both portals."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from config.actor import Actor
from hotline.models import WorkOrder
from hotline.services.callbacks import callback_policy_publish
from hotline.services.work_orders import work_order_create

from ..conftest import parts_intake
from .conftest import fill_conclusion, signed_in
from .test_portals import world  # noqa: F401 (the fixture)


def _open(page, testid: str):
    """The form inside a folded section, unfolded as a person would."""
    form = page.locator(f"[data-testid={testid}]")
    if not form.is_visible():
        page.locator(f"details:has([data-testid={testid}]) > summary").click()
    return form


def _dealer_callback(page, *, score: str, solved: str, method: str, note: str = "") -> None:
    form = _open(page, "dealer-callback-form")
    form.locator("select[name=method]").select_option(method)
    form.locator("select[name=outcome]").select_option("reached")
    form.locator("input[name=score]").fill(score)
    form.locator("select[name=solved]").select_option(solved)
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()


def _resolve(page, summary: str) -> None:
    form = _open(page, "resolve-form")
    form.locator("textarea[name=result_summary]").fill(summary)
    form.locator("select[name=owner_acceptance]").select_option("accepted")
    fill_conclusion(page)
    form.locator("button[type=submit]").click()


def test_dealer_callbacks_withdrawal_and_the_hotlines_sampled_verification(world, new_context):  # noqa: F811
    hotline = world["hotline"]
    with tenant_context(hotline):
        admin = Actor(user_id=None, name="管理员", tenant_id=hotline.pk, role="hotline_admin")
        callback_policy_publish(actor=admin, hotline_verifies="sample", sample_percent=100, note="抽检")
        intake = parts_intake(
            dealer_id=world["junda"].pk, type="complaint", category="repair_quality", part_lines=[]
        )
        work_order = work_order_create(
            manufacturer=world["manufacturer"],
            actor=Actor(user_id=1, name="李娜", tenant_id=hotline.pk, role="hotline_agent"),
            intake=intake,
        )
    connection.set_schema_to_public()
    number, code = work_order.number, world["manufacturer"].code

    dealer = signed_in(new_context, world["url"]["junda"], "junda.crm", locale="zh-CN")
    dealer.goto(f"{world['url']['junda']}/work-orders/{code}/{number}/")
    state = dealer.locator("[data-testid=state]")
    contact = _open(dealer, "contact-form")
    contact.locator("input[name=whom]").fill("王建华")
    contact.locator("select[name=method]").select_option("phone")
    contact.locator("select[name=reached]").select_option("yes")
    contact.locator("textarea[name=agreed]").fill("车主同意明天到店检查")
    contact.locator("button[type=submit]").click()
    expect(state).to_have_attribute("data-state", "processing")

    _resolve(dealer, "更换大灯总成")
    expect(state).to_have_attribute("data-state", "resolved")
    # The script beside the form addresses the owner by surname, in the reader's language.
    expect(dealer.locator("[data-testid=callback-script]")).to_contain_text("王先生")

    _dealer_callback(dealer, score="4", solved="no", method="phone", note="大灯仍闪烁")
    expect(dealer.locator("[data-testid=dealer-callbacks]")).to_contain_text("大灯仍闪烁")
    expect(state).to_have_attribute("data-state", "resolved")
    withdraw = _open(dealer, "withdraw-form")
    withdraw.locator("textarea[name=reason]").fill("再次检查线束")
    withdraw.locator("button[type=submit]").click()
    expect(state).to_have_attribute("data-state", "processing")

    _resolve(dealer, "更换线束，试车正常")
    expect(state).to_have_attribute("data-state", "resolved")
    _dealer_callback(dealer, score="9", solved="yes", method="visit")
    expect(dealer.locator("[data-testid=dealer-callbacks] li")).to_have_count(2)
    expect(state).to_have_attribute("data-state", "resolved")  # the sample asks the hotline to verify

    agent = signed_in(new_context, world["url"]["hotline"], "hq.agent", locale="en-GB")
    agent.goto(f"{world['url']['hotline']}/work-orders/{number}/")
    expect(agent.locator("[data-testid=callbacks] tr[data-party=dealer]")).to_have_count(2)
    expect(agent.locator("[data-testid=verification]")).to_contain_text("asks the hotline to verify")
    expect(agent.locator("[data-testid=callback-script]")).to_contain_text("Mr 王")
    form = _open(agent, "callback-form")
    form.locator("select[name=outcome]").select_option("reached")
    form.locator("input[name=score]").fill("9")
    form.locator("select[name=solved]").select_option("yes")
    form.locator("button[type=submit]").click()
    expect(agent.locator("[data-testid=state]")).to_have_attribute("data-state", "closed")

    dealer.reload()
    expect(state).to_have_attribute("data-state", "closed")
    with tenant_context(hotline):
        closed = WorkOrder.objects.get(number=number)
        assert closed.closed_unverified is False
        assert list(closed.callbacks.order_by("at").values_list("party", "solved")) == [
            ("dealer", False),
            ("dealer", True),
            ("hotline", True),
        ]
