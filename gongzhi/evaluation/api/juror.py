"""Juror endpoints: my open periods, their subjects and items, and score sheets (idempotent by client key)."""

from django.utils.translation import gettext_lazy as _l
from ninja import Router, Status
from ninja.pagination import paginate

from gongzhi.core.api import Pages

from .. import selectors, services
from .schemas import ItemOut, PeriodOut, SheetIn, SheetOut, SubjectOut

router = Router()


@router.get("/my/periods", response=list[PeriodOut], summary=_l("我需要评分的考评期"))
@paginate(Pages, page_size=100)
def my_periods(request):
    return selectors.juror_periods(request.user)


@router.get("/my/periods/{pk}", summary=_l("考评期的评比对象与评分条目"))
def my_period(request, pk: int):
    period, juror = selectors.get_juror_period(request.user, pk)
    return {
        "period": PeriodOut.from_orm(period).dict(),
        "party": juror.party,
        "items": [ItemOut.from_orm(i).dict() for i in selectors.scored_items(period.version)],
        "subjects": [SubjectOut.from_orm(s).dict() for s in selectors.juror_subjects(period, juror)],
    }


@router.post("/my/periods/{pk}/sheets", response={200: SheetOut, 201: SheetOut},
             summary=_l("提交一个对象的评分（相同 client_key 重复提交不会重复计分）"))
def sheet_submit(request, pk: int, data: SheetIn):
    period, _juror = selectors.get_juror_period(request.user, pk)
    res = services.sheet_submit(actor=request.user, period=period, subject_id=data.subject_id,
                                client_key=data.client_key, values=data.values, notes=data.notes, note=data.note)
    return Status(201 if res.created else 200, {"sheet_id": res.sheet.pk, "created": res.created,
                                                "period_closed": res.period_closed})
