from django.db import migrations

# Shared by every hotline schema: the event log's insert trigger fills that schema's outbox
# (the unqualified table resolves through search_path to the inserting tenant's schema) and
# wakes the relay.
CREATE = """
CREATE OR REPLACE FUNCTION public.work_order_event_to_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hotline_outbox (event_id) VALUES (NEW.id);
    PERFORM pg_notify('work_order_events', current_schema());
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_append_only_function")]
    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS public.work_order_event_to_outbox()"),
    ]
