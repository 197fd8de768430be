import datetime as dt

from django.conf import settings

from suthra.sms.models import Campaign, Kind, SmsTemplate
from suthra.sms.services import templates_ensure
from suthra.testing import make_bill, make_unit
from suthra.testing.access import Case

MONTH = dt.date(2025, 11, 1)


def _campaign(world, **extra):
    unit = make_unit(world.uc_a, mobile="03001230001")
    make_bill(unit, MONTH)
    campaign = Campaign.objects.create(
        kind=Kind.DUE_REMINDER,
        language="ur",
        city=world.lahore,
        uc=world.uc_a,
        month=MONTH,
        created_by=world.head,
        **extra,
    )
    return {"pk": campaign.pk}


def _sent_campaign(world):
    return _campaign(world, status=Campaign.Status.SENDING, body="x")


def _template(world):
    templates_ensure()
    return {"pk": SmsTemplate.objects.get(kind=Kind.BILL_ISSUED, language="ur").pk}


def _optout(world):
    from suthra.sms.models import OptOut

    OptOut.objects.get_or_create(mobile="03001238765", defaults={"source": "staff"})
    return {"remove-mobile": "0300-1238765", "remove-reason": "asked again"}


def _inbound(world):
    return {"secret": settings.SMS_INBOUND_SECRET, "from": "03001239999", "text": "hello"}


CASES = [
    Case("sms:campaigns", "MANAGER"),
    Case("sms:campaign_new", "MANAGER"),
    Case(
        "sms:campaign_new",
        "MANAGER",
        method="post",
        data=lambda w: {
            "kind": "due_reminder",
            "language": "ur",
            "area": f"uc:{w.uc_a.pk}",
            "month": "2025-11",
            "min_arrears": "1",
        },
        obj=lambda w: {},
        ok=(302,),
        note="an area outside the scope (UC A for manager_multan) is a 404",
    ),
    Case("sms:campaign_detail", "MANAGER", obj=_campaign, note="the preview"),
    Case("sms:campaign_detail", "MANAGER", obj=_sent_campaign, note="the status log"),
    Case("sms:campaign_send", "MANAGER", obj=_campaign, method="post", ok=(302,)),
    Case("sms:templates", "HEAD"),
    Case("sms:template_edit", "HEAD", obj=_template, scoped=False),
    Case(
        "sms:template_edit",
        "HEAD",
        obj=_template,
        scoped=False,
        method="post",
        data={"body": "{name}: Rs {amount}, {link}"},
        ok=(302,),
    ),
    Case("sms:optouts", "AGENT"),
    Case("sms:optouts", "AGENT", method="post", data={"mobile": "0300-1239876"}, ok=(302,)),
    Case(
        "sms:optout_remove",
        "AGENT",
        method="post",
        data=_optout,
        ok=(302,),
        note="not geographic; a number no longer on the list is a 302 too (idempotent)",
    ),
    Case("sms:inbound", "PUBLIC", method="post", data=_inbound),
]
