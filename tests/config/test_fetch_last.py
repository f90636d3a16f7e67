"""A transaction's last statement and its COMMIT go together; a failure of either leaves nothing
written and the connection ready for the next request."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django_tenants.utils import tenant_context
from psycopg.pq import TransactionStatus

from config.rows import fetch_last
from hotline.models import Owner, PartLine

IDLE = TransactionStatus.IDLE  # the session holds no transaction open


def _owner(name: str) -> None:
    Owner.objects.create(name=name, mobile="13800000000", city="广州")


def _owner_then_last(name: str, sql: str, params: list) -> None:
    with transaction.atomic():
        _owner(name)
        fetch_last(sql, params)


def test_the_last_statement_commits_with_it(committed_tenants, hotline):
    with tenant_context(hotline):
        with transaction.atomic():
            _owner("先写的车主")
            (answer,) = fetch_last("SELECT %s::int + 1", [41])
            # Committed already, before the block is left: the session holds no transaction open.
            assert connection.connection.info.transaction_status == IDLE
        assert answer == 42
        assert Owner.objects.filter(name="先写的车主").exists()


def test_a_failing_last_statement_leaves_nothing_written(committed_tenants, hotline):
    with tenant_context(hotline):
        with pytest.raises(DataError):
            _owner_then_last("不该留下的车主", "SELECT 1 / %s::int", [0])
        assert not Owner.objects.filter(name="不该留下的车主").exists()
        _owner("下一个请求的车主")  # the connection serves the next statement as usual
        assert Owner.objects.filter(name="下一个请求的车主").exists()


def test_a_failing_commit_raises_and_leaves_nothing_written(committed_tenants, hotline):
    # A part line of a work order that does not exist: the foreign key is checked at COMMIT.
    with tenant_context(hotline):
        with pytest.raises(IntegrityError):
            _owner_then_last(
                "也不该留下的车主",
                "INSERT INTO hotline_partline (line_no, part_code, part_name, quantity, work_order_id)"
                " VALUES (1, 'HQ-1', '前大灯总成', 1, %s::bigint) RETURNING id",
                [987654321],
            )
        assert not Owner.objects.filter(name="也不该留下的车主").exists()
        assert not PartLine.objects.filter(work_order_id=987654321).exists()
        _owner("再下一个请求的车主")
        assert Owner.objects.filter(name="再下一个请求的车主").exists()


def test_inside_a_larger_transaction_it_runs_alone_and_the_caller_commits(committed_tenants, hotline):
    with tenant_context(hotline):
        with transaction.atomic():
            _owner("外层事务的车主")
            with transaction.atomic():
                (answer,) = fetch_last("SELECT %s::int * 2", [21])
            assert connection.connection.info.transaction_status != IDLE  # the caller's, still open
        assert answer == 42
        assert Owner.objects.filter(name="外层事务的车主").exists()
