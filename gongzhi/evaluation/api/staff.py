"""Staff endpoints: rule sets, versions, items, juries, periods, results, awards."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import Router, Status
from ninja.pagination import paginate

from gongzhi.core.api import Pages
from gongzhi.territory.selectors import get_node

from .. import aggregation, selectors, services
from ..models import RuleItem
from ..periods_calendar import check_year
from ..permissions import can_manage_rule_set
from .schemas import (
    AwardOut,
    EvaluationRoleHolderOut,
    ItemIn,
    ItemOut,
    ItemPatch,
    JurorIn,
    JurorOut,
    PeriodDetail,
    PeriodIn,
    PeriodJurorIn,
    PeriodOut,
    ReasonIn,
    ResultOut,
    RuleSetDetail,
    RuleSetIn,
    RuleSetOut,
    SeatProgressOut,
    StandingOut,
    SubsidyIn,
    SubsidyOut,
    VersionIn,
    VersionOut,
    YearIn,
    place_of,
    seat_progress,
)

router = Router()


@router.get("/rulesets", response=list[RuleSetOut], summary=_l("我管辖范围内的评分细则"))
@paginate(Pages, page_size=100)
def rule_sets(request):
    return selectors.visible_rule_sets(request.user).order_by("node__path", "name")


@router.post("/rulesets", response={201: RuleSetOut})
def rule_set_create(request, data: RuleSetIn):
    node = get_node(request.user, data.node_id)
    d = data.dict()
    d.pop("node_id")
    return Status(201, services.rule_set_create(actor=request.user, node=node, **d))


@router.get("/rulesets/{pk}", response=RuleSetDetail)
def rule_set(request, pk: int):
    return selectors.get_rule_set(request.user, pk)


@router.post("/rulesets/{pk}/versions", response={201: VersionOut})
def version_create(request, pk: int, data: VersionIn):
    rs = selectors.get_rule_set(request.user, pk)
    d = {k: v for k, v in data.dict().items() if v is not None}
    return Status(201, services.version_create(actor=request.user, rule_set=rs, **d))


@router.get("/versions/{pk}", response=VersionOut)
def version(request, pk: int):
    return selectors.get_version(request.user, pk)


@router.post("/versions/{pk}/items", response={201: ItemOut})
def item_add(request, pk: int, data: ItemIn):
    v = selectors.get_version(request.user, pk)
    d = data.dict()
    derived = d.pop("derived_from_id")
    derived_from = RuleItem.objects.filter(pk=derived, version__rule_set=v.rule_set).first() if derived else None
    if derived and derived_from is None:
        raise ValidationError({"derived_from_id": [_("只能修订同一套细则中的条目")]})
    return Status(201, services.item_add(actor=request.user, version=v, derived_from=derived_from, **d))


def _item(request, pk: int) -> RuleItem:
    item = RuleItem.objects.filter(pk=pk).select_related("version").first()
    if item is None:
        raise Http404
    selectors.get_version(request.user, item.version_id)
    return item


@router.patch("/items/{pk}", response=ItemOut)
def item_revise(request, pk: int, data: ItemPatch):
    return services.item_revise(actor=request.user, item=_item(request, pk), **data.dict())


@router.delete("/items/{pk}", response={204: None})
def item_remove(request, pk: int):
    services.item_remove(actor=request.user, item=_item(request, pk))
    return Status(204, None)


@router.post("/rulesets/{pk}/jurors", response={201: JurorOut})
def juror_add(request, pk: int, data: JurorIn):
    rs = selectors.get_rule_set(request.user, pk)
    if not can_manage_rule_set(request.user, rs):
        # Before the look-up: someone who may only read the rule set learns nothing about accounts.
        raise PermissionDenied(_("您不能管理这个评审团"))
    user = selectors.juror_candidate(rs, data.login)
    if user is None:
        raise ValidationError({"login": [_("没有找到这个账号")]})
    return Status(201, services.juror_add(actor=request.user, rule_set=rs, user=user, party=data.party))


@router.delete("/rulesets/{pk}/jurors/{juror_id}", response={204: None})
def juror_remove(request, pk: int, juror_id: int):
    rs = selectors.get_rule_set(request.user, pk)
    juror = rs.jurors.filter(pk=juror_id, active=True).first()
    if juror is None:
        raise Http404
    services.juror_remove(actor=request.user, juror=juror)
    return Status(204, None)


@router.get("/rulesets/{pk}/periods", response=list[PeriodOut])
@paginate(Pages, page_size=100)
def periods(request, pk: int):
    return selectors.rule_set_periods(selectors.get_rule_set(request.user, pk))


@router.post("/rulesets/{pk}/periods", response={201: PeriodOut})
def period_open(request, pk: int, data: PeriodIn):
    rs = selectors.get_rule_set(request.user, pk)
    return Status(201, services.period_open(actor=request.user, rule_set=rs, day=data.day, subject_refs=data.subject_refs))


@router.get("/periods/{pk}", response=PeriodDetail)
def period(request, pk: int):
    return selectors.get_period(request.user, pk)


@router.get("/periods/{pk}/jurors", response=list[SeatProgressOut], summary=_l("本期评审团及各评委评分进度"))
@paginate(Pages, page_size=100)
def period_jurors(request, pk: int):
    return [seat_progress(x) for x in selectors.jury_progress(selectors.get_period(request.user, pk))]


@router.post("/periods/{pk}/jurors", response={201: JurorOut}, summary=_l("加入本期评委（仅本期）"))
def period_juror_add(request, pk: int, data: PeriodJurorIn):
    p = selectors.get_period(request.user, pk)
    if not can_manage_rule_set(request.user, p.rule_set):
        raise PermissionDenied(_("您不能管理这个考评期的评审团"))
    user = selectors.juror_candidate(p.rule_set, data.login)
    if user is None:
        raise ValidationError({"login": [_("没有找到这个账号")]})
    return Status(201, services.period_juror_add(actor=request.user, period=p, user=user, party=data.party))


@router.delete("/periods/{pk}/jurors/{seat_id}", response={204: None}, summary=_l("移出本期评委（仅本期）"))
def period_juror_remove(request, pk: int, seat_id: int):
    p = selectors.get_period(request.user, pk)
    services.period_juror_remove(actor=request.user, period=p, seat=selectors.get_period_seat(p, seat_id))
    return Status(204, None)


@router.post("/periods/{pk}/close", response=PeriodDetail)
def period_close(request, pk: int, data: ReasonIn):
    p = services.period_close(actor=request.user, period=selectors.get_period(request.user, pk), reason=data.reason)
    return p


@router.post("/periods/{pk}/reopen", response=PeriodDetail)
def period_reopen(request, pk: int, data: ReasonIn):
    p = services.period_reopen(actor=request.user, period=selectors.get_period(request.user, pk), reason=data.reason)
    return p


@router.get("/periods/{pk}/results", response=list[ResultOut], summary=_l("最近一次结算的排名"))
@paginate(Pages, page_size=200)
def results(request, pk: int):
    return selectors.current_results(selectors.get_period(request.user, pk))


@router.get("/periods/{pk}/subjects/{subject_id}/explanation", summary=_l("逐条目、逐评委的得分说明"))
def explanation(request, pk: int, subject_id: int):
    p = selectors.get_period(request.user, pk)
    ex = aggregation.explain(selectors.get_subject(p, subject_id))
    return {
        "subject_id": ex.subject.pk, "key": ex.subject.key, "place_id": place_of(ex.subject),
        "subject": ex.subject.label, "version": ex.version_number, "base_points": ex.base_points,
        "score_total": ex.score_total, "bonus": ex.bonus, "deduction": ex.deduction, "total": ex.total,
        "vetoed_by": [ln.item.description for ln in ex.veto_lines],
        "jury": [{"id": s.pk, "user_id": s.user_id, "name": s.user.display_name, "party": s.party,
                  "party_label": s.get_party_display(), "scored": s.pk in ex.scored_by} for s in ex.jury],
        "items": [{
            "item_id": ln.item.pk, "position": ln.item.position, "kind": ln.item.kind,
            "description": ln.item.description, "points": ln.item.points, "cap": ln.item.cap,
            "party_means": ln.party_means, "mean": ln.mean,
            "jurors": [{"juror_id": e.juror_id, "name": e.juror_name, "party": e.party, "count": e.count,
                        "value": e.value, "note": e.note} for e in ln.entries],
        } for ln in ex.lines],
    }


@router.get("/rulesets/{pk}/standings", response=list[StandingOut], summary=_l("年度获旗次数排名"))
@paginate(Pages, page_size=100)
def standings(request, pk: int, year: int):
    rs = selectors.get_rule_set(request.user, pk)
    return selectors.year_standings(rs, check_year(year))


@router.get("/rulesets/{pk}/awards", response=list[AwardOut], summary=_l("年度奖励（含授予人、授予时间）"))
@paginate(Pages, page_size=100)
def awards(request, pk: int):
    return list(selectors.rule_set_awards(selectors.get_rule_set(request.user, pk)))


@router.post("/rulesets/{pk}/awards", response={201: list[AwardOut]})
def awards_grant(request, pk: int, data: YearIn):
    rs = selectors.get_rule_set(request.user, pk)
    return Status(201, services.awards_grant(actor=request.user, rule_set=rs, year=data.year,
                                             subsidy_percent=data.subsidy_percent))


@router.get("/rulesets/{pk}/role-holders", response=list[EvaluationRoleHolderOut],
            summary=_l("可授予“三长”补贴的小区长、楼栋长、单元长"))
@paginate(Pages, page_size=100)
def role_holders(request, pk: int):
    return selectors.role_holders(selectors.get_rule_set(request.user, pk), limit=None)


@router.get("/rulesets/{pk}/role-subsidies", response=list[SubsidyOut], summary=_l("已授予的“三长”补贴（含授予人、授予时间）"))
@paginate(Pages, page_size=100)
def role_subsidies(request, pk: int, year: int | None = None):
    rs = selectors.get_rule_set(request.user, pk)
    qs = selectors.rule_set_subsidies(rs)
    return qs.filter(year=check_year(year)) if year is not None else qs


@router.post("/rulesets/{pk}/role-subsidies", response={201: SubsidyOut})
def role_subsidy(request, pk: int, data: SubsidyIn):
    rs = selectors.get_rule_set(request.user, pk)
    if not can_manage_rule_set(request.user, rs):
        raise PermissionDenied(_("您不能授予“三长”补贴"))
    assignment = next((a for a in selectors.role_holders(rs, limit=None) if a.pk == data.assignment_id), None)
    if assignment is None:
        raise ValidationError({"assignment_id": [_("只能给本细则范围内的小区长、楼栋长、单元长授予补贴")]})
    return Status(201, services.role_subsidy_grant(actor=request.user, rule_set=rs, year=data.year,
                                                   assignment=assignment, note=data.note))
