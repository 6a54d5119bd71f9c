"""HTML pages for people: thin adapters over selectors and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core.pagination import paginate
from gongzhi.core.responses import xlsx_response
from gongzhi.territory import selectors as territory_selectors
from gongzhi.territory.permissions import can_view_full_id

from . import ledger, selectors, services
from .forms import (
    DualReportForm,
    LedgerImportForm,
    MoveOutForm,
    OrganisationForm,
    RejectForm,
    ResidentForm,
    TagsForm,
    apply_service_errors,
)
from .models import DualReport, KeyGroup, Organisation, PartyMember
from .permissions import (
    can_decide_dual_report,
    can_edit_household_people,
    can_edit_resident,
    can_manage_party_members,
)


@login_required
def residents(request):
    q = request.GET.get("q", "").strip()[:50]
    tag = request.GET.get("tag", "")
    if tag and tag not in KeyGroup.values:
        tag = ""
    page = paginate(request, selectors.resident_list(request.user, q=q, tag=tag))
    return render(request, "people/residents.html", {"page": page, "q": q, "tag": tag, "tags": KeyGroup.choices})


@never_cache  # personal data: Cache-Control no-store, never kept by a browser or proxy
@login_required
def resident(request, pk: int):
    r = selectors.get_resident(request.user, pk)
    services.resident_view_full(actor=request.user, resident=r, request=request)
    can_edit = can_edit_resident(request.user, r)
    member = selectors.resident_party_member(r)
    ctx = {
        "r": r,
        "full_id": can_view_full_id(request.user, r.household.node_path),
        "member": member,
        "can_edit": can_edit,
        "can_register_member": member is None and r.is_current and can_manage_party_members(request.user, r.household),
        "tags_form": TagsForm(initial={"tags": [t.tag for t in r.tags.all()]}) if can_edit else None,
        "move_form": MoveOutForm(initial={"moved_out_on": timezone.localdate()}) if can_edit and r.is_current else None,
    }
    return render(request, "people/resident.html", ctx)


@login_required
@require_POST
def resident_tags(request, pk: int):
    r = selectors.get_resident(request.user, pk)
    form = TagsForm(request.POST)
    if form.is_valid():
        try:
            services.resident_tags_set(actor=request.user, resident=r, tags=form.cleaned_data["tags"])
            messages.success(request, _("已更新重点人群"))
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
    else:
        messages.error(request, _("重点人群选择无效"))
    return redirect("people:resident", pk=r.pk)


@login_required
@require_http_methods(["GET", "POST"])
def resident_move_out(request, pk: int):
    r = selectors.get_resident(request.user, pk)
    if not can_edit_resident(request.user, r):
        raise PermissionDenied
    form = MoveOutForm(request.POST or None, initial={"moved_out_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_move_out(actor=request.user, resident=r, on=form.cleaned_data["moved_out_on"],
                                       note=form.cleaned_data["note"])
            messages.success(request, _("已办理迁出"))
            return redirect("people:household", pk=r.household_id)
        except ValidationError as e:
            apply_service_errors(form, e)
    return render(request, "people/resident_move_out.html", {"r": r, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def resident_new(request, household_pk: int):
    hh = territory_selectors.get_household(request.user, household_pk)
    if not can_edit_household_people(request.user, hh):
        raise PermissionDenied
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tags = data.pop("tags")
        try:
            r = services.resident_create(actor=request.user, household=hh, tags=tags, **data)
            messages.success(request, _("已登记居民“%(n)s”") % {"n": r.name})
            return redirect("people:household", pk=hh.pk)
        except ValidationError as e:
            apply_service_errors(form, e)
    return render(request, "people/resident_form.html", {"hh": hh, "form": form},
                  status=400 if request.method == "POST" else 200)


@never_cache
@login_required
def household(request, pk: int):
    hh = selectors.household_detail(request.user, pk)
    residents_qs = list(selectors.household_residents(hh))
    full_id = can_view_full_id(request.user, hh.node_path)
    if full_id and residents_qs:
        services.residents_view_full(actor=request.user, residents=residents_qs, request=request,
                                     channel="household_page")
    ctx = {
        "hh": hh,
        "trail": territory_selectors.node_trail(request.user, hh.node),
        "answerable": territory_selectors.answerable_for(hh),
        "residents": residents_qs,
        "full_id": full_id,
        "serving": selectors.household_members_serving(hh),
        "can_edit": can_edit_household_people(request.user, hh),
        "micro_grid_link": territory_selectors.grid_openable(request.user, hh.micro_grid),
        "grid_link": hh.micro_grid.parent is not None and territory_selectors.grid_openable(request.user, hh.micro_grid.parent),
    }
    return render(request, "people/household.html", ctx)


@login_required
def members(request):
    category = request.GET.get("category", "")
    if category not in PartyMember.Category.values:
        category = ""
    q = request.GET.get("q", "").strip()[:50]
    page = paginate(request, selectors.party_member_list(request.user, category=category, q=q))
    return render(request, "people/members.html", {"page": page, "q": q, "category": category,
                                                   "categories": PartyMember.Category.choices})


def _my_member(user) -> PartyMember | None:
    return PartyMember.objects.filter(resident__user=user).select_related("resident__household__node").first()


@login_required
@require_http_methods(["GET", "POST"])
def dual_reports(request):
    status = request.GET.get("status", "")
    if status not in DualReport.Status.values:
        status = ""
    me = _my_member(request.user)
    form = DualReportForm(request.POST or None) if me else None
    if request.method == "POST":
        if me is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.dual_report_submit(actor=request.user, member=me, **form.cleaned_data)
                messages.success(request, _("已提交报到，等待社区确认"))
                return redirect("people:dual_reports")
            except ValidationError as e:
                apply_service_errors(form, e)
    page = paginate(request, selectors.dual_report_list(request.user, status=status))
    return render(request, "people/dual_reports.html",
                  {"page": page, "status": status, "statuses": DualReport.Status.choices, "form": form, "me": me},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def dual_report(request, pk: int):
    report = selectors.get_dual_report(request.user, pk)
    reject_form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.dual_report_confirm(actor=request.user, report=report)
                messages.success(request, _("已确认报到"))
                return redirect("people:dual_reports")
            if action == "reject":
                services.dual_report_reject(actor=request.user, report=report,
                                            reason=request.POST.get("reason", ""))
                messages.success(request, _("已退回报到"))
                return redirect("people:dual_reports")
            messages.error(request, _("无效的操作"))
        except ValidationError as e:
            if action == "reject":
                apply_service_errors(reject_form, e)
            else:
                messages.error(request, "；".join(e.messages))
    return render(request, "people/dual_report.html",
                  {"report": report, "can_decide": can_decide_dual_report(request.user, report),
                   "reject_form": reject_form}, status=400 if request.method == "POST" else 200)


@login_required
def organisations(request):
    kind = request.GET.get("kind", "")
    if kind not in Organisation.Kind.values:
        kind = ""
    q = request.GET.get("q", "").strip()[:50]
    page = paginate(request, selectors.organisation_list(request.user, kind=kind, q=q))
    return render(request, "people/organisations.html", {
        "page": page, "q": q, "kind": kind, "kinds": Organisation.Kind.choices,
        "can_create": selectors.manageable_organisation_places(request.user).exists(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request):
    places = selectors.manageable_organisation_places(request.user)
    if not places.exists():
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, communities=places)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记组织“%(n)s”") % {"n": org.name})
            return redirect("people:organisations")
        except ValidationError as e:
            apply_service_errors(form, e)
    return render(request, "people/organisation_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


PENDING_KEY = "ledger_pending"


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    """Two steps: 上传并校验 checks the file and shows what it would do (or its errors); 确认导入
    imports the file checked, kept meanwhile under a token bound to this session."""
    communities = selectors.manageable_communities(request.user)
    if request.method == "POST" and not communities.exists():
        raise PermissionDenied
    result, token, status = None, "", 200
    if request.method == "POST" and request.POST.get("confirm"):
        form = LedgerImportForm(None, communities=communities)
        pending = request.session.get(PENDING_KEY) or {}
        data = None
        if pending.get("token") == request.POST["confirm"]:
            data = ledger.pending_take(pending["token"])
            request.session.pop(PENDING_KEY, None)
        community = communities.filter(pk=pending.get("community")).first() if data is not None else None
        if community is None:
            messages.error(request, _("待导入的文件已失效，请重新上传并校验"))
            return redirect("people:import")
        result = ledger.ledger_import(actor=request.user, community=community, data=data,
                                      filename=pending.get("filename", ""), request=request)
        status = 200 if result.ok else 400
    elif request.method == "POST":
        form = LedgerImportForm(request.POST, request.FILES, communities=communities)
        status = 400
        if form.is_valid():
            upload, community = form.cleaned_data["file"], form.cleaned_data["community"]
            earlier = request.session.pop(PENDING_KEY, None) or {}
            if earlier.get("token"):  # a file checked before and never confirmed: replaced by this one
                ledger.pending_discard(earlier["token"])
            data = upload.read()
            result = ledger.ledger_check(actor=request.user, community=community, data=data)
            if result.ok:
                token = ledger.pending_save(data)
                request.session[PENDING_KEY] = {"token": token, "community": community.pk,
                                                "filename": upload.name[:100]}
                status = 200
    else:
        form = LedgerImportForm(None, communities=communities)
    return render(request, "people/import.html", {
        "form": form, "result": result, "communities": communities, "columns": ledger.COLUMNS,
        "errors_shown": result.errors[:ledger.MAX_ERRORS_SHOWN] if result else [], "confirm_token": token,
    }, status=status)


@login_required
def ledger_template(request):
    return xlsx_response(ledger.ledger_template(), _("居民台账模板.xlsx"))


@never_cache
@login_required
def ledger_export(request):
    """?node=<id> or ?grid=<id> (default: everything the user can see); &full=1 for full ID numbers."""
    user = request.user
    try:
        node_id = int(request.GET["node"]) if request.GET.get("node") else None
        grid_id = int(request.GET["grid"]) if request.GET.get("grid") else None
    except ValueError:
        return HttpResponse(_("参数有误"), status=400)
    full = request.GET.get("full") == "1"
    households, label = selectors.ledger_households(user, node_id=node_id, grid_id=grid_id, full=full)
    data = ledger.ledger_export(actor=user, households=households, full=full, label=label, request=request)
    return xlsx_response(data, ledger.export_filename(label, full=full))


@login_required
def my_households(request):
    """我负责的住户: through my roles and as a party member serving them (党员联系户)."""
    page = paginate(request, selectors.households_for_person(request.user))
    visible = set(territory_selectors.visible_households(request.user).filter(pk__in=[h.pk for h in page])
                  .values_list("pk", flat=True))
    return render(request, "people/my_households.html", {"page": page, "visible": visible})
