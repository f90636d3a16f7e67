"""Sign-in that cannot be bypassed: limits on the normalised account and the real source,
back-off a stranger cannot turn against the owner, a second factor where the role needs one,
strong passwords, sessions that end, and an audit log the administrators read."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.models import AuthEvent, Role
from tenants.services.provisioning import user_create

from ..conftest import PASSWORD, client_for, host_of, person

pytestmark = pytest.mark.django_db
WRONG = "Not-the-password-1"


def attempt(tenant, username: str, password: str, address: str = "203.0.113.7", client: Client | None = None):
    client = client or Client(HTTP_HOST=host_of(tenant))
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_lookalike_user_name_counts_against_the_same_account(hotline, hotline_agent):
    """NFKC and case folding: ａｇｅｎｔ and AGENT are the agent to the counters, as to sign-in."""
    for _ in range(5):
        attempt(hotline, "agent", WRONG)
    lookalike = attempt(hotline, "ａｇｅｎｔ", PASSWORD)
    shouting = attempt(hotline, "AGENT", PASSWORD)

    assert lookalike.status_code == 429
    assert shouting.status_code == 429
    assert "_auth_user_id" not in lookalike.client.session


def test_a_stranger_cannot_lock_the_owner_out(hotline, hotline_agent):
    owner_browser = Client(HTTP_HOST=host_of(hotline))
    assert attempt(hotline, "agent", PASSWORD, "198.51.100.20", owner_browser).status_code == 302
    owner_browser.post("/logout/")

    for _ in range(12):  # from the stranger's network: paused, then paused longer
        attempt(hotline, "agent", WRONG, "203.0.113.7")
    assert attempt(hotline, "agent", PASSWORD, "203.0.113.7").status_code == 429

    # The owner's known device (its cookie) and another network are not affected.
    assert attempt(hotline, "agent", PASSWORD, "203.0.113.7", owner_browser).status_code == 302
    assert attempt(hotline, "agent", PASSWORD, "192.0.2.44").status_code == 302


def test_each_further_failure_doubles_the_wait_and_the_wait_ends(hotline, hotline_agent, settings):
    settings.LOGIN_RATE_PER_USERNAME = "1000/m"  # only the back-off here
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            attempt(hotline, "agent", WRONG)
        first = attempt(hotline, "agent", WRONG)
        clock.shift(31)
        second = attempt(hotline, "agent", WRONG)
        clock.shift(61)
        third = attempt(hotline, "agent", WRONG)
        clock.shift(121)
        signed_in = attempt(hotline, "agent", PASSWORD)

    assert [int(r["Retry-After"]) for r in (first, second, third)] == [30, 60, 120]
    assert signed_in.status_code == 302


def test_a_patient_attacker_rotating_addresses_gets_a_few_guesses_a_day(hotline, hotline_agent, settings):
    settings.LOGIN_NEW_SOURCE_FAILURES_PER_DAY = 10
    owner_browser = Client(HTTP_HOST=host_of(hotline))
    assert attempt(hotline, "agent", PASSWORD, "198.51.100.20", owner_browser).status_code == 302
    owner_browser.post("/logout/")

    for n in range(10):
        attempt(hotline, "agent", WRONG, f"203.0.113.{n + 1}")

    assert attempt(hotline, "agent", PASSWORD, "203.0.113.200").status_code == 429  # even right
    assert attempt(hotline, "agent", PASSWORD, "203.0.113.7", owner_browser).status_code == 302


def test_failures_successes_and_pauses_are_in_the_audit_log_the_administrators_read(
    hotline, hotline_agent, other_manufacturer
):
    for _ in range(5):
        attempt(hotline, "agent", WRONG)
    attempt(hotline, "nobody-here", WRONG)
    attempt(hotline, "agent", PASSWORD, "192.0.2.44")
    attempt(other_manufacturer.hotline, "agent", WRONG)  # on another host: not this hotline's

    kinds = list(AuthEvent.objects.filter(tenant=hotline).values_list("kind", "username", "address"))
    assert kinds.count(("signin.failed", "agent", "203.0.113.7")) == 5
    assert ("signin.locked_out", "agent", "203.0.113.7") in kinds
    assert ("signin.failed", "nobody-here", "203.0.113.7") in kinds
    assert ("signin.succeeded", "agent", "192.0.2.44") in kinds

    admin = client_for(hotline, person("hq.admin", hotline, Role.HOTLINE_ADMIN))
    page = admin.get("/administration/audit/").content.decode()
    assert "nobody-here" in page
    exported = admin.get("/administration/audit/?export=audit&format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert sum(1 for r in rows if r[2] == "agent") >= 7
    assert not any(r[5] == "203.0.113.7" and r[2] == "agent" and "dongyue" in r[6] for r in rows)
    assert len(rows) - 1 == AuthEvent.objects.filter(tenant=hotline).count()
    assert client_for(hotline, hotline_agent).get("/administration/audit/").status_code == 403


def test_supervisors_need_a_second_factor_set_up_on_the_way_in(hotline):
    supervisor = person("sup", hotline, Role.HOTLINE_SUPERVISOR)
    browser = Client(HTTP_HOST=host_of(hotline))

    step = attempt(hotline, "sup", PASSWORD, client=browser)
    assert step["Location"] == "/login/setup/"
    assert browser.get("/work-orders/").status_code == 302  # not signed in yet
    browser.get("/login/setup/")
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True) as clock:
        assert browser.post("/login/setup/", {"code": "000000"}).status_code == 400
        clock.shift(2)  # django-otp also slows down guesses at a device
        done = browser.post("/login/setup/", {"code": f"{totp(device.bin_key):06d}"})

    assert done.status_code == 302
    assert browser.get("/work-orders/").status_code == 200
    assert AuthEvent.objects.filter(user=supervisor, kind="mfa.enabled").exists()
    # Next time the code is asked for; a wrong one fails and is recorded.
    again = Client(HTTP_HOST=host_of(hotline))
    assert attempt(hotline, "sup", PASSWORD, client=again)["Location"] == "/login/verify/"
    assert again.post("/login/verify/", {"code": "123456"}).status_code == 400
    assert again.get("/work-orders/").status_code == 302
    assert AuthEvent.objects.filter(user=supervisor, kind="mfa.failed").exists()


def test_a_session_of_a_supervisor_without_a_second_factor_is_refused(hotline):
    supervisor = person("sup", hotline, Role.HOTLINE_SUPERVISOR)
    browser = Client(HTTP_HOST=host_of(hotline))
    browser.force_login(supervisor)  # a password-only session, as an older one would be

    assert browser.get("/work-orders/").status_code == 302
    assert "_auth_user_id" not in browser.session


def test_agents_may_turn_the_second_factor_on_and_then_it_is_asked(hotline, hotline_agent):
    browser = client_for(hotline, hotline_agent)
    browser.post("/account/two-factor/", {"step": "start"})
    device = TOTPDevice.objects.get(user=hotline_agent, confirmed=False)
    shown = browser.post("/account/two-factor/", {"step": "confirm", "code": f"{totp(device.bin_key):06d}"})
    assert len(shown.context["codes"]) == 10  # recovery codes, shown once

    assert attempt(hotline, "agent", PASSWORD)["Location"] == "/login/verify/"


def test_passwords_are_12_characters_and_not_from_a_breach():
    for weak in ("Short-pass1", "password1234", "P@ssw0rd12345", "qwertyuiop123"):
        with pytest.raises(ValidationError):
            user_create(username="new.person", password=weak)
    assert user_create(username="new.person", password="Huaqi-hotline-2026").pk


def test_a_password_change_is_checked_recorded_and_ends_the_other_sessions(hotline, hotline_agent):
    browser = client_for(hotline, hotline_agent)
    elsewhere = client_for(hotline, hotline_agent)
    weak = browser.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "password1234", "new_password2": "password1234"},
    )
    assert weak.status_code == 400
    new = "Another-long-pass-2026"
    changed = browser.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert changed.status_code == 302
    assert browser.get("/work-orders/").status_code == 200
    assert elsewhere.get("/work-orders/").status_code == 302
    assert AuthEvent.objects.filter(user=hotline_agent, kind="password.changed").count() == 1


def test_an_idle_session_ends_and_so_does_an_old_one(hotline, hotline_agent, settings):
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        idle = client_for(hotline, hotline_agent)
        busy = client_for(hotline, hotline_agent)
        for _ in range(24):  # busy every 29 minutes for 11.6 hours
            clock.shift(29 * 60)
            assert busy.get("/work-orders/").status_code == 200
        assert idle.get("/work-orders/").status_code == 302  # idle for hours
        clock.shift(29 * 60)  # past 12 hours since signing in, though active
        assert busy.get("/work-orders/").status_code == 302
    assert AuthEvent.objects.filter(user=hotline_agent, kind="signin.expired").count() == 2
