"""Grid pages for community and street staff: create a grid or micro-grid, rename and tag it
(多网合一), put a building's or unit's households into a micro-grid, cut a place's households into
groups of about ten (十户一联). Thin over services.grid_create and services_setup."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors_setup as sel
from .forms_roles import apply_service_errors
from .forms_setup import GridEditForm, GridForm, GroupForm, PlaceChoiceForm
from .models import FunctionTag, Grid
from .selectors_roles import staff_area
from .services import grid_create
from .services_setup import STANDARD_TAGS, function_tags, grid_update, households_assign, households_group


def _initial_tags() -> str:
    """On a fresh installation the standard duties are offered, to keep or to edit."""
    return "" if FunctionTag.objects.exists() else "、".join(STANDARD_TAGS)


@login_required
@require_http_methods(["GET", "POST"])
def grid_new(request, pk: int):
    area = staff_area(request.user)
    community = sel.area_community(area, pk)
    grids = list(sel.grids_only(community))
    initial = {"parent": request.GET.get("parent", ""), "new_tags": _initial_tags()}
    form = GridForm(request.POST or None, grids=grids, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        parent = next((g for g in grids if str(g.pk) == cd["parent"]), None)
        try:
            with transaction.atomic():
                tags = [*cd["tags"], *function_tags(request.user, cd["new_tags"])]
                grid = grid_create(actor=request.user, community=community, code=cd["code"], name=cd["name"],
                                   parent=parent, tags=tags, note=cd["note"])
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已建立%(k)s“%(n)s”") % {"k": grid.get_kind_display(), "n": grid.name})
            return redirect("territory:setup_community", pk=community.pk)
    return render(request, "territory/setup_grid_new.html", {"community": community, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request, pk: int):
    area = staff_area(request.user)
    grid = sel.area_grid(area, pk)
    community = grid.community
    action = request.POST.get("action", "") if request.method == "POST" else ""
    edit = GridEditForm(request.POST if action == "edit" else None,
                        initial={"name": grid.name, "note": grid.note, "tags": list(grid.tags.all()),
                                 "new_tags": _initial_tags()})
    places = sel.place_choices(community)
    assign = group = None
    if grid.kind == Grid.Kind.MICRO:
        assign = PlaceChoiceForm(request.POST if action == "assign" else None, places=places)
    else:
        group = GroupForm(request.POST if action == "group" else None, places=places)
    by_pk = {str(n.pk): n for n, _label in places}
    form = {"edit": edit, "assign": assign, "group": group}.get(action)
    try:
        if action == "edit" and edit.is_valid():
            cd = edit.cleaned_data
            with transaction.atomic():
                tags = [*cd["tags"], *function_tags(request.user, cd["new_tags"])]
                grid_update(actor=request.user, grid=grid, name=cd["name"], tags=tags, note=cd["note"],
                            request=request)
            messages.success(request, _("已保存“%(n)s”") % {"n": cd["name"]})
            return redirect("territory:setup_grid", pk=grid.pk)
        if action == "assign" and assign is not None and assign.is_valid():
            place = by_pk[assign.cleaned_data["place"]]
            n = households_assign(actor=request.user, place=place, micro_grid=grid, request=request)
            messages.success(request, _("已将“%(p)s”的%(n)s户归入“%(g)s”") % {"p": place.name, "n": n, "g": grid.name})
            return redirect("territory:setup_grid", pk=grid.pk)
        if action == "group" and group is not None and group.is_valid():
            place = by_pk[group.cleaned_data["place"]]
            made = households_group(actor=request.user, grid=grid, place=place, size=group.cleaned_data["size"],
                                    request=request)
            messages.success(request, _("已按十户一联划出%(n)s个微网格") % {"n": len(made)})
            return redirect("territory:setup_grid", pk=grid.pk)
    except ValidationError as e:
        apply_service_errors(form, e)
    except PermissionDenied:
        raise Http404 from None
    ctx = {"grid": grid, "community": community, "edit": edit, "assign": assign, "group": group,
           "micro_grids": sel.community_grids(community).filter(parent=grid) if grid.kind == Grid.Kind.GRID else []}
    return render(request, "territory/setup_grid.html", ctx, status=400 if action else 200)
