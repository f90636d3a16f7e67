"""Forms finished in one pass: every error at once, a summary at the top, honest defaults."""

from __future__ import annotations

import pytest

from hotline.views.forms import ExtensionDecisionForm, TransferDecisionForm

from ..conftest import intake_post, numbers

pytestmark = pytest.mark.django_db


def test_intake_says_every_error_at_once_with_a_summary_linking_to_each_field(agent_client, hotline):
    response = agent_client.post(
        "/work-orders/new/",
        intake_post(owner_name="", vehicle_vin="LHKS5A2B0RG10023I", vehicle_model=""),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    summary = body.split('data-testid="error-summary"', 1)[1].split("</div>", 1)[0]

    assert response.status_code == 400
    assert 'href="#id_owner_name"' in summary  # the form's own error ...
    assert 'href="#id_vehicle_vin"' in summary  # ... and the service's, in the same answer
    assert 'href="#id_vehicle_model"' in summary
    assert numbers(hotline) == []


def test_required_fields_are_marked_and_the_model_says_when_it_is_needed(agent_client):
    body = agent_client.get("/work-orders/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    owner_name = body.split('for="id_owner_name"', 1)[1].split("</label>", 1)[0]
    model = body.split('for="id_vehicle_model"', 1)[1].split("</div>", 1)[0]

    assert 'class="required"' in owner_name
    assert 'data-required-with="vehicle_vin"' in model
    assert "Required when a VIN is given." in model


def test_a_supervisors_decision_is_not_preselected():
    transfer = TransferDecisionForm(prefix="t", network=[])
    extension = ExtensionDecisionForm(prefix="x")

    assert transfer["approve"].value() in (None, "")
    assert extension["grant"].value() in (None, "")
    assert 'value="" selected' in str(transfer["approve"]) or "selected" not in str(transfer["approve"])
    assert not ExtensionDecisionForm({"x-request": "1", "x-reason": "ok"}, prefix="x").is_valid()
