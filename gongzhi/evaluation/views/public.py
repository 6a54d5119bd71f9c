"""The public notice board of a compound (公示栏): no login, no personal data."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.responses import xlsx_response

from .. import selectors
from ..ledger import build_ledger
from ..periods_calendar import YEAR_MAX, YEAR_MIN, check_year


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
        year = check_year(int(request.GET.get("year") or timezone.localdate().year))
    except (ValueError, ValidationError):
        msg = _("年度应在%(a)s至%(b)s之间") % {"a": YEAR_MIN, "b": YEAR_MAX}
        return HttpResponse(msg, status=400, content_type="text/plain; charset=utf-8")
    return xlsx_response(build_ledger(rs, year), _("%(c)s-%(r)s-%(y)s年台账.xlsx") % {"c": compound.name, "r": rs.name, "y": year})
