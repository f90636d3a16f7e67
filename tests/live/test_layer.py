"""A socket's channel queue (``live.layer.Mailbox``): what is put in comes out once, in order."""

from __future__ import annotations

import asyncio

from live.layer import Mailbox


def test_messages_come_out_in_the_order_they_went_in_whether_the_reader_waits_or_not():
    async def scenario() -> list[str]:
        mailbox = Mailbox()
        mailbox.put_nowait("a")
        mailbox.put_nowait("b")
        got = [await mailbox.get(), await mailbox.get()]
        reader = asyncio.ensure_future(mailbox.get())
        await asyncio.sleep(0)
        mailbox.put_nowait("c")
        mailbox.put_nowait("d")
        got += [await reader, await mailbox.get()]
        assert mailbox.empty()
        assert mailbox.qsize() == 0
        return got

    assert asyncio.run(scenario()) == ["a", "b", "c", "d"]


def test_a_reader_cancelled_after_it_was_woken_leaves_the_message_to_the_next_reader():
    async def scenario() -> list[str]:
        mailbox = Mailbox()
        first = asyncio.ensure_future(mailbox.get())
        second = asyncio.ensure_future(mailbox.get())
        await asyncio.sleep(0)
        mailbox.put_nowait("only")  # wakes the first reader
        first.cancel()
        return [await second]

    assert asyncio.run(scenario()) == ["only"]


def test_a_reader_cancelled_while_waiting_takes_nothing():
    async def scenario() -> list[str]:
        mailbox = Mailbox()
        waiting = asyncio.ensure_future(mailbox.get())
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.sleep(0)
        mailbox.put_nowait("kept")
        return [mailbox.qsize(), await mailbox.get()]

    assert asyncio.run(scenario()) == [1, "kept"]
