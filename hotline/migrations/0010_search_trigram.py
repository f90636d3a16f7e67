"""Search by any part of a number, mobile, plate, VIN or name: pg_trgm and five trigram indexes.

The extension is created once per database, in the public schema (on every tenant's
search path), whichever schema migrates first: the template, a hotline, or the test
database. Tenant schemas migrate in parallel, so an advisory lock keeps two processes
from creating it at once. pg_trgm is a trusted extension: the database owner may create
it without superuser rights. The indexes are built concurrently, so a hotline with
millions of work orders keeps taking writes while they build.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

CREATE_EXTENSION = """
SELECT pg_advisory_lock(hashtext('complaint-desk:pg_trgm'));
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
SELECT pg_advisory_unlock(hashtext('complaint-desk:pg_trgm'));
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("hotline", "0009_relay_feed"),
    ]

    operations = [
        migrations.RunSQL(CREATE_EXTENSION, migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="workorder",
            index=GinIndex(fields=["number"], name="work_order_number_trgm", opclasses=["gin_trgm_ops"]),
        ),
        AddIndexConcurrently(
            model_name="owner",
            index=GinIndex(fields=["mobile"], name="owner_mobile_trgm", opclasses=["gin_trgm_ops"]),
        ),
        AddIndexConcurrently(
            model_name="owner",
            index=GinIndex(fields=["name"], name="owner_name_trgm", opclasses=["gin_trgm_ops"]),
        ),
        AddIndexConcurrently(
            model_name="vehicle",
            index=GinIndex(fields=["plate"], name="vehicle_plate_trgm", opclasses=["gin_trgm_ops"]),
        ),
        AddIndexConcurrently(
            model_name="vehicle",
            index=GinIndex(fields=["vin"], name="vehicle_vin_trgm", opclasses=["gin_trgm_ops"]),
        ),
    ]
