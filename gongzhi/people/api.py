"""JSON API for people: the same selectors and services as the pages. Hidden and missing are both 404."""

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gongzhi.core.api import Pages, validation_messages
from gongzhi.territory.permissions import can_view_full_id
from gongzhi.territory.selectors import visible_nodes

from . import ledger, selectors, services
from .forms import MAX_UPLOAD_BYTES
from .models import DualReport, KeyGroup, Organisation, PartyMember, Resident

router = Router(tags=[_l("人员与组织")])


class ResidentBrief(Schema):
    id: int
    name: str
    relation: str
    gender: str
    household_id: int
    address: str
    phone: str  # masked
    id_number: str  # masked
    tags: list[str]
    is_current: bool

    @staticmethod
    def resolve_address(obj) -> str:
        return obj.household.address if isinstance(obj, Resident) else obj["address"]

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.masked_phone if isinstance(obj, Resident) else obj["phone"]

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.masked_id_number if isinstance(obj, Resident) else obj["id_number"]

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.tag for t in obj.tags.all()] if isinstance(obj, Resident) else obj["tags"]


class ResidentFull(ResidentBrief):
    birth_date: datetime.date | None
    moved_in_on: datetime.date | None
    moved_out_on: datetime.date | None
    micro_grid: str
    note: str
    full_id_number: bool


class HouseholdResident(Schema):
    id: int
    name: str
    relation: str
    gender: str
    phone: str
    id_number: str
    tags: list[str]

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.masked_phone

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.masked_id_number

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.tag for t in obj.tags.all()]


class HouseholdWithResidents(Schema):
    id: int
    number: str
    address: str
    node_id: int
    micro_grid_id: int
    micro_grid: str
    grid: str
    residents: list[HouseholdResident]

    @staticmethod
    def resolve_micro_grid(obj) -> str:
        return obj.micro_grid.name

    @staticmethod
    def resolve_grid(obj) -> str:
        return obj.micro_grid.parent.name if obj.micro_grid.parent_id else ""

    @staticmethod
    def resolve_residents(obj):
        return obj.current_residents


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    uscc: str | None
    community_id: int
    community: str
    contact_name: str
    phone: str
    has_party_org: bool
    note: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name


class OrganisationIn(Schema):
    community_id: int
    name: str
    kind: str
    uscc: str | None = None
    contact_name: str = ""
    phone: str = ""
    has_party_org: bool = False
    note: str = ""


class PartyMemberOut(Schema):
    id: int
    resident_id: int
    name: str
    category: str
    category_label: str
    party_org: str | None
    post: str
    shows_identity: bool
    served_household_ids: list[int]

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_category_label(obj) -> str:
        return obj.get_category_display()

    @staticmethod
    def resolve_party_org(obj) -> str | None:
        return obj.party_org.name if obj.party_org_id else None

    @staticmethod
    def resolve_served_household_ids(obj) -> list[int]:
        return [s.household_id for s in obj.served.all()]


class DualReportOut(Schema):
    id: int
    member_id: int
    name: str
    community_id: int
    community: str
    status: str
    status_label: str
    commitment: str
    reason: str
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.member.resident.name

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


class PeopleErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | list[str]


def _bad_request(exc: ValidationError) -> Status:
    """400 with the field errors, in the same shape as core.api's ValidationError handler."""
    return Status(400, {"detail": _("数据有误"), "errors": validation_messages(exc)})


class RejectIn(Schema):
    reason: str


class ImportErrorOut(Schema):
    row: int | None
    column: str
    message: str


class ImportOut(Schema):
    ok: bool
    checked_only: bool = Field(False, description="true: only checked (check_only), nothing written")
    rows: int
    created_nodes: int
    created_households: int
    moved_households: int
    created_residents: int
    updated_residents: int
    unchanged_residents: int
    errors: list[ImportErrorOut]


@router.get("/residents", response=list[ResidentBrief], summary=_l("居民列表（电话、身份证号脱敏）"))
@paginate(Pages, page_size=50)
def residents(request, q: str = "", tag: KeyGroup | None = None):
    return selectors.resident_list(request.user, q=q[:50], tag=tag or "")


@router.get("/residents/{pk}", response=ResidentFull, summary=_l("居民完整信息（查看记入审计日志）"))
def resident(request, pk: int, response: HttpResponse):
    response["Cache-Control"] = "no-store, private"  # personal data: never kept by a cache
    r = selectors.get_resident(request.user, pk)
    services.resident_view_full(actor=request.user, resident=r, request=request, channel="api")
    full = can_view_full_id(request.user, r.household.node_path)
    return {
        "id": r.pk, "name": r.name, "relation": r.relation, "gender": r.gender, "household_id": r.household_id,
        "address": r.household.address, "phone": r.phone, "tags": [t.tag for t in r.tags.all()],
        "is_current": r.is_current, "birth_date": r.birth_date, "moved_in_on": r.moved_in_on,
        "moved_out_on": r.moved_out_on, "micro_grid": r.household.micro_grid.name, "note": r.note,
        "id_number": (r.id_number or "") if full else r.masked_id_number, "full_id_number": full,
    }


@router.get("/households", response=list[HouseholdWithResidents], summary=_l("住户及现居住人员（脱敏）"))
@paginate(Pages, page_size=50)
def households(request, q: str = ""):
    return selectors.household_list(request.user, q=q[:50])


class MyHouseholdOut(Schema):
    id: int
    address: str
    micro_grid_id: int
    via_role: bool
    via_member: bool


@router.get("/my/households", response=list[MyHouseholdOut], summary=_l("我负责的住户（按角色和党员联系户）"))
@paginate(Pages, page_size=100)
def my_households(request):
    return selectors.households_for_person(request.user)


@router.get("/households/{pk}", response=HouseholdWithResidents, summary=_l("一户及现居住人员（脱敏）"))
def household(request, pk: int):
    hh = selectors.household_list(request.user).filter(pk=pk).first()
    if hh is None:
        raise Http404
    return hh


@router.get("/organisations", response=list[OrganisationOut])
@paginate(Pages, page_size=50)
def organisations(request, kind: Organisation.Kind | None = None, q: str = ""):
    return selectors.organisation_list(request.user, kind=kind or "", q=q[:50])


@router.get("/organisations/{pk}", response=OrganisationOut)
def organisation(request, pk: int):
    return selectors.get_organisation(request.user, pk)


@router.post("/organisations", response={201: OrganisationOut, 400: PeopleErrorOut},
             summary=_l("登记组织（校验统一社会信用代码）"))
def organisation_create(request, payload: OrganisationIn):
    community = _place_or_404(request.user, payload.community_id,
                              selectors.manageable_organisation_places(request.user))
    data = payload.dict()
    data.pop("community_id")
    try:
        return Status(201, services.organisation_create(actor=request.user, community=community, **data))
    except ValidationError as e:
        return _bad_request(e)


@router.get("/party-members", response=list[PartyMemberOut])
@paginate(Pages, page_size=50)
def party_members(request, category: PartyMember.Category | None = None, q: str = ""):
    return selectors.party_member_list(request.user, category=category or "", q=q[:50])


@router.get("/party-members/{pk}", response=PartyMemberOut)
def party_member(request, pk: int):
    return selectors.get_party_member(request.user, pk)


# Inline in the OpenAPI document: the enum class itself would be the component "Status", which the
# tickets' status also is.
DualReportStatus = Literal[tuple(DualReport.Status.values)]


@router.get("/dual-reports", response=list[DualReportOut], summary=_l("双报到"))
@paginate(Pages, page_size=50)
def dual_reports(request, status: DualReportStatus | None = None):
    return selectors.dual_report_list(request.user, status=status or "")


@router.post("/dual-reports/{pk}/confirm", response={200: DualReportOut, 400: PeopleErrorOut}, summary=_l("社区确认报到"))
def dual_report_confirm(request, pk: int):
    report = selectors.get_dual_report(request.user, pk)
    try:
        return Status(200, services.dual_report_confirm(actor=request.user, report=report))
    except ValidationError as e:
        return _bad_request(e)


@router.post("/dual-reports/{pk}/reject", response={200: DualReportOut, 400: PeopleErrorOut},
             summary=_l("社区退回报到（须填原因）"))
def dual_report_reject(request, pk: int, payload: RejectIn):
    report = selectors.get_dual_report(request.user, pk)
    try:
        return Status(200, services.dual_report_reject(actor=request.user, report=report, reason=payload.reason))
    except ValidationError as e:
        return _bad_request(e)


def _place_or_404(user, pk: int, manageable):
    """Hidden = 404; visible but not manageable = 403."""
    node = manageable.filter(pk=pk).first()
    if node is not None:
        return node
    if visible_nodes(user).filter(pk=pk).exists():
        raise PermissionDenied
    raise Http404


@router.post("/import", response={200: ImportOut, 400: ImportOut}, summary=_l("导入居民台账（multipart）"))
def ledger_import(request, community_id: Form[int], file: File[UploadedFile], check_only: Form[bool] = False):
    """With check_only, the file is checked and the counts say what importing it would do; nothing is
    written. Without, it is imported when every row is right (and nothing is written otherwise)."""
    community = _place_or_404(request.user, community_id, selectors.manageable_communities(request.user))
    if file.size > MAX_UPLOAD_BYTES:
        result = ledger.ImportResult(errors=[ledger.LedgerError(None, "", _("文件不能超过20MB，请分批导入"))])
        return Status(400, result.as_dict())
    if check_only:
        result = ledger.ledger_check(actor=request.user, community=community, data=file.read())
    else:
        result = ledger.ledger_import(actor=request.user, community=community, data=file.read(),
                                      filename=file.name or "", request=request)
    return Status(200 if result.ok else 400, result.as_dict())
