from django.db import migrations

TRIGGERS = """
CREATE TRIGGER work_order_event_append_only
    BEFORE UPDATE OR DELETE ON hotline_workorderevent
    FOR EACH ROW EXECUTE FUNCTION public.refuse_update_or_delete();
CREATE TRIGGER work_order_event_no_truncate
    BEFORE TRUNCATE ON hotline_workorderevent
    FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_update_or_delete();
"""
DROP = """
DROP TRIGGER IF EXISTS work_order_event_append_only ON hotline_workorderevent;
DROP TRIGGER IF EXISTS work_order_event_no_truncate ON hotline_workorderevent;
"""


class Migration(migrations.Migration):
    dependencies = [("hotline", "0002_work_orders"), ("tenants", "0002_append_only_function")]
    operations = [migrations.RunSQL(TRIGGERS, DROP)]
