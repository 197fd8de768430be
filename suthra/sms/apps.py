from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "suthra.sms"
    label = "sms"
    verbose_name = _("SMS to consumers")
