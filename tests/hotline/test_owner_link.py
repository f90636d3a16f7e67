"""The owner's signed link: the score request carries it; the page behind it needs no sign-in,
shows only the owner's own complaint, its progress and the dealer, takes the answer once,
and gives a hostile, expired or foreign link the same plain page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from hotline.events import EventKind
from hotline.models import CallbackAttempt, OwnerSms, WorkOrder
from hotline.services.callbacks import work_orders_close_unverified
from hotline.services.owner_link import owner_link_token

from ..conftest import client_for, conclusion, host_of
from .test_sms_replies import score_requested  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def link_path(hotline) -> str:
    """The path of the link in the text the owner received."""
    with tenant_context(hotline):
        text = OwnerSms.objects.get(kind="score_request").text
    match = re.search(r"https?://([^/\s]+)(/o/[^/\s]+/)", text)
    assert match, text
    assert match[1].split(":")[0] == host_of(hotline).split(":")[0]
    return match[2]


def answer(**changes: str) -> dict[str, str]:
    return {"score": "9", "solved": "yes", "comment": "谢谢，处理得很及时", **changes}


def test_the_owner_answers_online_once_and_nothing_closes(score_requested, hotline):  # noqa: F811
    path = link_path(hotline)
    owner = client_for(hotline)  # nobody signed in
    page = owner.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="owner-answer-form"' in html
    assert score_requested.complaint in html
    assert score_requested.dealer_name in html
    for private in ("13802561234", score_requested.owner.name, score_requested.number, "粤A3K8M2"):
        assert private not in html  # no more than the complaint, its progress and the dealer

    refused = owner.post(path, answer(solved="", score="11"))
    assert refused.status_code == 400
    assert 'id="id_solved_error"' in refused.content.decode()
    assert 'id="id_score_error"' in refused.content.decode()
    with tenant_context(hotline):
        assert not CallbackAttempt.objects.filter(party="owner_online").exists()

    done = owner.post(path, answer(**{"answers.diagnosis": "8", "answers.work_explained": "partly"}))
    assert done.status_code == 302
    thanks = owner.get(path)
    assert 'data-testid="owner-thanks"' in thanks.content.decode()
    assert owner.post(path, answer(score="1")).status_code == 200  # answered: thanks, nothing more

    with tenant_context(hotline):
        wo = WorkOrder.objects.get(pk=score_requested.pk)
        attempt = wo.callbacks.get(party="owner_online")
        event = wo.events.filter(kind=EventKind.CALLBACK_RECORDED).last()
        answers = {a.item.code: a.value for a in attempt.answers.select_related("item")}
    assert (wo.state, wo.satisfaction) == ("resolved", 9)
    assert (attempt.outcome, attempt.solved, attempt.method, attempt.note) == (
        "reached",
        True,
        "online",
        "谢谢，处理得很及时",
    )
    assert answers == {"overall": 9, "diagnosis": 8, "work_explained": "partly"}
    assert event.data["party"] == "owner_online"

    connection.set_schema_to_public()
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)), tenant_context(hotline):
        work_orders_close_unverified()
        assert WorkOrder.objects.get(pk=score_requested.pk).closed_unverified is True


def test_an_owner_who_says_not_fixed_online_is_never_closed_by_the_timeout(
    score_requested,  # noqa: F811
    hotline,
):
    path = link_path(hotline)
    assert client_for(hotline).post(path, answer(solved="no", score="3")).status_code == 302
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)), tenant_context(hotline):
        work_orders_close_unverified()
        assert WorkOrder.objects.get(pk=score_requested.pk).state == "resolved"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p[:-3] + "x/",  # signature tampered
        lambda p: "/o/" + "A" * 500 + "/",
        lambda p: "/o/%E4%BD%A0%E5%A5%BD/",
        lambda p: "/o/..%2F..%2Fetc%2Fpasswd/",
        lambda p: "/o/1.1:1:abc/",
        lambda p: "/o/%00/",
    ],
)
def test_a_hostile_link_gets_the_plain_page(score_requested, hotline, mangle):  # noqa: F811
    response = client_for(hotline).get(mangle(link_path(hotline)))
    # The plain page (or, with a "/" inside, no page at all); a NUL byte in an address is refused
    # as bad input before any page is looked up.
    assert response.status_code in (400, 404)
    html = response.content.decode()
    assert score_requested.complaint not in html
    assert score_requested.dealer_name not in html


def test_a_tampered_link_gets_the_plain_page_saying_nothing(score_requested, hotline):  # noqa: F811
    response = client_for(hotline).post(link_path(hotline)[:-3] + "x/", answer())
    assert response.status_code == 404
    assert 'data-testid="owner-link-unavailable"' in response.content.decode()
    with tenant_context(hotline):
        assert not CallbackAttempt.objects.filter(party="owner_online").exists()


def test_an_expired_a_foreign_or_a_finished_link_reveals_nothing(
    score_requested,  # noqa: F811
    hotline,
    other_manufacturer,
    agent,
):
    path = link_path(hotline)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        expired = client_for(hotline).get(path)
    assert expired.status_code == 404
    assert score_requested.complaint not in expired.content.decode()

    foreign = client_for(other_manufacturer.hotline).get(path)  # the same token on another hotline
    assert foreign.status_code == 404

    from hotline.services import decisions

    with tenant_context(hotline):
        decisions.callback_record(
            work_order_id=score_requested.pk, actor=agent, outcome="reached", score=8, solved=True
        )
    finished = client_for(hotline).get(path)
    assert (finished.status_code, score_requested.complaint in finished.content.decode()) == (404, False)


def test_a_link_from_an_earlier_resolution_does_not_answer_the_next(
    score_requested,  # noqa: F811
    hotline,
    junda_gateway,
    dealer_actor,
):
    with tenant_context(hotline):
        wo = WorkOrder.objects.get(pk=score_requested.pk)
        old = owner_link_token(wo)
    # The dealer's callback finds the fault not fixed; it withdraws and resolves again.
    from config.actor import Actor

    specialist = Actor(
        user_id=202, name="周玉", tenant_id=junda_gateway.dealer.pk, role="callback_specialist"
    )
    values = {"at": None, "method": "phone", "outcome": "reached", "note": ""}
    junda_gateway.act("callback", "HQ", wo.number, actor=specialist, score=3, solved=False, **values)
    junda_gateway.act("withdraw", "HQ", wo.number, actor=dealer_actor, reason="再修")
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=2)):
        junda_gateway.act(
            "resolve",
            "HQ",
            wo.number,
            actor=dealer_actor,
            result_summary="再次更换",
            owner_acceptance="accepted",
            **conclusion(),
        )
    assert client_for(hotline).get(f"/o/{old}/").status_code == 404


def test_one_address_trying_link_after_link_is_slowed_down(score_requested, hotline, settings):  # noqa: F811
    settings.OWNER_LINK_RATE_PER_IP = "3/m"
    path = link_path(hotline)
    owner = client_for(hotline)
    guesses = [owner.get(path[:-3] + f"{n}x/") for n in range(3)]
    assert [g.status_code for g in guesses] == [404, 404, 404]
    slowed = owner.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")  # even the right link, for a minute
    assert slowed.status_code == 429
    assert slowed["Retry-After"] == "60"
    html = slowed.content.decode()
    assert "请稍等一分钟" in html
    assert score_requested.complaint not in html
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert owner.get(path).status_code == 200
