"""四单 service offerings of one organisation: list, publish (上架) a new one, withdraw or restore.
For the organisation's own people and the staff of the community it serves; thin over services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.people.models import Organisation
from gongzhi.territory.forms_roles import apply_service_errors
from gongzhi.territory.models import Level, Node

from . import services
from .models import ServiceOffering
from .permissions import can_act_for_org, is_staff_for


class OfferingForm(forms.Form):
    title = forms.CharField(label=_lazy("服务项目"), max_length=100, error_messages={"required": _lazy("请填写服务项目名称")})
    description = forms.CharField(label=_lazy("服务内容"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    community = forms.ChoiceField(label=_lazy("服务社区"), error_messages={"required": _lazy("请选择服务社区"),
                                                                         "invalid_choice": _lazy("请选择有效的社区")})


def _org_for(user, pk: int) -> tuple[Organisation, list[Node]]:
    """The organisation if the user acts for it or is staff where it is based; else 404. With the
    communities it may publish in."""
    org = Organisation.objects.select_related("community").filter(pk=pk).first()
    if org is None or not (can_act_for_org(user, org) or is_staff_for(user, org.community.path)):
        raise Http404
    places = [org.community, *org.serves.all()]
    communities = {}
    for p in places:
        if p.level == Level.COMMUNITY:
            communities[p.pk] = p
        else:
            for c in Node.objects.filter(path__startswith=p.path, level=Level.COMMUNITY).order_by("path")[:200]:
                communities[c.pk] = c
    allowed = [c for c in communities.values() if can_act_for_org(user, org) or is_staff_for(user, c.path)]
    return org, allowed


@login_required
@require_http_methods(["GET", "POST"])
def offerings(request, org_pk: int):
    org, communities = _org_for(request.user, org_pk)
    form = OfferingForm(request.POST or None)
    form.fields["community"].choices = [(str(c.pk), c.name) for c in communities]
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        community = next(c for c in communities if str(c.pk) == cd["community"])
        try:
            off = services.offering_create(actor=request.user, organisation=org, community=community,
                                           title=cd["title"], description=cd["description"], request=request)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已上架服务项目“%(t)s”") % {"t": off.title})
            return redirect("tickets:offerings", org_pk=org.pk)
    rows = ServiceOffering.objects.filter(organisation=org).select_related("community").order_by("-active", "title")
    return render(request, "tickets/offerings.html", {"org": org, "form": form, "rows": rows},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def offering_toggle(request, pk: int):
    off = ServiceOffering.objects.select_related("organisation__community", "community").filter(pk=pk).first()
    if off is None:
        raise Http404
    _org_for(request.user, off.organisation_id)
    try:
        services.offering_set_active(actor=request.user, offering=off, active=not off.active, request=request)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, (_("已下架“%(t)s”") if off.active else _("已重新上架“%(t)s”")) % {"t": off.title})
    return redirect("tickets:offerings", org_pk=off.organisation_id)
