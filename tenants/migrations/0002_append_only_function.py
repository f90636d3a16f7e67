from django.db import migrations

# Shared by every tenant schema's append-only tables; tenant schemas hold no functions.
CREATE = """
CREATE OR REPLACE FUNCTION public.refuse_update_or_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS public.refuse_update_or_delete()"),
    ]
