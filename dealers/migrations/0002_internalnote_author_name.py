from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dealers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="internalnote",
            name="author_name",
            field=models.CharField(blank=True, db_default="", default="", max_length=150, verbose_name="author"),
        ),
    ]
