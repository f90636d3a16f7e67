"""A hotline administrator imports a dealer directory from the network page: the file is checked on a
worker, new dealers of this manufacturer only are created, within the network's quota; an address
that is taken says nothing about who holds it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from tenants.jobs import job_run
from tenants.models import BackgroundJob, JobState, NetworkMembership, Role, Tenant

from ..conftest import client_for, join, person

HEADER = ["manufacturer", "dealer_code", "slug", "name", "region", "province", "city", "active"]
NEW = [
    ["HQ", "HQ-GD-101", "gz-tianhe", "广州天河华骐4S店", "SOUTH", "广东", "广州", "1"],
    ["HQ", "HQ-GD-102", "zh-xiangzhou", "珠海香洲华骐4S店", "SOUTH", "广东", "珠海", "否"],
]


@pytest.fixture
def admin(hotline):
    return person("hq.admin", hotline, Role.HOTLINE_ADMIN)


def directory(*rows: list[str]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile("经销商名录.csv", text.getvalue().encode("utf-8-sig"), "text/csv")


def upload_and_run(hotline: Tenant, admin, file, **fields) -> BackgroundJob:
    """The administrator sends the file; a worker runs the job it queued."""
    response = client_for(hotline, admin).post(
        "/administration/network/import/", {"file": file, **fields}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert response["Location"] == "/jobs/"
    job = BackgroundJob.objects.get(tenant=hotline, kind="import.dealers")
    with tenant_context(hotline):
        job_run(job.pk)
    job.refresh_from_db()
    return job


def test_the_new_dealers_of_a_clean_file_are_created_and_the_upload_is_gone(hotline, admin, manufacturer):
    job = upload_and_run(hotline, admin, directory(*NEW))

    assert job.state == JobState.DONE
    assert job.message.startswith("2 dealers imported, 0 already there, 0 errors.")
    places = NetworkMembership.objects.filter(
        manufacturer=manufacturer, dealer_code__in=["HQ-GD-101", "HQ-GD-102"]
    )
    assert {(p.dealer.slug, p.is_active, p.created_the_dealer) for p in places} == {
        ("gz-tianhe", True, True),
        ("zh-xiangzhou", False, True),
    }
    assert job.params["upload"].startswith(f"uploads/{hotline.schema_name}/")
    assert not default_storage.exists(job.params["upload"])
    # The same file again: every row is already there.
    BackgroundJob.objects.all().delete()
    again = upload_and_run(hotline, admin, directory(*NEW))
    assert again.message.startswith("0 dealers imported, 2 already there, 0 errors.")


def test_a_row_of_another_manufacturer_or_a_taken_address_stops_the_file_and_names_its_row(
    hotline, admin, manufacturer, other_manufacturer
):
    join(other_manufacturer, "gz-elsewhere", "DY-GD-001")  # a dealer of another brand
    job = upload_and_run(
        hotline,
        admin,
        directory(
            *NEW,
            ["DY", "DY-GD-777", "gz-other", "长城骏达", "SOUTH", "广东", "广州", "1"],
            ["HQ", "HQ-GD-103", "gz-elsewhere", "借用地址", "SOUTH", "广东", "广州", "1"],
        ),
    )

    assert job.state == JobState.DONE
    assert "0 dealers imported" in job.message
    assert "row 4, manufacturer: Only dealers of HQ can be imported here." in job.message
    assert "row 5, slug: This address is not available." in job.message
    assert "network" not in job.message.split("row 5, slug:")[1]  # nothing about who holds it
    assert not NetworkMembership.objects.filter(
        manufacturer=manufacturer, dealer_code__startswith="HQ-GD-10"
    ).exists()
    assert not Tenant.objects.filter(slug__in=["gz-tianhe", "gz-other"]).exists()

    BackgroundJob.objects.all().delete()
    job = upload_and_run(
        hotline,
        admin,
        directory(*NEW, ["DY", "DY-GD-777", "gz-other", "长城骏达", "SOUTH", "广东", "广州", "1"]),
        only_valid="on",
    )
    assert job.message.startswith("2 dealers imported, 0 already there, 1 errors.")
    assert not Tenant.objects.filter(slug="gz-other").exists()


def test_a_file_beyond_the_quota_is_refused_as_a_whole(hotline, admin, manufacturer):
    manufacturer.dealer_creation_quota = 1
    manufacturer.save()
    job = upload_and_run(hotline, admin, directory(*NEW))

    assert job.state == JobState.FAILED
    assert "The file has 2 new dealers; this network may create 1 more." in job.message
    assert not Tenant.objects.filter(slug__in=["gz-tianhe", "zh-xiangzhou"]).exists()


def test_only_administrators_upload_and_only_csv_or_xlsx(hotline, admin):
    agent = person("agent", hotline, Role.HOTLINE_AGENT)
    refused = client_for(hotline, agent).post("/administration/network/import/", {"file": directory(*NEW)})
    assert refused.status_code == 403

    wrong = SimpleUploadedFile("dealers.exe", b"MZ", "application/octet-stream")
    response = client_for(hotline, admin).post(
        "/administration/network/import/", {"file": wrong}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Choose a .csv or .xlsx file." in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_a_file_that_cannot_be_read_fails_the_job_with_the_reason(hotline, admin):
    broken = SimpleUploadedFile("dealers.csv", "名称,城市\n骏达,广州\n".encode(), "text/csv")
    job = upload_and_run(hotline, admin, broken)

    assert job.state == JobState.FAILED
    assert "manufacturer" in job.message
