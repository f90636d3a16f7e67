from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("bench_additive", "0001_initial")]
    operations = [
        migrations.AddField("contactlog", "channel", models.CharField(max_length=20, null=True)),
    ]
