"""A person's language follows them: the top bar's switch is kept on the account, e-mails and the
daily digest are written in it, and signing in on another device starts in it."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context

from dealers.digest import DIGEST_KIND
from dealers.models import DailyDigest
from dealers.tasks import digest_sweep
from notifications.services import notification_preference_set
from tenants.models import Role, User

from ..conftest import PASSWORD, client_for, host_of, person
from ..dealers.test_digest import MONDAY_10, TUESDAY_0805, record

pytestmark = pytest.mark.django_db


def test_switching_the_language_keeps_it_on_the_account_and_nonsense_changes_nothing(network):
    crm = person("junda.crm", network["junda"], Role.DEALER_CRM_MANAGER)
    page = client_for(network["junda"], crm)

    assert page.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    crm.refresh_from_db()
    assert crm.preferred_language == "en"
    assert '<html lang="en"' in page.get("/work-orders/").content.decode()

    answer = page.post("/i18n/setlang/", {"language": "xx-evil", "next": "/"})
    assert answer.status_code == 302  # back to the page, nothing chosen
    crm.refresh_from_db()
    assert crm.preferred_language == "en"


def test_an_anonymous_switch_on_the_sign_in_page_saves_nothing(network):
    page = Client(HTTP_HOST=host_of(network["junda"]))
    assert page.post("/i18n/setlang/", {"language": "en", "next": "/login/"}).status_code == 302
    assert not User.objects.exclude(preferred_language="").exists()


def test_signing_in_on_a_new_device_starts_in_the_accounts_language(hotline, hotline_agent):
    hotline_agent.preferred_language = "en"
    hotline_agent.save()
    fresh = Client(HTTP_HOST=host_of(hotline))
    assert (
        fresh.post("/login/", {"username": hotline_agent.username, "password": PASSWORD}).status_code == 302
    )
    assert fresh.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en"' in fresh.get("/work-orders/").content.decode()


def test_a_language_chosen_on_the_device_before_signing_in_becomes_the_accounts(hotline, hotline_agent):
    fresh = Client(HTTP_HOST=host_of(hotline))
    fresh.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert (
        fresh.post("/login/", {"username": hotline_agent.username, "password": PASSWORD}).status_code == 302
    )
    hotline_agent.refresh_from_db()
    assert hotline_agent.preferred_language == "en"


def test_each_general_manager_gets_the_digest_in_their_own_language(manufacturer, hotline, network):
    junda = network["junda"]
    managers = {}
    for username, language in (("junda.gm", "en"), ("junda.gm2", "")):
        user = person(username, junda, Role.GENERAL_MANAGER)
        user.email, user.preferred_language = f"{username}@junda.example", language
        user.save()
        with tenant_context(junda):
            notification_preference_set(user_id=user.pk, kind=DIGEST_KIND, in_app=False, email=True)
        managers[username] = user
    record(manufacturer, hotline, junda, MONDAY_10)

    with time_machine.travel(TUESDAY_0805, tick=False):
        digest_sweep()
    with tenant_context(junda):
        subjects = dict(DailyDigest.objects.values_list("user_id", "subject"))
    assert subjects[managers["junda.gm"].pk].endswith("1 new complaints on 2027-03-01")
    assert "2027-03-01" in subjects[managers["junda.gm2"].pk]
    assert "new complaints" not in subjects[managers["junda.gm2"].pk]  # the deployment's Chinese
