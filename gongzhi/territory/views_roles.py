"""Role-holder pages for community and street staff: list, appoint, end a term (卸任).

Thin over selectors_roles (what lies in the viewer's area) and services.role_assign / role_end
(which check the role's target kind and the actor's right, and write the audit row)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.core.masking import mask_phone
from gongzhi.core.pagination import paginate

from . import selectors_roles as sel
from .forms_roles import TARGET_MISSING, AppointForm, EndTermForm, apply_service_errors
from .models import Role, RoleAssignment
from .services import role_assign, role_end


def _target_kind(ra: RoleAssignment) -> str:
    if ra.node_id:
        return ra.node.get_level_display()
    if ra.grid_id:
        return ra.grid.get_kind_display()
    if ra.party_org_id:
        return ra.party_org.get_kind_display()
    return _("户")


def _valid_role(value: str) -> str:
    return value if value in Role.values else ""


@login_required
def role_list(request):
    area = sel.staff_area(request.user)
    at = request.GET.get("at", "")
    if at:
        if not at.isdigit():
            raise Http404
        area = sel.area_node(area, int(at))
    role = _valid_role(request.GET.get("role", ""))
    q = request.GET.get("q", "").strip()[:50]
    page = paginate(request, sel.role_holders(area, role=role, q=q))
    for ra in page:
        ra.masked_phone = mask_phone(ra.user.phone)
        ra.target_kind = _target_kind(ra)
    ctx = {"page": page, "role": role, "q": q, "roles": Role.choices, "at": area.node}
    return render(request, "territory/roles_list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def role_appoint(request):
    area = sel.staff_area(request.user)
    data = request.POST if request.method == "POST" else None
    role = _valid_role((data or request.GET).get("role", ""))
    tq = request.GET.get("tq", "").strip()[:50]
    choices, more = sel.role_target_choices(area, role, tq) if role else ([], False)
    form = AppointForm(data, initial={"role": role, "person": request.GET.get("person", "")[:150]},
                       target_choices=choices)
    if data is not None and form.is_valid():
        cd = form.cleaned_data
        target = sel.get_role_target(area, cd["target"])
        if target is None:
            form.add_error("target", TARGET_MISSING)
        else:
            try:
                role_assign(actor=request.user, user=cd["person"], role=cd["role"], target=target,
                            start_date=cd["start_date"], note=cd["note"], request=request)
            except ValidationError as e:
                apply_service_errors(form, e)
            except PermissionDenied:  # the area and the service disagree: refuse as if missing
                form.add_error("target", TARGET_MISSING)
            else:
                messages.success(request, _("已任命%(p)s为%(r)s") % {
                    "p": cd["person"].display_name, "r": Role(cd["role"]).label})
                return redirect("territory:roles")
    ctx = {"form": form, "role": role, "tq": tq, "roles": Role.choices, "more": more, "has_choices": bool(choices)}
    return render(request, "territory/roles_appoint.html", ctx, status=400 if data is not None else 200)


@login_required
@require_http_methods(["GET", "POST"])
def role_end_term(request, pk: int):
    area = sel.staff_area(request.user)
    ra = sel.get_open_assignment(area, pk)
    ra.masked_phone = mask_phone(ra.user.phone)
    ra.target_kind = _target_kind(ra)
    form = EndTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role_end(actor=request.user, assignment=ra, end_date=form.cleaned_data["end_date"], request=request)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("%(p)s的%(r)s任期已结束") % {
                "p": ra.user.display_name, "r": ra.get_role_display()})
            return redirect("territory:roles")
    return render(request, "territory/roles_end.html", {"ra": ra, "form": form},
                  status=400 if request.method == "POST" else 200)
