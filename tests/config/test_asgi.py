"""HTTP under ASGI: a request's middleware and view run in one thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.signals import request_finished, request_started

from config.asgi import OneTripASGIHandler

from ..conftest import host_of, http_scope, wait_for
from . import asgi_urls


@pytest.fixture
def handler(settings, hotline):
    types = copy.deepcopy(settings.TENANT_TYPES)
    types["hotline"]["URLCONF"] = "tests.config.asgi_urls"
    settings.TENANT_TYPES = types
    return OneTripASGIHandler()


@pytest.fixture(autouse=True)
def _views_reset():
    for event in (asgi_urls.view_began, asgi_urls.client_gone):
        event.clear()
    for seen in (asgi_urls.slow_views, asgi_urls.slow_ends, asgi_urls.held, asgi_urls._Closable.closed):
        seen.clear()


def a_client_leaving():
    """A client's ``receive``: the request, then, once the view has begun, the client hangs up
    (the view ends a moment later)."""
    asked: list[bool] = []

    async def receive() -> dict:
        if not asked:
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        assert await asyncio.to_thread(asgi_urls.view_began.wait, 10)
        asyncio.get_running_loop().call_later(0.3, asgi_urls.client_gone.set)
        receive.hung_up.set()
        return {"type": "http.disconnect"}

    receive.hung_up = asyncio.Event()  # set as the client hangs up
    return receive


@contextlib.contextmanager
def receiving(signal, receiver):
    """``receiver`` connected to ``signal`` for the block."""
    signal.connect(receiver)
    try:
        yield
    finally:
        signal.disconnect(receiver)


async def serve(
    app, host: str, path: str, headers: list | None = None, sent: list[dict] | None = None
) -> tuple[int, bytes]:
    """The status and body ``path`` is answered with; each message sent is also left in ``sent``."""
    sent = [] if sent is None else sent
    asked: list[bool] = []

    async def receive() -> dict:
        if asked:  # the client waits for the answer
            await asyncio.Event().wait()
        asked.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = http_scope(host, path, headers=headers)
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def get(app, host: str, path: str, headers: list | None = None) -> tuple[int, dict]:
    status, body = await serve(app, host, path, headers)
    return status, json.loads(body) if body else {}


def test_a_request_starts_and_runs_its_view_in_the_same_thread(committed_tenants, hotline, handler):
    # Django closes worn-out database connections when a request starts; that must happen in
    # the thread whose connection the view then uses.
    def note(sender, scope=None, **kwargs) -> None:
        note.thread = threading.get_ident()

    with receiving(request_started, note):
        status, body = asyncio.run(get(handler, host_of(hotline), "/thread/"))

    assert status == 200
    assert body["view"] == note.thread
    assert body["view"] != threading.get_ident()  # not the event loop's thread


class _Trips(ThreadPoolExecutor):
    """A request thread that counts the times work is handed to it."""

    def __init__(self) -> None:
        super().__init__(1, "request")
        self.trips = 0

    def submit(self, *args, **kwargs):
        self.trips += 1
        return super().submit(*args, **kwargs)


@pytest.fixture
def signals_seen():
    """("started" | "finished", thread) for each request_started and request_finished, in order."""
    seen: list[tuple[str, int]] = []

    def started(sender, **kwargs) -> None:
        seen.append(("started", threading.get_ident()))

    def finished(sender, **kwargs) -> None:
        seen.append(("finished", threading.get_ident()))

    with receiving(request_started, started), receiving(request_finished, finished):
        yield seen


def test_a_request_is_started_answered_and_finished_in_one_trip_to_its_thread(
    committed_tenants, hotline, handler, signals_seen
):
    # Each hand-over to the request's thread and back costs CPU on every request: one, not three.
    handler._idle.append(thread := _Trips())

    status, body = asyncio.run(get(handler, host_of(hotline), "/thread/"))

    assert status == 200
    assert signals_seen == [("started", body["view"]), ("finished", body["view"])]
    assert thread.trips == 1


def test_an_error_answer_is_logged_in_the_same_trip(committed_tenants, hotline, handler, caplog):
    handler._idle.append(thread := _Trips())

    with caplog.at_level(logging.WARNING, logger="django.request"):
        status, _ = asyncio.run(serve(handler, host_of(hotline), "/nowhere/"))

    assert status == 404
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == ["Not Found: /nowhere/"]
    assert thread.trips == 1


def test_a_streamed_answer_is_finished_after_its_last_part_is_sent(committed_tenants, hotline, handler):
    sent: list[dict] = []

    def finished(sender, **kwargs) -> None:
        sent.append({"type": "finished"})

    with receiving(request_finished, finished):
        status, body = asyncio.run(serve(handler, host_of(hotline), "/streamed/", sent=sent))

    assert (status, body) == (200, b"one,two,three")
    assert [m["type"] for m in sent] == ["http.response.start", *["http.response.body"] * 4, "finished"]


@pytest.mark.parametrize("path", ["/slow/", "/slow-streamed/"])
def test_a_client_gone_before_its_answer_gets_none_and_the_request_finishes_once(
    committed_tenants, hotline, handler, signals_seen, path
):
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(handler(http_scope(host_of(hotline), path), a_client_leaving(), send))

    assert sent == []
    [view] = asgi_urls.slow_views
    # Its database connection is given back in its own thread, once, when the view is done with it.
    assert signals_seen == [("started", view), ("finished", view)]
    if path == "/slow-streamed/":  # what it would have streamed is closed, as after sending it
        assert asgi_urls._Closable.closed == [True]


def test_an_answer_goes_out_even_when_finishing_its_request_fails(
    committed_tenants, hotline, handler, caplog
):
    def failing(sender, **kwargs) -> None:
        raise RuntimeError("the pool refused the connection back")

    with receiving(request_finished, failing):
        status, body = asyncio.run(get(handler, host_of(hotline), "/thread/"))

    assert status == 200
    assert "view" in body
    assert any("the pool refused" in r.exc_text for r in caplog.records if r.exc_text)


@pytest.mark.parametrize("path", ["/hold/", "/hold-streamed/"])
def test_a_process_works_on_no_more_requests_at_once_than_it_is_set_to(
    committed_tenants, hotline, handler, settings, path
):
    # A synchronous stream is made within the request's place too, not after it.
    settings.WEB_REQUESTS_AT_ONCE = 1
    host = host_of(hotline)

    async def three() -> list:
        return await asyncio.gather(*(serve(handler, host, path) for _ in range(3)))

    answers = asyncio.run(three())

    assert [status for status, _ in answers] == [200, 200, 200]  # each waited its turn
    first, second, third = sorted(asgi_urls.held)
    assert first[1] <= second[0]  # one after the other
    assert second[1] <= third[0]


def test_a_request_whose_client_went_away_keeps_its_place_until_its_view_is_done(
    committed_tenants, hotline, handler, settings
):
    settings.WEB_REQUESTS_AT_ONCE = 1
    host = host_of(hotline)

    async def ignored(message: dict) -> None:
        pass

    async def one_leaves_then_another_comes() -> int:
        leaving = a_client_leaving()
        gone = asyncio.create_task(handler(http_scope(host, "/slow/"), leaving, ignored))
        await leaving.hung_up.wait()
        await asyncio.sleep(0.05)  # the server has seen it go; its view is still at work
        status, _ = await get(handler, host, "/hold/")
        await gone
        return status

    assert asyncio.run(one_leaves_then_another_comes()) == 200
    [slow_ended] = asgi_urls.slow_ends
    [(hold_began, _)] = asgi_urls.held
    assert hold_began >= slow_ended  # its turn came once the first thread was done


def test_a_client_gone_while_waiting_for_a_turn_costs_its_thread_nothing(
    committed_tenants, hotline, handler, settings, signals_seen
):
    settings.WEB_REQUESTS_AT_ONCE = 1
    host = host_of(hotline)

    async def receive() -> dict:
        if not receive.asked:
            receive.asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(0.2)  # it waits for its turn a moment, then hangs up
        return {"type": "http.disconnect"}

    receive.asked = False

    async def ignored(message: dict) -> None:
        pass

    async def one_waits_and_leaves() -> None:
        held = asyncio.create_task(get(handler, host, "/slow/"))
        assert await asyncio.to_thread(asgi_urls.view_began.wait, 10)
        handler._idle.append(thread := _Trips())  # the thread the waiting request is given
        await handler(http_scope(host, "/thread/"), receive, ignored)
        asgi_urls.client_gone.set()
        await held
        return thread

    thread = asyncio.run(one_waits_and_leaves())

    assert thread.trips == 0
    assert [kind for kind, _ in signals_seen] == ["started", "finished"]  # the slow request's alone


def test_the_probes_never_wait_for_a_turn(committed_tenants, hotline, handler, settings):
    settings.WEB_REQUESTS_AT_ONCE = 1
    host = host_of(hotline)

    async def probe_while_a_request_holds_the_place() -> tuple:
        held = asyncio.create_task(get(handler, host, "/slow/"))
        assert await asyncio.to_thread(asgi_urls.view_began.wait, 10)
        probed = await asyncio.wait_for(get(handler, "10.0.0.7:8000", "/healthz"), timeout=5)
        asgi_urls.client_gone.set()  # the slow view may end now
        return probed, await held

    (probe, _), (status, _) = asyncio.run(probe_while_a_request_holds_the_place())

    assert (probe, status) == (200, 200)


def test_a_request_that_finds_no_turn_in_time_is_told_to_come_back_and_the_turn_is_kept(
    committed_tenants, hotline, handler, settings, caplog
):
    settings.WEB_REQUESTS_AT_ONCE, settings.WEB_REQUEST_WAIT = 1, 0.3
    host = host_of(hotline)

    async def two_turned_away_while_a_slow_request_holds_the_place() -> tuple:
        held = asyncio.create_task(get(handler, host, "/slow/"))
        assert await asyncio.to_thread(asgi_urls.view_began.wait, 10)
        api, page = [], []
        await serve(handler, host, "/api/v1/work-orders/", [(b"accept-language", b"zh-hans")], sent=api)
        await serve(handler, host, "/thread/", sent=page)
        still_at_work = not asgi_urls.slow_ends
        asgi_urls.client_gone.set()  # the slow view may end now
        return api, page, still_at_work, await held, await get(handler, host, "/thread/")

    def note(sender, scope=None, **kwargs) -> None:
        started.append(scope["path"])

    started: list[str] = []
    with caplog.at_level(logging.WARNING, logger="config.asgi"), receiving(request_started, note):
        api, page, still_at_work, (status, _), (after, _) = asyncio.run(
            two_turned_away_while_a_slow_request_holds_the_place()
        )

    assert still_at_work  # both answered while the place was taken, not after it
    for sent in (api, page):
        assert sent[0]["status"] == 503
        headers = {name.lower(): value for name, value in sent[0]["headers"]}
        assert (headers[b"retry-after"], headers[b"cache-control"]) == (b"5", b"no-store")
        assert (headers[b"x-frame-options"], headers[b"x-content-type-options"]) == (b"DENY", b"nosniff")
        assert b"default-src 'none'" in headers[b"content-security-policy"]
    problem = json.loads(b"".join(m.get("body", b"") for m in api[1:]))
    assert dict(api[0]["headers"])[b"Content-Type"] == b"application/problem+json"
    assert (problem["status"], problem["type"].rsplit("/", 1)[1]) == (503, "busy")
    # In the client's language, and not the database's 503 ("reconnecting").
    assert problem["title"] == problem["detail"] == "此刻请求太多，请几秒后重试。"
    assert started == ["/slow/", "/thread/"]  # the two turned away never reached a thread
    assert "请求太多" in b"".join(m.get("body", b"") for m in page[1:]).decode()
    assert (status, after) == (200, 200)  # the slow request kept its place; the next one got it
    assert [r.getMessage() for r in caplog.records if "turn" in r.getMessage()] == [
        "GET /api/v1/work-orders/ waited 0.3 s for a turn and was answered 503",
        "GET /thread/ waited 0.3 s for a turn and was answered 503",
    ]


def test_two_requests_in_flight_are_served_side_by_side(committed_tenants, hotline, handler):
    asgi_urls.meeting.reset()
    host = host_of(hotline)

    async def both() -> list:
        return await asyncio.gather(get(handler, host, "/meet/"), get(handler, host, "/meet/"))

    (first, one), (second, other) = asyncio.run(both())

    # Each view waited for the other: served one after the other, both would have timed out.
    assert (first, second) == (200, 200)
    assert one["view"] != other["view"]


def test_a_finished_requests_thread_serves_the_next_with_nothing_of_the_first(
    committed_tenants, hotline, handler
):
    # No thread is started for each request; but the language a request is answered in is its
    # own, whatever the thread served before.
    host = host_of(hotline)

    async def one_after_the_other() -> list:
        return [
            await get(handler, host, "/state/", [(b"accept-language", b"en")]),
            await get(handler, host, "/state/", [(b"accept-language", b"zh-hans")]),
        ]

    (first, one), (second, other) = asyncio.run(one_after_the_other())

    assert (first, second) == (200, 200)
    assert one["thread"] == other["thread"]
    assert (one["language"], other["language"]) == ("en", "zh-hans")


def test_released_request_threads_leave_no_database_session_open(committed_tenants):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    def open_session() -> int:
        with connections["default"].cursor() as cursor:  # the thread's own connection, left open
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    handler = OneTripASGIHandler()
    executor = ThreadPoolExecutor(1, "request")
    pid = executor.submit(open_session).result()
    handler._idle.append(executor)  # as a finished request leaves its thread

    handler.release_threads()

    def session_gone() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0] == 0

    # The server process ends a moment after its client hangs up: on a busy machine, not at once.
    assert wait_for(session_gone, seconds=10)
    assert handler._idle == []
