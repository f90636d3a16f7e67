import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rollout_app", "0001_initial")]
    operations = [
        migrations.AddField("servicevisit", "channel", models.CharField(max_length=20, null=True)),
        migrations.AddField("servicevisit", "walk_in", models.BooleanField(default=False)),
        migrations.CreateModel(
            name="VisitNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                (
                    "visit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="rollout_app.servicevisit"
                    ),
                ),
                ("text", models.TextField()),
            ],
        ),
        migrations.AddIndex("servicevisit", models.Index(fields=["plate"], name="visit_plate_idx")),
    ]
