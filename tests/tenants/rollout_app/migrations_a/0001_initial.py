from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [
        migrations.CreateModel(
            name="ServiceVisit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("plate", models.CharField(max_length=12)),
                ("at", models.DateTimeField()),
            ],
        ),
    ]
