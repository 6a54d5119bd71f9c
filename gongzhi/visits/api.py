"""JSON API for visits, care plans and campaigns, over the same services and selectors as the pages.
Recording a visit is multipart (photos); a re-sent client key answers 200 with the first visit;
a conflict answers 409 with a machine-readable `code`."""

import datetime

import orjson
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gongzhi.accounts.models import User
from gongzhi.core.api import Pages
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.people.models import Resident
from gongzhi.territory import selectors as territory
from gongzhi.territory.models import Grid
from gongzhi.tickets import catalogue

from . import selectors, services
from .measures import period_bounds, visit_measures

router = Router(tags=[_l("走访关爱")])


class Error(Schema):
    detail: str
    code: str = ""


class VisitConflictOut(Schema):
    detail: str
    code: str
    data: dict = {}


def conflict(e: services.Conflict):
    return Status(409, {"detail": e.message, "code": e.code, "data": e.data})


class VisitOut(Schema):
    id: int
    household_id: int
    resident_id: int | None
    visited_at: datetime.datetime
    kind: str
    outcome: str
    met: str
    persons_met: int
    findings: str
    follow_up: str
    tags: list[str]
    campaign_id: int | None
    recorded_by_id: int
    photos: int = 0
    tickets: list[int] = []
    wishes: list[int] = []

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.tag for t in obj.tags.all()]

    @staticmethod
    def resolve_photos(obj) -> int:
        return len(obj.photos.all())

    @staticmethod
    def resolve_tickets(obj) -> list[int]:
        return [f.ticket_id for f in obj.follow_ups.all() if f.ticket_id]

    @staticmethod
    def resolve_wishes(obj) -> list[int]:
        return [f.wish_id for f in obj.follow_ups.all() if f.wish_id]


class VisitCreated(VisitOut):
    replayed: bool = False


class DueOut(Schema):
    id: int
    due_on: datetime.date
    overdue: bool
    key_group: str
    household_id: int
    address: str
    resident_id: int
    resident: str  # masked
    phone: str  # masked
    version: str = ""


def _due_out(d) -> dict:
    return {"id": d.pk, "due_on": d.due_on, "overdue": d.is_overdue, "key_group": d.rule.key_group,
            "household_id": d.household_id, "address": d.household.address or d.household.number,
            "resident_id": d.resident_id, "resident": mask_name(d.resident.name), "phone": mask_phone(d.resident.phone)}


@router.get("/today", response=list[DueOut], summary=_l("今天：我网格内到期和逾期的关爱走访（按应走访日期）"))
@paginate(Pages, page_size=200)
def today(request):
    return [_due_out(d) for d in selectors.today_list(request.user)]


class ResidentOut(Schema):
    id: int
    name: str  # masked
    relation: str
    phone: str  # masked
    tags: list[str]


class VisitHouseholdOut(Schema):
    id: int
    address: str
    version: str
    residents: list[ResidentOut]


@router.get("/households/{int:pk}", response=VisitHouseholdOut, summary=_l("走访用的户情（脱敏）与当前版本"))
def household(request, pk: int):
    hh = selectors.visit_household(request.user, pk)
    return {"id": hh.pk, "address": hh.address or hh.number, "version": services.household_version(hh),
            "residents": [{"id": r.pk, "name": mask_name(r.name), "relation": r.relation,
                           "phone": mask_phone(r.phone), "tags": [t.tag for t in r.tags.all()]}
                          for r in selectors.current_residents(hh)]}


@router.get("/visits", response=list[VisitOut], summary=_l("我可见的走访记录"))
@paginate(Pages, page_size=50)
def visit_list(request, household_id: int | None = None, kind: str = "", tag: str = ""):
    hh = selectors.visit_household(request.user, household_id) if household_id else None
    return selectors.visit_list(request.user, household=hh, kind=kind, tag=tag).prefetch_related("photos", "follow_ups")


def parse_visit_form(user, data, files) -> dict:
    """The visit form's fields (page and API alike) as visit_record's arguments. Bad values are
    ValidationErrors; a household or resident the user may not see is Http404."""
    def one(name, default=""):
        return data.get(name, default)
    try:
        household = selectors.visit_household(user, int(one("household")))
    except (TypeError, ValueError):
        raise ValidationError({"household": [_("请选择住户")]}) from None
    resident = None
    if one("resident"):
        try:
            resident = Resident.objects.filter(household=household, pk=int(one("resident"))).first()
        except (TypeError, ValueError):
            resident = None
        if resident is None:
            raise ValidationError({"resident": [_("走访对象不是该户的居民")]})
    visited_at = None
    if one("visited_at"):
        try:
            visited_at = datetime.datetime.fromisoformat(one("visited_at"))
        except ValueError:
            raise ValidationError({"visited_at": [_("走访时间格式不正确")]}) from None
        if visited_at.tzinfo is None:
            visited_at = timezone.make_aware(visited_at)
    try:
        changes = orjson.loads(one("changes") or "[]")
        if not isinstance(changes, list):
            raise ValueError
    except (orjson.JSONDecodeError, ValueError):
        raise ValidationError({"changes": [_("户情变更格式不正确")]}) from None
    campaign = None
    if one("campaign"):
        try:
            campaign = selectors.get_campaign(user, int(one("campaign")))
        except (TypeError, ValueError):
            raise Http404 from None
    raw = data.getlist("visitors") if hasattr(data, "getlist") else data.get("visitors", [])
    ids = [int(x) for x in raw if str(x).isdigit()][:20]
    visitors = list(User.objects.filter(pk__in=ids, is_active=True)) if ids else []
    tags = data.getlist("tags") if hasattr(data, "getlist") else data.get("tags", [])
    tags = [t for x in tags for t in str(x).split(",") if t]
    return {"household": household, "resident": resident, "visited_at": visited_at, "kind": one("kind"),
            "outcome": one("outcome") or "met", "tags": tags, "findings": one("findings"), "met": one("met"),
            "persons_met": one("persons_met") or 1, "follow_up": one("follow_up"), "campaign": campaign,
            "photos": files.getlist("photos") if hasattr(files, "getlist") else [], "changes": changes,
            "household_version_seen": one("version"), "client_key": one("client_key"), "visitors": visitors}


class VisitForm(Schema):
    household: int
    kind: str
    outcome: str = "met"
    tags: list[str] = []
    visitors: list[str] = []  # ids of the others who went (each must answer for the household)
    findings: str = ""
    met: str = ""
    persons_met: str = "1"  # the form's values are read by parse_visit_form (one parser for page and API)
    follow_up: str = ""
    resident: str = ""
    visited_at: str = ""
    campaign: str = ""
    changes: str = "[]"
    version: str = ""
    client_key: str = ""


@router.post("/visits", response={200: VisitCreated, 201: VisitCreated, 409: VisitConflictOut},
             summary=_l("登记走访（multipart，可带照片；同一 client_key 只记一次，重发返回原记录）"))
def visit_create(request, form: Form[VisitForm], photos: File[list[UploadedFile]] = None):
    args = parse_visit_form(request.user, request.POST, request.FILES)
    try:
        visit, created = services.visit_record(actor=request.user, **args)
    except services.Conflict as e:
        return conflict(e)
    visit = selectors.get_visit(request.user, visit.pk)
    visit.replayed = not created
    return Status(201 if created else 200, visit)


@router.get("/visits/{int:pk}", response=VisitOut)
def visit_detail(request, pk: int):
    return selectors.get_visit(request.user, pk)


class VisitTicketIn(Schema):
    tag: str = ""
    category: str = ""
    description: str = ""


class FollowOut(Schema):
    visit_id: int
    ticket_id: int | None
    wish_id: int | None


@router.post("/visits/{int:pk}/ticket", response={201: FollowOut}, summary=_l("由走访发现生成工单（渠道：网格走访）"))
def visit_ticket(request, pk: int, body: VisitTicketIn):
    visit = selectors.get_visit(request.user, pk)
    path = visit.household.node_path
    category = (catalogue.by_code(body.category, catalogue.area_for(path)) if body.category
                else services.default_category(body.tag, path))
    f = services.visit_file_ticket(actor=request.user, visit=visit, category=category, tag=body.tag,
                                   description=body.description)
    return Status(201, f)


class VisitWishIn(Schema):
    title: str
    resident_name: str = ""


@router.post("/visits/{int:pk}/wish", response={201: FollowOut}, summary=_l("由走访发现生成微心愿"))
def visit_wish(request, pk: int, body: VisitWishIn):
    visit = selectors.get_visit(request.user, pk)
    return Status(201, services.visit_file_wish(actor=request.user, visit=visit, title=body.title,
                                                resident_name=body.resident_name))


class ChangeOut(Schema):
    id: int
    visit_id: int
    household_id: int
    resident_id: int | None
    kind: str
    data: dict
    status: str

    @staticmethod
    def resolve_data(obj) -> dict:
        # The proposed phone is kept in its own sealed column; the answer shows it where it always was.
        return {**obj.data, "phone": obj.new_phone} if obj.new_phone else obj.data


@router.get("/changes", response=list[ChangeOut], summary=_l("待核实的户情变更"))
@paginate(Pages, page_size=50)
def change_list(request):
    return selectors.pending_changes(request.user)


class VisitRejectIn(Schema):
    reason: str


@router.post("/changes/{int:pk}/apply", response={200: ChangeOut, 409: VisitConflictOut}, summary=_l("采纳户情变更"))
def change_apply(request, pk: int):
    try:
        return Status(200, services.change_apply(actor=request.user, change=selectors.get_change(request.user, pk)))
    except services.Conflict as e:
        return conflict(e)


@router.post("/changes/{int:pk}/reject", response={200: ChangeOut, 409: VisitConflictOut}, summary=_l("不采纳户情变更"))
def change_reject(request, pk: int, body: VisitRejectIn):
    try:
        return Status(200, services.change_reject(actor=request.user, change=selectors.get_change(request.user, pk),
                                                  reason=body.reason))
    except services.Conflict as e:
        return conflict(e)


class VisitRuleIn(Schema):
    key_group: str
    every_days: int
    role: str = "grid_worker"
    active: bool = True


class RuleOut(Schema):
    id: int
    community_id: int
    key_group: str
    every_days: int
    role: str
    active: bool


@router.get("/communities/{int:node_id}/rules", response=list[RuleOut], summary=_l("社区关爱走访规则"))
@paginate(Pages, page_size=100)
def rules(request, node_id: int):
    return list(selectors.care_rules(territory.get_node(request.user, node_id)))


@router.put("/communities/{int:node_id}/rules", response=RuleOut, summary=_l("设置一条关爱走访规则"))
def rule_set(request, node_id: int, body: VisitRuleIn):
    return services.care_rule_set(actor=request.user, community=territory.get_node(request.user, node_id),
                                  **body.dict())


class CampaignIn(Schema):
    community_id: int
    name: str
    deadline: datetime.date
    node_id: int | None = None
    grid_id: int | None = None
    key_group: str = ""


class CampaignOut(Schema):
    id: int
    community_id: int
    name: str
    target: str
    target_label: str
    starts_on: datetime.date
    deadline: datetime.date
    total: int = 0
    visited: int = 0
    nobody: int = 0


@router.get("/campaigns", response=list[CampaignOut], summary=_l("敲门行动及进度"))
@paginate(Pages, page_size=50)
def campaign_list(request):
    return selectors.campaign_list(request.user)


@router.post("/campaigns", response={201: CampaignOut}, summary=_l("发起敲门行动（小区/楼栋、网格或重点人群）"))
def campaign_create(request, body: CampaignIn):
    community = territory.get_node(request.user, body.community_id)
    node = territory.get_node(request.user, body.node_id) if body.node_id else None
    grid = get_object_or_404(Grid, pk=body.grid_id, community=community) if body.grid_id else None
    c = services.campaign_create(actor=request.user, community=community, name=body.name, deadline=body.deadline,
                                 node=node, grid=grid, key_group=body.key_group)
    return Status(201, selectors.get_campaign(request.user, c.pk))


@router.get("/campaigns/{int:pk}", response=CampaignOut)
def campaign_detail(request, pk: int):
    return selectors.get_campaign(request.user, pk)


@router.get("/measures", summary=_l("走访指标（口径见 docs/visits.md）"))
def measures(request, node_id: int, start: datetime.date | None = None, end: datetime.date | None = None):
    node = territory.get_node(request.user, node_id)
    s, e = period_bounds(start, end)
    return visit_measures(node, s, e).as_dict()

