"""JSON API for activities: near me, sign-up (409 full/duplicate …), check-in by the scanned code,
the organiser's list, ticks, hour corrections, certificates, and the public certificate check."""

import datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _l
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import Pages
from gongzhi.points.selectors import staff_communities

from . import codes, selectors, services
from .issuers import get_issuer, get_volunteer, issuer_volunteers, issuers_for
from .models import Activity, Kind, SignUp, VolunteerRecord
from .permissions import can_create_activity, can_run_activity

# Inline enums in the OpenAPI document: the TextChoices classes themselves would all be named "Kind"
# there, and the last one would stand for every other.
ActivityKind = Literal[tuple(Kind.values)]
RecordKind = Literal[tuple(VolunteerRecord.Kind.values)]
AudienceValue = Literal[tuple(Activity.Audience.values)]

router = Router(tags=[_l("活动与志愿服务")])
ERRORS = {400: dict, 403: dict, 404: dict, 409: dict}


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    community_id: int
    organiser_id: int | None
    address: str
    start_at: datetime.datetime
    end_at: datetime.datetime
    audience: str
    status: str
    served_count: int


class ShiftIn(Schema):
    name: str
    capacity: int


class ActivityIn(Schema):
    community_id: int
    title: str
    kind: ActivityKind
    start_at: datetime.datetime
    end_at: datetime.datetime
    shifts: list[ShiftIn]
    client_key: str
    address: str = ""
    description: str = ""
    organiser_id: int | None = None
    audience: AudienceValue = "public"
    serves_groups: list[str] = []
    cancel_cutoff_hours: int = 2


class SignUpOut(Schema):
    id: int
    activity_id: int
    shift_id: int
    resident_name: str
    status: str
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None
    minutes: int | None


class CheckinTokenIn(Schema):
    token: str
    expect: str | None = None  # "in" / "out": what the client showed; a repeat is refused, not flipped


class ScanOut(Schema):
    action: str
    signup: SignUpOut


class HoursIn(Schema):
    minutes: int
    reason: str


class CertificateIn(Schema):
    date_from: datetime.date
    date_to: datetime.date
    client_key: str


class CertificateOut(Schema):
    number: str
    name: str
    masked_id: str
    issuer: str
    period_from: datetime.date
    period_to: datetime.date
    total_minutes: int
    lines: list[dict]
    # The issuer's training, commendation and evaluation records printed on it: kind, date, title,
    # hours ("" for none), grantor.
    records: list[dict]
    issued_at: datetime.datetime


def _signup_out(s: SignUp) -> dict:
    return {"id": s.pk, "activity_id": s.activity_id, "shift_id": s.shift_id, "resident_name": s.resident.name,
            "status": s.status, "checked_in_at": s.checked_in_at, "checked_out_at": s.checked_out_at,
            "minutes": s.minutes}


def _run_signup(request, pk: int) -> SignUp:
    s = get_object_or_404(SignUp.objects.select_related("activity", "resident"), pk=pk)
    if not can_run_activity(request.auth, s.activity):
        raise Http404
    return s


@router.get("/", response=list[ActivityOut], summary=_l("附近的活动（可报名，分页）"))
@paginate(Pages, page_size=50)
def near(request):
    return selectors.near_me(request.auth)


@router.post("/", response={201: ActivityOut, **ERRORS}, summary=_l("发布活动（相同 client_key 只发布一次）"))
def create(request, data: ActivityIn):
    community = staff_communities(request.auth).filter(pk=data.community_id).first()
    organiser = None
    if data.organiser_id:
        from gongzhi.people.models import Organisation

        organiser = get_object_or_404(Organisation, pk=data.organiser_id)
    if community is None:
        from gongzhi.territory.models import Level, Node

        community = get_object_or_404(Node, pk=data.community_id, level=Level.COMMUNITY)
        if not can_create_activity(request.auth, community, organiser):
            raise Http404
    a = services.activity_create(
        actor=request.auth, community=community, title=data.title, kind=data.kind, start_at=data.start_at,
        end_at=data.end_at, shifts=[services.ShiftInput(s.name, s.capacity) for s in data.shifts],
        client_key=data.client_key, address=data.address, description=data.description, organiser=organiser,
        audience=data.audience, serves_groups=data.serves_groups, cancel_cutoff_hours=data.cancel_cutoff_hours)
    return Status(201, a)


@router.get("/mine", response=list[SignUpOut], summary=_l("我的报名、签到和时长（分页）"))
@paginate(Pages, page_size=50)
def mine(request):
    return [_signup_out(s) for s in selectors.my_signups(request.auth).select_related("resident")[:1000]]


class IssuerOut(Schema):
    key: str
    name: str


class VolunteerOut(Schema):
    id: int
    name: str
    masked_id: str

    @staticmethod
    def resolve_masked_id(obj) -> str:
        return obj.masked_id_number


class RecordIn(Schema):
    kind: RecordKind
    title: str
    on: datetime.date
    client_key: str
    hours: Decimal | None = None
    grantor: str = ""
    note: str = ""


class RecordOut(Schema):
    id: int
    resident_id: int
    kind: str
    title: str
    on: datetime.date
    hours: str | None
    grantor: str
    note: str
    issuer: str
    recorded_at: datetime.datetime

    @staticmethod
    def resolve_hours(obj) -> str | None:
        return f"{obj.hours:.2f}" if obj.hours is not None else None

    @staticmethod
    def resolve_issuer(obj) -> str:
        return obj.organiser.name if obj.organiser_id else obj.community.name


@router.get("/records/mine", response=list[RecordOut], summary=_l("我的培训、表彰与评价记录（分页）"))
@paginate(Pages, page_size=50)
def records_mine(request):
    return selectors.my_records(request.auth)


@router.get("/records/issuers", response=list[IssuerOut], summary=_l("我可以记录培训、表彰与评价的单位（分页）"))
@paginate(Pages, page_size=50)
def record_issuers(request):
    return [{"key": i.key, "name": i.name} for i in issuers_for(request.auth)]


@router.get("/records/{issuer}/volunteers", response=list[VolunteerOut],
            summary=_l("本单位的志愿者（证件号码脱敏，分页）"))
@paginate(Pages, page_size=50)
def record_volunteers(request, issuer: str):
    return issuer_volunteers(get_issuer(request.auth, issuer))


@router.get("/records/{issuer}/volunteers/{resident_id}", response=list[RecordOut],
            summary=_l("一位志愿者在本单位的培训、表彰与评价记录（分页）"))
@paginate(Pages, page_size=50)
def volunteer_records(request, issuer: str, resident_id: int):
    i = get_issuer(request.auth, issuer)
    return i.records().filter(resident=get_volunteer(i, resident_id)).select_related("organiser", "community")


@router.post("/records/{issuer}/volunteers/{resident_id}", response={201: RecordOut, **ERRORS},
             summary=_l("记录培训、表彰或评价（谁记录谁证明；相同 client_key 只记录一次）"))
def volunteer_record_add(request, issuer: str, resident_id: int, data: RecordIn):
    i = get_issuer(request.auth, issuer)
    r = services.volunteer_record_add(actor=request.auth, issuer=i, resident=get_volunteer(i, resident_id),
                                      kind=data.kind, title=data.title, on=data.on, hours=data.hours,
                                      grantor=data.grantor, note=data.note, client_key=data.client_key)
    return Status(201, r)


@router.get("/certificates/verify/{number}", auth=None, response={200: CertificateOut, 404: dict},
            summary=_l("凭编号查验志愿服务证明（无需登录）"))
def verify(request, number: str):
    cert = selectors.verify(number)
    if cert is None:
        raise Http404
    return cert


@router.post("/checkin", response={200: ScanOut, **ERRORS}, summary=_l("扫码签到/签退（签到码中的令牌）"))
def checkin(request, data: CheckinTokenIn):
    s, action = services.scan(actor=request.auth, token=data.token, expect=data.expect)
    return {"action": action, "signup": _signup_out(s)}


@router.get("/{pk}", response={200: ActivityOut, 404: dict}, summary=_l("活动详情"))
def detail(request, pk: int):
    return selectors.get_activity(request.auth, pk)


@router.get("/{pk}/signups", response=list[SignUpOut], summary=_l("报名名单（组织者）"))
@paginate(Pages, page_size=200)
def signups(request, pk: int):
    a = selectors.get_run_activity(request.auth, pk)
    return [_signup_out(s) for s in selectors.signup_list(a)[:2000]]


@router.get("/{pk}/code", response={200: dict, 404: dict}, summary=_l("当前签到码（每分钟更新，2分钟内有效）"))
def code(request, pk: int):
    a = selectors.get_run_activity(request.auth, pk)
    return {"url": request.build_absolute_uri(codes.checkin_path(a.pk)), "valid_seconds": codes.MAX_AGE}


class ActivityReasonIn(Schema):
    reason: str


@router.post("/{pk}/cancel", response={200: ActivityOut, **ERRORS}, summary=_l("取消活动（须填原因，通知报名人员）"))
def activity_cancel(request, pk: int, data: ActivityReasonIn):
    a = selectors.get_run_activity(request.auth, pk)
    return services.activity_cancel(actor=request.auth, activity=a, reason=data.reason)


@router.post("/shifts/{pk}/signups", response={201: SignUpOut, **ERRORS}, summary=_l("报名（满员进入候补）"))
def signup(request, pk: int):
    from .models import Shift

    shift = get_object_or_404(Shift, pk=pk)
    selectors.get_activity(request.auth, shift.activity_id)
    return Status(201, _signup_out(services.signup_create(actor=request.auth, shift=shift)))


@router.post("/signups/{pk}/cancel", response={200: SignUpOut, **ERRORS}, summary=_l("取消报名（截止时间前）"))
def cancel(request, pk: int):
    s = get_object_or_404(SignUp.objects.select_related("activity", "resident"), pk=pk)
    if s.user_id != request.auth.pk and not can_run_activity(request.auth, s.activity):
        raise Http404
    return _signup_out(services.signup_cancel(actor=request.auth, signup=s))


@router.post("/signups/{pk}/tick", response={200: ScanOut, **ERRORS}, summary=_l("组织者代为签到/签退"))
def tick(request, pk: int, expect: str | None = None):
    s = _run_signup(request, pk)
    action = services.tick(actor=request.auth, signup=s, expect=expect)
    s.refresh_from_db()
    return {"action": action, "signup": _signup_out(s)}


@router.post("/signups/{pk}/hours", response={200: SignUpOut, **ERRORS}, summary=_l("更正服务时长（须填理由）"))
def hours(request, pk: int, data: HoursIn):
    s = _run_signup(request, pk)
    return _signup_out(services.hours_correct(actor=request.auth, signup=s, minutes=data.minutes, reason=data.reason))


@router.post("/signups/{pk}/certificates", response={201: CertificateOut, **ERRORS}, summary=_l("出具志愿服务证明"))
def certificate(request, pk: int, data: CertificateIn):
    s = get_object_or_404(SignUp.objects.select_related("activity__organiser", "activity__community", "resident"), pk=pk)
    if not can_create_activity(request.auth, s.activity.community, s.activity.organiser):
        raise Http404
    return Status(201, services.certificate_issue(
        actor=request.auth, resident=s.resident, organiser=s.activity.organiser, community=s.activity.community,
        date_from=data.date_from, date_to=data.date_to, client_key=data.client_key))
