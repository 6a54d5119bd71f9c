"""The public notice board of a compound (公示栏): no login, no personal data."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from gongzhi.core.responses import xlsx_response

from .. import selectors
from ..ledger import build_ledger


def _pick(periods, month: str):
    if month:
        for p in periods:
            if p.start.strftime("%Y-%m") == month or str(p.start.year) == month:
                return p
    return periods[0] if periods else None


def board(request, compound_id: int):
    compound = selectors.board_compound(compound_id)
    month = request.GET.get("month", "")
    today = timezone.localdate()
    boards = []
    for rs in selectors.board_rule_sets(compound):
        periods = list(selectors.closed_periods(rs)[:36])
        period = _pick(periods, month)
        version = selectors.version_for_board(rs, today)
        year = period.start.year if period else today.year
        boards.append({
            "rs": rs, "periods": periods, "period": period,
            "results": list(selectors.published_results(period)) if period else [],
            "version": version, "items": list(selectors.version_items(version)) if version else [],
            "year": year, "standings": [s for s in selectors.year_standings(rs, year) if s.flag_months][:20],
            "awards": list(rs.awards.current().filter(year=year).order_by("rank")),
        })
    return render(request, "evaluation/board.html", {"compound": compound, "boards": boards})


def ledger(request, compound_id: int, rule_set_id: int):
    compound = selectors.board_compound(compound_id)
    rs = next((r for r in selectors.board_rule_sets(compound) if r.pk == rule_set_id), None)
    if rs is None:
        raise Http404
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return xlsx_response(build_ledger(rs, year), f"{compound.name}-{rs.name}-{year}年台账.xlsx")
