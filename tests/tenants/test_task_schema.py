"""A task queued for a tenant whose schema is gone (the tenant deleted since) is dropped with a
warning by the worker; it never runs in the public schema."""

from __future__ import annotations

import logging

import pytest
from celery import signals

from notifications.webhooks import SEND_TASK

from ..conftest import wait_for


@pytest.fixture
def outcomes():
    seen: dict[str, list] = {"success": [], "failure": []}

    def succeeded(sender=None, result=None, **kwargs):
        seen["success"].append((sender.name, result))

    def failed(sender=None, exception=None, **kwargs):
        seen["failure"].append((sender.name, exception))

    signals.task_success.connect(succeeded, weak=False)
    signals.task_failure.connect(failed, weak=False)
    yield seen
    signals.task_success.disconnect(succeeded)
    signals.task_failure.disconnect(failed)


def test_a_task_of_a_tenant_that_is_gone_is_dropped_not_run_in_public(redis_worker, outcomes, caplog):
    caplog.set_level(logging.WARNING, logger="config.tasks")
    redis_worker.send_task(SEND_TASK, args=[1], headers={"_schema_name": "gz_gone"})

    # The worker may still be finishing tasks queued by earlier tests; only this task's outcome counts.
    def of_this_task(kind):
        return [outcome for outcome in outcomes[kind] if outcome[0] == SEND_TASK]

    assert wait_for(lambda: of_this_task("success") or of_this_task("failure"))
    assert of_this_task("failure") == []  # it did not run a tenant's query in the public schema
    assert of_this_task("success") == [(SEND_TASK, None)]
    assert "no longer exists" in caplog.text
    assert "gz_gone" in caplog.text
