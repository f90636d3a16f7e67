from django.db import migrations


def fill_channel(apps, schema_editor):
    apps.get_model("rollout_app", "ServiceVisit").objects.filter(channel=None).update(channel="phone")


class Migration(migrations.Migration):
    dependencies = [("rollout_app", "0002_additive")]
    operations = [migrations.RunPython(fill_channel, migrations.RunPython.noop)]
