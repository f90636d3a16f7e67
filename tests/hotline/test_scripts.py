"""The callback script beside every callback form: the manual's by default, published in
versions by the manufacturer's administrators in both languages, shown by both portals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from hotline.models import CallbackScript
from hotline.services.scripts import script_current, script_publish
from tenants.models import Role

from ..conftest import client_for, person
from .test_callbacks import resolve

pytestmark = pytest.mark.django_db

NEW = {
    "opening": "您好，我是{org}的回访专员，请问是{address}吗？",
    "opening_en": "Good morning, {org} calling. Is that {address}?",
    "closing": "谢谢{address}，再见！",
    "closing_en": "",  # the Chinese line is shown to English readers too
    "note": "2027 版",
}


def situation_rows(rows: list[dict[str, str]]) -> dict[str, str]:
    """The situations part of the administration form, as a browser posts it."""
    data = {
        "situations-TOTAL_FORMS": str(len(rows)),
        "situations-INITIAL_FORMS": "0",
        "situations-MIN_NUM_FORMS": "0",
        "situations-MAX_NUM_FORMS": "20",
    }
    for n, row in enumerate(rows):
        data.update({f"situations-{n}-{k}": v for k, v in row.items()})
    return data


def test_the_manuals_script_is_version_one_in_both_languages(hotline, in_hotline):
    script = script_current()
    assert script.version == 1
    assert "{address}" in script.opening
    assert "{org}" in script.opening
    assert "{address}" in script.opening_en
    assert script.opening != script.opening_en  # one Chinese, one English
    assert script.situations.count() == 9
    first = script.situations.first()
    assert first.title_en == "The owner is busy"
    assert first.title != first.title_en


def test_an_administrator_publishes_a_script_that_both_portals_show(
    hotline, network, parts_work_order, dealer_actor, junda_gateway
):
    connection.set_schema_to_public()
    admin = client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))
    page = admin.get("/administration/scripts/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Mr 王" in page.content.decode()  # the preview addresses an example owner

    posted = admin.post(
        "/administration/scripts/",
        {
            **NEW,
            **situation_rows(
                [
                    {
                        "title": "车主要求补偿",
                        "title_en": "The owner asks for compensation",
                        "say": "记录诉求，转服务经理。",
                    },
                    {"title": "车主在开车", "say": "请车主先注意安全，约定回电时间。", "never": "继续提问。"},
                    {"title": "", "say": "", "DELETE": "on"},  # a row struck out is not a situation
                ]
            ),
        },
    )
    assert posted.status_code == 302, (posted.context["form"].errors, posted.context["formset"].errors)
    with tenant_context(hotline):
        current = script_current()
        assert current.version == 2
        assert [s.title for s in current.situations.all()] == ["车主要求补偿", "车主在开车"]
        assert CallbackScript.objects.filter(version=1).exists()  # the manual's is kept

    with tenant_context(network["junda"]):
        resolve(junda_gateway, dealer_actor, parts_work_order.number)
    connection.set_schema_to_public()
    dealer = client_for(network["junda"], person("junda.hfy", network["junda"], Role.CALLBACK_SPECIALIST))
    url = f"/work-orders/HQ/{parts_work_order.number}/"
    zh = dealer.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "请问是王先生吗？" in zh
    assert "车主在开车" in zh
    assert "继续提问。" in zh
    en = dealer.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Is that Mr 王?" in en
    assert "The owner asks for compensation" in en
    assert "谢谢王先生，再见！" in en  # no English closing: the Chinese one

    agent = client_for(hotline, person("hq.agent", hotline, Role.HOTLINE_AGENT))
    hotline_page = agent.get(f"/work-orders/{parts_work_order.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请问是王先生吗？" in hotline_page.content.decode()


def test_bad_input_names_the_field_and_publishes_nothing(hotline, admin, in_hotline):
    script_current()
    with pytest.raises(ValidationError) as refused:
        script_publish(
            actor=admin,
            opening="您好，请问是{name}吗？",
            closing="再见{address",
            situations=[{"title": "车主生气", "say": ""}, "x"],
        )
    errors = refused.value.message_dict
    assert "{name}" in errors["opening"][0]
    assert "closing" in errors
    assert "situations[1].say" in errors
    assert "situations[2]" in errors
    assert CallbackScript.objects.count() == 1


def test_the_portal_shows_the_errors_on_their_fields_in_chinese(hotline):
    admin = client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))
    response = admin.post(
        "/administration/scripts/",
        {**NEW, **situation_rows([{"title": "车主生气", "say": ""}])},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["say"] == ["此项为必填项。"]
    response = admin.post(
        "/administration/scripts/",
        {**NEW, "opening": "您好{name}", **situation_rows([{"title": "车主生气", "say": "先道歉"}])},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "{name}" in response.context["form"].errors["opening"][0]
    assert "占位符" in response.context["form"].errors["opening"][0]
    with tenant_context(hotline):
        assert CallbackScript.objects.count() == 1


def test_only_administrators_publish(hotline, supervisor, in_hotline):
    with pytest.raises(PermissionDenied):
        script_publish(actor=supervisor, opening="您好", closing="再见", situations=[])
    assert CallbackScript.objects.count() == 0


def test_each_manufacturer_has_its_own_script(hotline, other_manufacturer, admin, in_hotline):
    script_publish(actor=admin, opening="华骐回访：{address}", closing="再见", situations=[])
    connection.set_schema_to_public()
    with tenant_context(other_manufacturer.hotline):
        assert script_current().version == 1
        assert "华骐回访" not in script_current().opening
