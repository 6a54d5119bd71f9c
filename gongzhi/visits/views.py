"""Pages: the grid worker's 今天 list and visit form (both work offline, see static/visits/offline.js
and the service worker at /visits/sw.js), a visit with what follows, campaigns, care rules,
proposed changes, measures and the ledger. Thin adapters over services and selectors."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.core.natsort import natural_sorted
from gongzhi.core.pagination import paginate
from gongzhi.core.responses import xlsx_response
from gongzhi.people.models import KeyGroup, Relation, Resident
from gongzhi.people.selectors import households_for_person
from gongzhi.territory import selectors as territory
from gongzhi.territory.models import Grid, Level
from gongzhi.tickets import catalogue

from . import selectors, services
from .api import parse_visit_form
from .ledger import visit_ledger
from .measures import period_bounds, visit_measures
from .models import CampaignHousehold, CareRole, FindingTag, HouseholdChange, Outcome, VisitKind, VisitPhoto
from .permissions import can_manage_care, household_editor


def _errors(e: ValidationError) -> list[str]:
    return [str(m) for m in e.messages]


def household_facts(household, residents, colleagues=(), version: str = "") -> dict:
    """What the phone keeps to record a visit offline: masked, with the record's version and who
    may go along."""
    return {"id": household.pk, "address": household.address or household.number,
            "colleagues": list(colleagues),
            "version": version or services.household_version(household),
            "residents": [{"id": r.pk, "name": mask_name(r.name), "relation": r.get_relation_display(),
                           "phone": mask_phone(r.phone), "tags": [t.get_tag_display() for t in r.tags.all()]}
                          for r in residents]}


@login_required
@never_cache
def today(request):
    dues = selectors.today_list(request.user)
    day = timezone.localdate()
    households = {}
    for d in dues:
        households.setdefault(d.household_id, d.household)
    # Key facts of each household on the list, for the visit form when there is no network.
    residents: dict[int, list] = {}
    for r in (Resident.objects.filter(household_id__in=list(households), moved_out_on__isnull=True)
              .prefetch_related("tags").order_by("relation", "id")):
        residents.setdefault(r.household_id, []).append(r)
    others = selectors.colleagues(list(households.values()), request.user)
    versions = services.household_versions(households.values())
    facts = [household_facts(h, residents.get(pk, []), others.get(pk, []), versions[pk]) for pk, h in households.items()]
    cards = [{"due": d, "name": mask_name(d.resident.name), "overdue_days": (day - d.due_on).days} for d in dues]
    campaigns = selectors.campaign_list(request.user).filter(deadline__gte=day)[:5]
    return render(request, "visits/today.html", {"cards": cards, "facts": facts, "day": day,
                                                 "campaigns": campaigns})


@login_required
def record(request):
    """The visit form. Without JavaScript it posts here; with it, offline.js keeps the visit in the
    phone's outbox and sends it to the API (each exactly once)."""
    if request.method == "POST":
        try:
            args = parse_visit_form(request.user, request.POST, request.FILES)
            visit, _created = services.visit_record(actor=request.user, **args)
        except ValidationError as e:
            messages.error(request, "；".join(_errors(e)))
            return redirect(f"{request.path}?h={request.POST.get('household', '')}")
        except services.Conflict as e:
            messages.error(request, e.message)
            return redirect(f"{request.path}?h={request.POST.get('household', '')}")
        messages.success(request, _("走访已登记"))
        return redirect("visits:detail", visit.pk)
    facts = None
    h = request.GET.get("h", "")
    if h.isdigit():
        try:
            hh = selectors.visit_household(request.user, int(h))
            facts = household_facts(hh, selectors.current_residents(hh),
                                    selectors.colleagues([hh], request.user).get(hh.pk, []))
        except Http404:
            facts = None  # offline.js says the household is not on this phone's list
    found = []
    if facts is None and not h:
        q = request.GET.get("q", "").strip()[:50]
        if q:
            found = list(households_for_person(request.user).filter(address__contains=q)[:20])
    return render(request, "visits/record.html", {
        "facts": facts, "found": found, "q": request.GET.get("q", "")[:50], "kinds": VisitKind.choices, "tags": FindingTag.choices, "outcomes": Outcome.choices,
        "change_kinds": HouseholdChange.Kind.choices,
        "relations": [c for c in Relation.choices if c[0] != Relation.HEAD],
        "campaign": request.GET.get("campaign", "") if request.GET.get("campaign", "").isdigit() else ""})


@login_required
def detail(request, pk: int):
    visit = selectors.get_visit(request.user, pk)
    changes = list(visit.changes.all())
    for c in changes:
        c.can_decide = services.can_decide_change(request.user, c)
    return render(request, "visits/detail.html", {
        "visit": visit, "changes": changes, "categories": catalogue.for_place(visit.household.node_path),
        "suggested": services.default_category(next((t.tag for t in visit.tags.all()
                                                     if t.tag != FindingTag.NONE), ""), visit.household.node_path),
        "follow_ups": list(visit.follow_ups.all())})


@login_required
@require_POST
def file_ticket(request, pk: int):
    visit = selectors.get_visit(request.user, pk)
    try:
        f = services.visit_file_ticket(actor=request.user, visit=visit, tag=request.POST.get("tag", ""),
                                       category=catalogue.by_code(request.POST.get("category", ""),
                                                                  catalogue.area_for(visit.household.node_path)),
                                       description=request.POST.get("description", ""))
    except ValidationError as e:
        messages.error(request, "；".join(_errors(e)))
        return redirect("visits:detail", pk)
    messages.success(request, _("已生成工单 #%(n)s") % {"n": f.ticket_id})
    return redirect("visits:detail", pk)


@login_required
@require_POST
def file_wish(request, pk: int):
    visit = selectors.get_visit(request.user, pk)
    try:
        services.visit_file_wish(actor=request.user, visit=visit, title=request.POST.get("title", ""),
                                 resident_name=request.POST.get("resident_name", ""))
    except ValidationError as e:
        messages.error(request, "；".join(_errors(e)))
        return redirect("visits:detail", pk)
    messages.success(request, _("已生成微心愿"))
    return redirect("visits:detail", pk)


@login_required
def photo(request, pk: int):
    p = get_object_or_404(VisitPhoto.objects.filter(visit__in=selectors.visible_visits(request.user)), pk=pk)
    resp = FileResponse(p.file.open("rb"), content_type=p.content_type)
    resp["Cache-Control"] = "private, no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
def household(request, pk: int):
    hh = selectors.visit_household(request.user, pk)
    page = paginate(request, selectors.visit_list(request.user, household=hh))
    return render(request, "visits/household.html", {"household": hh, "page": page})


@login_required
def changes(request):
    page = paginate(request, selectors.pending_changes(request.user))
    may_edit = household_editor(request.user)
    for c in page:
        c.can_decide = c.status == HouseholdChange.Status.PROPOSED and may_edit(c.household)
    return render(request, "visits/changes.html", {"page": page})


@login_required
@require_POST
def change_decide(request, pk: int, action: str):
    change = selectors.get_change(request.user, pk)
    try:
        if action == "apply":
            services.change_apply(actor=request.user, change=change)
            messages.success(request, _("户情已更新"))
        elif action == "reject":
            services.change_reject(actor=request.user, change=change, reason=request.POST.get("reason", ""))
            messages.success(request, _("已标记为不采纳"))
        else:
            raise Http404
    except ValidationError as e:
        messages.error(request, "；".join(_errors(e)))
    except services.Conflict as e:
        messages.error(request, e.message)
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/visits/") else "visits:changes")


@login_required
def campaigns(request):
    page = paginate(request, selectors.campaign_list(request.user))
    return render(request, "visits/campaigns.html", {"page": page, "today": timezone.localdate()})


@login_required
def campaign(request, pk: int):
    c = selectors.get_campaign(request.user, pk)
    state = request.GET.get("state", "")
    if state not in CampaignHousehold.State.values:
        state = ""
    page = paginate(request, selectors.campaign_households(request.user, c, state=state))
    return render(request, "visits/campaign.html", {"c": c, "page": page, "state": state,
                                                    "states": CampaignHousehold.State.choices})


def _community(request, pk: int):
    node = territory.get_node(request.user, pk)
    if node.level != Level.COMMUNITY or not can_manage_care(request.user, node):
        raise Http404
    return node


@login_required
def campaign_new(request, community_pk: int):
    community = _community(request, community_pk)
    grids = Grid.objects.filter(community=community, parent__isnull=True).order_by("code")
    compounds = territory.visible_nodes(request.user).filter(
        path__startswith=community.path, level__in=[Level.COMPOUND, Level.BUILDING]).order_by("path")[:500]
    if request.method == "POST":
        p = request.POST
        try:
            deadline = datetime.date.fromisoformat(p.get("deadline", ""))
        except ValueError:
            deadline = None
        node = compounds.filter(pk=p.get("node")).first() if p.get("node", "").isdigit() else None
        grid = grids.filter(pk=p.get("grid")).first() if p.get("grid", "").isdigit() else None
        try:
            c = services.campaign_create(actor=request.user, community=community, name=p.get("name", ""),
                                         deadline=deadline, node=node, grid=grid, key_group=p.get("key_group", ""))
        except ValidationError as e:
            messages.error(request, "；".join(_errors(e)))
        else:
            messages.success(request, _("敲门行动已发起"))
            return redirect("visits:campaign", c.pk)
    return render(request, "visits/campaign_new.html", {"community": community, "grids": grids,
                                                        "compounds": compounds, "key_groups": KeyGroup.choices})


@login_required
def rules(request, community_pk: int):
    community = _community(request, community_pk)
    if request.method == "POST":
        try:
            services.care_rule_set(actor=request.user, community=community, key_group=request.POST.get("key_group", ""),
                                   every_days=request.POST.get("every_days"), role=request.POST.get("role", ""),
                                   active=request.POST.get("active") == "on")
        except ValidationError as e:
            messages.error(request, "；".join(_errors(e)))
        else:
            messages.success(request, _("关爱规则已保存，到期日已按规则更新"))
            return redirect("visits:rules", community.pk)
    return render(request, "visits/rules.html", {"community": community, "rules": selectors.care_rules(community),
                                                 "key_groups": KeyGroup.choices, "roles": CareRole.choices})


# Drill-down in the figures: the administrative levels and compounds, not every loose building.
MEASURE_CHILD_LEVELS = [Level.CITY, Level.COUNTY, Level.STREET, Level.COMMUNITY, Level.COMPOUND]


def _period(request):
    def day(name):
        try:
            return datetime.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None
    return period_bounds(day("start"), day("end"))


@login_required
def measures(request):
    nodes = territory.root_nodes(request.user)
    node_id = request.GET.get("node", "")
    node = territory.get_node(request.user, int(node_id)) if node_id.isdigit() else nodes.first()
    if node is None:
        raise PermissionDenied
    try:
        start, end = _period(request)
    except ValidationError as e:
        messages.error(request, "；".join(_errors(e)))
        start, end = period_bounds(None, None)
    m = visit_measures(node, start, end)
    return render(request, "visits/measures.html", {"m": m, "node": node, "start": start, "end": end,
                                                    "children": natural_sorted(
                                                        [n for n in territory.node_children(request.user, node)
                                                         if n.level in MEASURE_CHILD_LEVELS][:200],
                                                        key=lambda n: n.name)})


@login_required
def ledger(request):
    node_id = request.GET.get("node", "")
    if not node_id.isdigit():
        raise Http404
    node = territory.get_node(request.user, int(node_id))
    try:
        start, end = _period(request)
    except ValidationError as e:
        messages.error(request, "；".join(_errors(e)))
        return redirect("visits:measures")
    data = visit_ledger(actor=request.user, node=node, start=start, end=end, request=request)
    return xlsx_response(data, f"走访台账-{node.name}-{start}-{end}.xlsx")


_SW_VERSION = "v1"  # bump when the offline pages' shape changes: the old caches are dropped


@login_required
def service_worker(request):
    """The visits' service worker, served under /visits/ so that its scope is /visits/ only. Behind
    the login like every page here: an update check after the session ended fails and the phone
    keeps the worker it has."""
    resp = render(request, "visits/sw.js", {"version": _SW_VERSION}, content_type="application/javascript")
    resp["Cache-Control"] = "no-cache"
    return resp

