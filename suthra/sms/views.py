from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.consumers.selectors import due_date
from suthra.core.htmx import render_page
from suthra.core.paging import paginate
from suthra.core.validators import choice_param
from suthra.sms import selectors, services, texts
from suthra.sms.forms import CampaignForm, OptOutForm, OptOutRemoveForm, TemplateForm
from suthra.sms.models import Campaign, MessageStatus, OptOut, SmsTemplate
from suthra.sms.parts import count_parts


def _campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    # Campaigns on a UC are scoped by the UC; whole-city ones by the city (selectors). Out of
    # scope is a 404, the same as missing.
    try:
        return selectors.campaigns_for(request.user).get(pk=pk)
    except Campaign.DoesNotExist:
        raise Http404("Not found") from None


@role_required(Role.MANAGER)
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.campaigns_for(request.user), keys=["-id"], default_size=25)
    return render_page(request, "sms/campaigns.html", {"page": page})


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, actor=request.user)
    area = request.POST.get("area") if request.method == "POST" else None
    if area and area not in form.area_values:
        # An area outside the actor's scope is "not found", never confirmed to exist.
        raise Http404("Not found")
    if request.method == "POST" and form.is_valid():
        city, uc = form.area_objects()
        try:
            campaign = services.campaign_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                language=form.cleaned_data["language"],
                city=city,
                uc=uc,
                month=form.cleaned_data["month"],
                min_arrears=form.cleaned_data["min_arrears"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("sms:campaign_detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render_page(request, "sms/campaign_new.html", {"form": form}, status=status)


@role_required(Role.MANAGER)
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft shows the preview (recipients, skipped and why, parts, a sample); a confirmed
    campaign shows its per-recipient status log."""
    campaign = _campaign_or_404(request, pk)
    context: dict[str, object] = {"campaign": campaign}
    if campaign.status == Campaign.Status.DRAFT:
        body = services.campaign_body(campaign)
        context["body"] = body
        context["plan"] = selectors.plan(campaign, body)
    else:
        status = choice_param(
            request.GET.get("status"), name="status", allowed=MessageStatus.values
        )
        context["counts"] = selectors.message_counts(campaign)
        context["parts_sent"] = selectors.parts_sent(campaign)
        context["status"] = status or ""
        context["statuses"] = MessageStatus.choices
        context["page"] = paginate(
            request, selectors.messages_page(campaign, status), keys=["id"], default_size=100
        )
    return render_page(request, "sms/campaign_detail.html", context)


@role_required(Role.MANAGER)
@require_POST
def campaign_send(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    try:
        services.campaign_confirm(actor=request.user, campaign=campaign)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Campaign confirmed: the messages are being sent."))
    return redirect("sms:campaign_detail", pk=campaign.pk)


@role_required(Role.HEAD)
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    services.templates_ensure()
    rows = [(t, count_parts(t.body)) for t in SmsTemplate.objects.all()]
    return render_page(request, "sms/templates.html", {"rows": rows})


@role_required(Role.HEAD)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(SmsTemplate, pk=pk)
    form = TemplateForm(request.POST or None, initial={"body": template.body})
    form.fields["body"].widget.attrs["lang"] = template.language
    if request.method == "POST" and form.is_valid():
        services.template_update(
            actor=request.user, template=template, body=form.cleaned_data["body"]
        )
        messages.success(request, _("Template saved."))
        return redirect("sms:templates")
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "sms/template_edit.html",
        {
            "form": form,
            "template": template,
            "placeholders": texts.PLACEHOLDERS,
            "sample": texts.sample_values(due=due_date(texts.SAMPLE_MONTH)),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def optouts(request: HttpRequest) -> HttpResponse:
    """Any staff member adds a number a consumer asked to stop; managers and up see the list."""
    form = OptOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.optout_add(
            actor=request.user, mobile=form.cleaned_data["mobile"], note=form.cleaned_data["note"]
        )
        messages.success(request, _("The number will get no more messages."))
        return redirect("sms:optouts")
    status = 400 if request.method == "POST" else 200
    return _optouts_page(request, form, OptOutRemoveForm(), status=status)


def _optouts_page(
    request: HttpRequest, form: OptOutForm, remove_form: OptOutRemoveForm, *, status: int
) -> HttpResponse:
    can_list = request.user.at_least(Role.MANAGER)  # type: ignore[union-attr]
    rows = OptOut.objects.all()[:500] if can_list else []
    ctx = {"form": form, "remove_form": remove_form, "rows": rows, "can_list": can_list}
    return render_page(request, "sms/optouts.html", ctx, status=status)


@login_required
@require_POST
def optout_remove(request: HttpRequest) -> HttpResponse:
    """Any staff member (those who may add a number) takes one off the list, with a reason."""
    form = OptOutRemoveForm(request.POST)
    if form.is_valid():
        removed = services.optout_remove(
            actor=request.user,
            mobile=form.cleaned_data["mobile"],
            reason=form.cleaned_data["reason"],
        )
        # Like adding, removing is idempotent: a number not on the list already gets messages.
        if removed:
            messages.success(request, _("The number will get messages again."))
        else:
            messages.info(request, _("This number was not on the opt-out list."))
        return redirect("sms:optouts")
    return _optouts_page(request, OptOutForm(), form, status=400)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def inbound(request: HttpRequest) -> HttpResponse:
    """The gateway's callback for messages consumers send; a STOP keyword opts the number out,
    a START keyword takes it off the list again.
    Authenticated by the shared secret ``SMS_INBOUND_SECRET`` (header or parameter)."""
    from django.conf import settings

    params = request.POST if request.method == "POST" else request.GET
    given = request.headers.get("X-Sms-Secret") or params.get("secret", "")
    if not services.inbound_secret_ok(given):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    sender = params.get(getattr(settings, "SMS_INBOUND_FROM_PARAM", "from"), "")
    text = params.get(getattr(settings, "SMS_INBOUND_TEXT_PARAM", "text"), "")
    answer = services.inbound_message(sender=sender[:32], text=text[:500])
    return HttpResponse(answer, content_type="text/plain")
