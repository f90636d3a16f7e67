"""The scheduler's loop: a failing job backs off while the others keep their pace."""

from __future__ import annotations

import threading

from config.management.commands.run_scheduler import scheduler_loop


def test_a_failing_job_backs_off_and_the_healthy_one_keeps_its_pace():
    calls = {"failing": 0, "healthy": 0}

    def failing() -> float | None:
        calls["failing"] += 1
        raise ConnectionError("the mail server is away")

    def healthy() -> float | None:
        calls["healthy"] += 1
        return None

    stopping = threading.Event()
    loop = threading.Thread(
        target=scheduler_loop,
        args=({"failing": failing, "healthy": healthy},),
        kwargs={"idle": 0.05, "stopping": stopping},
    )
    loop.start()
    stopping.wait(1.6)  # back-off 0.1, 0.2, 0.4, 0.8 s: five tries at most
    stopping.set()
    loop.join(5)

    assert not loop.is_alive()
    assert 2 <= calls["failing"] <= 5
    assert calls["healthy"] >= 2 * calls["failing"]
