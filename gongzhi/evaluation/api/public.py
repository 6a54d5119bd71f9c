"""The public notice board as JSON: no login, no personal data."""

from django.utils.translation import gettext_lazy as _l
from ninja import Router

from .. import selectors
from .schemas import place_of

router = Router()


@router.get("/board/{compound_id}", auth=None, summary=_l("小区评比公示（无需登录）"))
def board(request, compound_id: int, month: str = ""):
    compound = selectors.board_compound(compound_id)
    out = []
    for rs in selectors.board_rule_sets(compound):
        periods = list(selectors.closed_periods(rs)[:36])
        period = next((p for p in periods if month and p.start.strftime("%Y-%m") == month), None) or \
            (periods[0] if periods else None)
        out.append({
            "rule_set": rs.name, "kind": rs.kind, "subject_type": rs.subject_type,
            "periods": [p.label for p in periods],
            "period": period.label if period else None,
            "version": period.version.number if period else None,
            "title": period.version.top_title if period else "",
            "ranking": [{
                "rank": r.rank, "subject": r.subject.label, "key": r.subject.key, "place_id": place_of(r.subject),
                "total": r.total, "honoured": r.honoured,
                "vetoed": r.vetoed, "veto_reason": r.veto_item.description if r.vetoed and r.veto_item else "",
                "stars": r.stars,
            } for r in (selectors.published_results(period) if period else [])],
        })
    return {"compound": compound.name, "boards": out}
