"""The party organisation tree of a community (社区党委 → 党支部 → 党小组 → 党员中心户): list and
create, for community and street staff; thin over services.party_org_create."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from gongzhi.core.paths import UPPER

from . import selectors_setup as sel
from .forms_roles import apply_service_errors
from .models import Household, PartyOrg
from .selectors_roles import staff_area
from .services import party_org_create

ERR = {"required": _lazy("此项必填"), "invalid_choice": _lazy("请选择有效的选项")}


class PartyOrgForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("类型"), choices=PartyOrg.Kind.choices, error_messages=ERR)
    name = forms.CharField(label=_lazy("名称"), max_length=100, error_messages=ERR)
    parent = forms.ChoiceField(label=_lazy("上级组织（社区党委不填）"), required=False, error_messages=ERR)
    place = forms.ChoiceField(label=_lazy("所在位置（社区、小区、楼栋或单元）"), error_messages=ERR)
    grid = forms.ChoiceField(label=_lazy("或所在网格（网格党支部）"), required=False, error_messages=ERR)
    number = forms.CharField(label=_lazy("中心户房号（党员中心户填写，位置选到单元或楼栋）"), max_length=40, required=False)


def community_orgs(community):
    inside = (Q(node__path__gte=community.path, node__path__lt=community.path + UPPER)
              | Q(grid__community=community)
              | Q(household__node_path__gte=community.path, household__node_path__lt=community.path + UPPER))
    return PartyOrg.objects.filter(inside).select_related("parent", "node", "grid", "household").order_by("id")


def _tree(orgs):
    kids: dict = {}
    ids = {o.pk for o in orgs}
    for o in orgs:
        kids.setdefault(o.parent_id if o.parent_id in ids else None, []).append(o)
    out = []

    def walk(pid, depth):
        for o in kids.get(pid, []):
            o.indent = depth
            out.append(o)
            walk(o.pk, depth + 1)
    walk(None, 0)
    return out


@login_required
@require_http_methods(["GET", "POST"])
def party_orgs(request, pk: int):
    area = staff_area(request.user)
    community = sel.area_community(area, pk)
    orgs = list(community_orgs(community))
    places = sel.place_choices(community, include_community=True)
    grids = list(sel.grids_only(community))
    form = PartyOrgForm(request.POST or None)
    form.fields["parent"].choices = [("", _("无"))] + [(str(o.pk), f"{o.get_kind_display()} · {o.name}") for o in orgs]
    form.fields["place"].choices = [(str(n.pk), label) for n, label in places]
    form.fields["grid"].choices = [("", _("无"))] + [(str(g.pk), f"{g.code} {g.name}") for g in grids]
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        parent = next((o for o in orgs if str(o.pk) == cd["parent"]), None)
        place = next(n for n, _label in places if str(n.pk) == cd["place"])
        grid = next((g for g in grids if str(g.pk) == cd["grid"]), None)
        household = None
        try:
            if cd["kind"] == PartyOrg.Kind.CENTRAL_HOUSEHOLD:
                household = Household.objects.filter(node=place, number=cd["number"].strip()).first()
                if household is None:
                    raise ValidationError({"number": [_("所选位置下没有房号“%(n)s”") % {"n": cd["number"]}]})
            org = party_org_create(actor=request.user, kind=cd["kind"], name=cd["name"], parent=parent,
                                   node=None if (grid or household) else place, grid=grid if not household else None,
                                   household=household)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已建立%(k)s“%(n)s”") % {"k": org.get_kind_display(), "n": org.name})
            return redirect("territory:setup_party", pk=community.pk)
    ctx = {"community": community, "orgs": _tree(orgs), "form": form}
    return render(request, "territory/setup_party.html", ctx, status=400 if request.method == "POST" else 200)
