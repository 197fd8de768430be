"""The first text of every template, in Urdu and English (head office edits them later)."""

from django.db import migrations

from suthra.sms.defaults import DEFAULTS


def add(apps, schema_editor):
    SmsTemplate = apps.get_model("sms", "SmsTemplate")
    for (kind, language), body in DEFAULTS.items():
        SmsTemplate.objects.get_or_create(kind=kind, language=language, defaults={"body": body})


class Migration(migrations.Migration):
    dependencies = [("sms", "0001_sms_templates_campaigns_optouts")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
