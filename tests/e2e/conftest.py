"""Browser tests: headless Chromium (Debian's) against the real ASGI app and the event relay.

The app runs under uvicorn in a thread on a free port, against the test database
(committed data, so the server's threads see it); the relay and a Celery worker
run in other threads, so events really flow from the services to the browsers
over /ws/live/ and notifications are filed as in production.
Chromium resolves every host to 127.0.0.1, so the real tenant host names work.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# axe-core (npm, MPL-2.0), vendored for the accessibility check of the browser tests only.
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = (1440, 900), (390, 844)


def serious_violations(page) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now (WCAG 2.1 A and AA)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: "tag",
             values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})).violations
             .filter(v => v.impact === "serious" || v.impact === "critical")
             .map(v => v.id + ": " + v.help + " — "
                  + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""
    )
    return list(found)


def overflows(page) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _chromium() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.fail(
            f"Chromium was not found at {CHROMIUM}: the browser tests need it. Install it "
            "(apt-get install -y chromium; `python3 dev.py test` does this when run as root) "
            "or set CHROMIUM_PATH.",
            pytrace=False,
        )
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(committed_tenants, redis_worker) -> Iterator[int]:
    """The product's ASGI app (HTTP and WebSocket) under uvicorn, plus the relay and a Celery worker
    (notifications, deliveries and texts); yields the port."""
    import uvicorn
    from django.db import connections

    from config.asgi import application, django_asgi_app
    from live.relay import relay_everywhere

    port = _free_port()
    uv = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    web = threading.Thread(target=uv.run, daemon=True)
    web.start()
    stop = threading.Event()

    def relay() -> None:
        try:
            while not stop.is_set():
                relay_everywhere()
                stop.wait(0.2)
        finally:
            connections.close_all()

    relayer = threading.Thread(target=relay, daemon=True)
    relayer.start()
    for _attempt in range(100):
        if uv.started:
            break
        time.sleep(0.05)
    yield port
    stop.set()
    uv.should_exit = True
    relayer.join(10)
    web.join(10)
    django_asgi_app.release_threads()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per test module; its event loop ends with the module, before other tests run."""
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions: a loaded machine must not fail a live update.
    expect.set_options(timeout=15000)

    executable = _chromium()
    # Playwright's synchronous API keeps an event loop in the test's thread; the test's own ORM
    # calls (setting up data, the parts centre's steps) are ordinary synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launched(sync_playwright, executable)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launched(sync_playwright, executable: str) -> Iterator:
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--host-resolver-rules=MAP * 127.0.0.1",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def new_context(browser, server):
    """A fresh browser (its own cookies) in the given language; closed after the test."""
    contexts = []

    def make(locale: str = "zh-CN", viewport: tuple[int, int] = (1366, 900), **options):
        width, height = viewport
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def signed_in(new_context, base: str, username: str, locale: str = "zh-CN", viewport=(1366, 900), **options):
    """A page signed in as a person would; where the role needs a second factor, with one of the
    person's recovery codes."""
    from django.contrib.auth import get_user_model

    from tenants.services.mfa import recovery_codes_new

    page = new_context(locale, viewport, **options).new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".login button[type=submit]")
    page.wait_for_url(lambda url: not url.split("?")[0].endswith("/login/"))
    if "/login/verify/" in page.url:
        user = get_user_model().objects.get(username=username)
        page.fill("#id_code", recovery_codes_new(request=None, user=user)[0])
        page.click(".login button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def shoot(page, name: str) -> None:
    """Keep a screenshot of a main page for the README (UPDATE_SCREENSHOTS=1; else the page is just drawn)."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        page.screenshot(full_page=True)  # the page still renders completely
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def fill_conclusion(page, form: str = "[data-testid=resolve-form]") -> None:
    """The resolve form's conclusion, as a dealer fills it: valid, parts supply, the root cause,
    an apology by the service manager, a corrective action due in a month."""
    import datetime as dt

    from django.utils import timezone

    page.select_option(f"{form} select[name=validity]", "valid")
    page.select_option(f"{form} select[name=responsibility]", "parts_supply")
    page.select_option(f"{form} select[name=root_cause]", "parts-not-stocked")
    page.check(f"{form} input[name=remedy_types][value=apology]")
    page.select_option(f"{form} select[name=apologised_by]", "service_manager")
    page.fill(f"{form} textarea[name=corrective_action]", "常用灯具保持安全库存")
    page.fill(f"{form} input[name=corrective_owner]", "配件经理")
    page.fill(
        f"{form} input[name=corrective_due]", (timezone.now() + dt.timedelta(days=30)).date().isoformat()
    )
