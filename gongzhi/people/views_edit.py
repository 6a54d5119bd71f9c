"""HTML pages that correct a resident and register a resident as a party member: thin adapters over
selectors and services. Hidden and forbidden both answer 404 here, so a page does not reveal who exists."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gongzhi.territory.permissions import can_view_full_id

from . import selectors, services
from .forms import PartyMemberForm, ResidentEditForm, apply_service_errors
from .permissions import can_edit_household_people, can_manage_party_members


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request, pk: int):
    r = selectors.get_resident(request.user, pk)
    # The same check as resident_new makes for the resident's household.
    if not can_edit_household_people(request.user, r.household):
        raise Http404
    full_id = can_view_full_id(request.user, r.household.node_path)
    form = ResidentEditForm(request.POST or None, resident=r, full_id=full_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(actor=request.user, resident=r, **form.changes())
            messages.success(request, _("已保存居民“%(n)s”的信息") % {"n": form.cleaned_data["name"]})
            return redirect("people:resident", pk=r.pk)
        except ValidationError as e:
            apply_service_errors(form, e)
    # The page shows the personal record (the full ID number to those who may see it): audited like the detail page.
    services.resident_view_full(actor=request.user, resident=r, request=request, channel="edit_page")
    return render(request, "people/resident_edit.html", {"r": r, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def party_member_new(request, pk: int):
    r = selectors.get_resident(request.user, pk)
    if not can_manage_party_members(request.user, r.household):
        raise Http404
    if selectors.resident_party_member(r) is not None:
        messages.info(request, _("该居民已登记为党员"))
        return redirect("people:resident", pk=r.pk)
    form = PartyMemberForm(request.POST or None, party_orgs=selectors.party_orgs_for_household(r.household))
    if request.method == "POST" and form.is_valid():
        try:
            services.party_member_register(actor=request.user, resident=r, **form.cleaned_data)
            messages.success(request, _("已将“%(n)s”登记为党员") % {"n": r.name})
            return redirect("people:resident", pk=r.pk)
        except ValidationError as e:
            apply_service_errors(form, e)
    return render(request, "people/party_member_form.html", {"r": r, "form": form},
                  status=400 if request.method == "POST" else 200)
