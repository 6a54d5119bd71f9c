"""Organisation edit and 党员联系户 (a party member ↔ the households they serve): pages for staff,
thin over services.organisation_update / member_household_link / member_household_unlink."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from gongzhi.territory import selectors as territory_selectors
from gongzhi.territory.permissions import can_manage_node

from . import selectors, services
from .forms import OrganisationForm, apply_service_errors
from .models import MemberHousehold, OrganisationMember
from .permissions import can_manage_organisation
from .services_accounts import organisation_member_add, organisation_member_remove

HOUSEHOLD_CHOICES_LIMIT = 20


class OrganisationEditForm(forms.Form):
    """OrganisationForm without the community: an organisation stays where it was registered."""


OrganisationEditForm.base_fields = {k: v for k, v in OrganisationForm.base_fields.items() if k != "community"}


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    org = selectors.get_organisation(request.user, pk)
    if not can_manage_organisation(request.user, org):
        raise Http404
    initial = {f: getattr(org, f) for f in services.ORGANISATION_FIELDS}
    action = request.POST.get("action", "edit") if request.method == "POST" else ""
    form = OrganisationEditForm(request.POST if action == "edit" else None, initial=initial)
    member_form = MemberForm(request.POST if action == "member_add" else None)
    if action == "member_add" and member_form.is_valid():
        try:
            organisation_member_add(actor=request.user, organisation=org, user=member_form.cleaned_data["person"],
                                    is_admin=member_form.cleaned_data["is_admin"], request=request)
        except ValidationError as e:
            apply_service_errors(member_form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已添加组织成员"))
            return redirect("people:organisation_edit", pk=org.pk)
    if action == "member_remove":
        m = OrganisationMember.objects.filter(organisation=org, pk=_pk(request.POST.get("member"))).first()
        if m is None:
            raise Http404
        organisation_member_remove(actor=request.user, member=m, request=request)
        messages.success(request, _("已移除组织成员"))
        return redirect("people:organisation_edit", pk=org.pk)
    if action == "edit" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, organisation=org, **form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已保存组织“%(n)s”") % {"n": form.cleaned_data["name"]})
            return redirect("people:organisations")
    members = OrganisationMember.objects.filter(organisation=org).select_related("user").order_by("-is_admin", "id")
    return render(request, "people/organisation_edit.html",
                  {"form": form, "org": org, "members": members, "member_form": member_form},
                  status=400 if request.method == "POST" else 200)


def _pk(value) -> int:
    return int(value) if str(value or "").isdigit() else 0


class MemberForm(forms.Form):
    person = forms.CharField(label=_lazy("人员（用户名或手机号）"), max_length=150,
                             error_messages={"required": _lazy("请填写用户名或手机号")})
    is_admin = forms.BooleanField(label=_lazy("负责人"), required=False)

    def clean_person(self):
        from gongzhi.accounts.services import find_user

        user = find_user(self.cleaned_data["person"])
        if user is None:
            raise forms.ValidationError(_("找不到该账号，请核对用户名或手机号"))
        return user


class LinkForm(forms.Form):
    household = forms.TypedChoiceField(label=_lazy("联系的住户"), coerce=int,
                                       error_messages={"required": _lazy("请选择住户"),
                                                       "invalid_choice": _lazy("请选择有效的住户")})


@login_required
@require_http_methods(["GET", "POST"])
def member_households(request, pk: int):
    member = selectors.get_party_member(request.user, pk)
    home = member.resident.household
    if not can_manage_node(request.user, home.node):
        raise Http404
    q = request.GET.get("q", "").strip()[:50]
    candidates = territory_selectors.visible_households(request.user).filter(
        micro_grid__community_id=home.micro_grid.community_id).order_by("node_path", "number")
    if q:
        candidates = candidates.filter(address__icontains=q)
    choices = list(candidates[:HOUSEHOLD_CHOICES_LIMIT])
    form = LinkForm(request.POST if request.POST.get("action") == "link" else None)
    form.fields["household"].choices = [("", _("请选择"))] + [(h.pk, str(h)) for h in choices]
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "link" and form.is_valid():
                hh = territory_selectors.get_household(request.user, form.cleaned_data["household"])
                services.member_household_link(actor=request.user, member=member, household=hh)
                messages.success(request, _("已添加联系户“%(h)s”") % {"h": hh})
                return redirect("people:member_households", pk=member.pk)
            if action == "unlink":
                hh_pk = request.POST.get("household", "")
                link = MemberHousehold.objects.filter(member=member, household_id=int(hh_pk) if hh_pk.isdigit() else 0
                                                      ).select_related("household").first()
                if link is None:
                    raise Http404
                services.member_household_unlink(actor=request.user, member=member, household=link.household)
                messages.success(request, _("已解除联系户“%(h)s”") % {"h": link.household})
                return redirect("people:member_households", pk=member.pk)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
    links = MemberHousehold.objects.filter(member=member).select_related("household").order_by(
        "household__node_path", "household__number")
    ctx = {"member": member, "links": links, "form": form, "q": q, "more": len(choices) >= HOUSEHOLD_CHOICES_LIMIT}
    return render(request, "people/member_households.html", ctx, status=400 if request.method == "POST" else 200)


