import re

from django.db import migrations, models

# "在 {hours} 小时内" / "within {hours} hours" promised the window's length, not what the
# clock says: saved texts get the due time in the owner's words instead.
HOURS_PHRASES = [
    (re.compile(r"\s*\{hours\}\s*(?:个)?小时内"), "{due}"),
    (re.compile(r"within\s+\{hours\}\s+hours?", re.IGNORECASE), "{due}"),
]


def texts_promise_the_due_time(apps, schema_editor):
    OwnerSmsTemplate = apps.get_model("hotline", "OwnerSmsTemplate")
    for template in OwnerSmsTemplate.objects.filter(body__contains="{hours}"):
        body = template.body
        for pattern, replacement in HOURS_PHRASES:
            body = pattern.sub(replacement, body)
        if body != template.body:
            template.body = body
            template.save(update_fields=["body"])


class Migration(migrations.Migration):

    dependencies = [
        ("hotline", "0019_record_fields"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="year")),
                ("entered_at", models.DateTimeField(verbose_name="entered at")),
                ("entered_by", models.CharField(max_length=150, verbose_name="entered by")),
            ],
            options={
                "ordering": ["year"],
            },
        ),
        migrations.RunPython(texts_promise_the_due_time, migrations.RunPython.noop),
    ]
