"""Exports in the background: started from a page, run by a real worker, downloaded by the person
who asked for them only; a lost task is queued again, and a finished job is never run twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import socket
from collections.abc import Iterator

import boto3
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tenants.utils import tenant_context
from moto.server import ThreadedMotoServer
from openpyxl import load_workbook

from hotline.services.work_orders import work_order_create
from tenants.jobs import job_run, job_start
from tenants.models import BackgroundJob, JobState, Role
from tenants.tasks import jobs_purge_task, jobs_sweep

from ..conftest import client_for, join, owner, parts_intake, person, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hotline_with_work_orders(manufacturer, committed_tenants):
    """Three work orders at two dealers, one whose complaint starts like a spreadsheet formula."""
    junda = join(manufacturer, "gz-junda", "HQ-GD-001").dealer
    pengcheng = join(manufacturer, "sz-pengcheng", "HQ-GD-002").dealer
    agent = person("agent", manufacturer.hotline, Role.HOTLINE_AGENT)
    from config.actor import Actor

    actor = Actor(user_id=agent.pk, name="李娜", tenant_id=manufacturer.hotline_id, role="hotline_agent")
    with tenant_context(manufacturer.hotline):
        for dealer, complaint in ((junda, '=HYPERLINK("http://x")'), (junda, "异响"), (pengcheng, "漏油")):
            work_order_create(
                manufacturer=manufacturer,
                actor=actor,
                intake=parts_intake(dealer_id=dealer.pk, complaint=complaint, owner=owner(name="王建华")),
            )
    return {"hotline": manufacturer.hotline, "agent": agent, "junda": junda}


def _job() -> BackgroundJob:
    return BackgroundJob.objects.order_by("-pk").first()


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_register_exports_what_the_board_filters_and_only_its_requester_downloads_it(
    redis_worker, hotline_with_work_orders
):
    world = hotline_with_work_orders
    agent = client_for(world["hotline"], world["agent"])
    response = agent.post(
        "/jobs/new/",
        {"kind": "export.work_orders", "dealer": str(world["junda"].pk), "state": "all", "format": "csv"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/jobs/"

    job = _job()
    assert wait_for(lambda: BackgroundJob.objects.get(pk=job.pk).state == JobState.DONE)
    assert 'data-testid="job-download"' in agent.get("/jobs/").content.decode()
    lines = _csv(agent.get(f"/jobs/{job.pk}/download/"))[1:]
    assert len(lines) == 2  # the two of 骏达 (HQ-GD-001), not 鹏程's
    assert {line[7] for line in lines} == {"HQ-GD-001"}
    complaints = {line[15] for line in lines}
    assert '\'=HYPERLINK("http://x")' in complaints  # text, never a formula in the reader's spreadsheet
    assert any("HQ-37110-01 前大灯总成 ×1" in line[-1] for line in lines)

    colleague = person("colleague", world["hotline"], Role.HOTLINE_SUPERVISOR)
    assert client_for(world["hotline"], colleague).get(f"/jobs/{job.pk}/download/").status_code == 404
    # The same person on another tenant, and a dealer's staff, learn nothing either.
    world["agent"].memberships.create(tenant=world["junda"], role=Role.SERVICE_ADVISOR)
    assert client_for(world["junda"], world["agent"]).get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client_for(world["junda"], world["agent"]).get("/jobs/").content.count(b"data-job=") == 0
    assert agent.get(f"/jobs/{job.pk + 1000}/download/").status_code == 404


def test_the_kpi_workbook_has_a_sheet_per_grouping(redis_worker, hotline_with_work_orders):
    world = hotline_with_work_orders
    agent = client_for(world["hotline"], world["agent"])
    agent.post("/jobs/new/", {"kind": "export.kpis"})
    job = _job()
    assert wait_for(lambda: BackgroundJob.objects.get(pk=job.pk).state == JobState.DONE)
    response = agent.get(f"/jobs/{job.pk}/download/")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames[1:] == ["dealer", "region", "category", "week", "month", "conclusions"]
    totals = list(book.worksheets[0].iter_rows(values_only=True))
    assert totals[1][1] == 3  # every work order of the last 30 days
    dealers = list(book["dealer"].iter_rows(values_only=True))
    assert sorted(r[1] for r in dealers[1:]) == [1, 2]


def test_what_a_page_may_not_start_is_refused_and_nothing_is_queued(hotline_with_work_orders):
    world = hotline_with_work_orders
    agent = client_for(world["hotline"], world["agent"])
    for kind in ("export.nothing", "import.dealers", "", "x" * 5000):
        response = agent.post(
            "/jobs/new/", {"kind": kind, "upload": "jobs/other/1/secret.csv", "back": "//evil.example/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/jobs/"
        page = agent.get("/jobs/").content.decode()
        assert '<li class="error">' in page
    staff = person("advisor", world["junda"], Role.SERVICE_ADVISOR)
    assert client_for(world["junda"], staff).post("/jobs/new/", {"kind": "export.kpis"}).status_code == 403
    assert not BackgroundJob.objects.exists()


def test_a_lost_task_is_queued_again_by_the_sweep_and_a_done_job_never_runs_twice(
    redis_worker, hotline_with_work_orders
):
    world = hotline_with_work_orders
    hotline = world["hotline"]
    with tenant_context(hotline):  # written as if the broker had lost the task
        job = BackgroundJob.objects.create(
            tenant=hotline, requested_by=world["agent"], kind="export.kpis", params={}
        )
    BackgroundJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=10))
    assert jobs_sweep() == 1
    assert wait_for(lambda: BackgroundJob.objects.get(pk=job.pk).state == JobState.DONE)

    done = BackgroundJob.objects.get(pk=job.pk)
    with tenant_context(hotline):
        assert job_run(job.pk) is None
    assert BackgroundJob.objects.get(pk=job.pk).file_path == done.file_path
    assert jobs_sweep() == 0


def test_jobs_and_their_files_go_after_a_week(hotline_with_work_orders):
    world = hotline_with_work_orders
    hotline = world["hotline"]
    with tenant_context(hotline):
        job = job_start(
            tenant=hotline, user=world["agent"], role="hotline_agent", kind="export.kpis", data={}
        )
        job_run(job.pk)
    job.refresh_from_db()
    assert default_storage.exists(job.file_path)
    assert jobs_purge_task() == 0
    BackgroundJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert jobs_purge_task() == 1
    assert not default_storage.exists(job.file_path)
    assert not BackgroundJob.objects.exists()


@pytest.fixture
def s3_bucket(settings) -> Iterator[str]:
    """An S3-compatible server (moto) with an empty bucket, set as the default storage."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(Bucket="desk-files")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "desk-files",
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    yield endpoint
    server.stop()


def test_files_are_kept_in_an_s3_bucket_when_one_is_set(hotline_with_work_orders, s3_bucket):
    world = hotline_with_work_orders
    hotline = world["hotline"]
    agent = client_for(hotline, world["agent"])
    with tenant_context(hotline):
        job = job_start(
            tenant=hotline, user=world["agent"], role="hotline_agent", kind="export.work_orders", data={}
        )
        job_run(job.pk)
    job.refresh_from_db()

    bucket = boto3.resource(
        "s3",
        endpoint_url=s3_bucket,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).Bucket("desk-files")
    assert [o.key for o in bucket.objects.all()] == [job.file_path]
    assert len(_csv(agent.get(f"/jobs/{job.pk}/download/"))) == 4  # the header and three work orders
    BackgroundJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    jobs_purge_task()
    assert list(bucket.objects.all()) == []
