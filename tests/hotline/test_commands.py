"""Administrators edit the SLA policy and calendar from the command line too."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django_tenants.utils import tenant_context

from hotline.models import CalendarOverride, CalendarYear, SlaPolicy
from tenants.models import Role

from ..conftest import person

pytestmark = pytest.mark.django_db

POLICY = {
    "note": "首次联系 1 小时",
    "windows": [
        {"kind": "first_contact", "minutes": 60, "warn_before": [15]},
        {"kind": "answer", "minutes": 1440},
        {
            "kind": "completion",
            "minutes": 7200,
            "calendar": "working_days",
            "work_order_type": "parts_shortage",
            "paused_in": ["awaiting_parts"],
        },
        {"kind": "callback", "minutes": 4320},
    ],
}


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("sla_policy", "--manufacturer", "HQ", *args, stdout=out)
    return out.getvalue()


def test_an_administrator_publishes_a_policy_and_sets_holidays(hotline, tmp_path):
    person("hq.admin", hotline, Role.HOTLINE_ADMIN)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY))

    out = run("--as", "hq.admin", "--publish", str(path), "--holiday", "2027-01-01", "--name", "元旦")

    assert "published policy v1" in out
    assert "first_contact" in out
    with tenant_context(hotline):
        assert SlaPolicy.objects.get(version=1).windows.get(kind="first_contact").minutes == 60
        assert CalendarOverride.objects.get(day="2027-01-01").is_working_day is False


def test_an_agent_cannot_change_the_policy(hotline, tmp_path):
    person("hq.agent", hotline, Role.HOTLINE_AGENT)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY))

    with pytest.raises(CommandError, match="Nothing was changed"):
        run("--as", "hq.agent", "--publish", str(path))

    with tenant_context(hotline):
        assert not SlaPolicy.objects.exists()


def test_a_bad_date_is_named(hotline):
    person("hq.admin", hotline, Role.HOTLINE_ADMIN)

    with pytest.raises(CommandError, match="2027-13-01"):
        run("--as", "hq.admin", "--holiday", "2027-13-01")


def test_an_administrator_enters_a_years_published_schedule(hotline):
    person("hq.admin", hotline, Role.HOTLINE_ADMIN)

    with pytest.raises(CommandError, match=r"Nothing was changed.*year"):
        run("--as", "hq.admin", "--enter-year", "2026")  # official already

    out = run("--as", "hq.admin", "--holiday", "2030-02-04", "--name", "春节", "--enter-year", "2030")

    assert "2030: published schedule entered" in out
    with tenant_context(hotline):
        assert CalendarYear.objects.get().entered_by == "hq.admin"
