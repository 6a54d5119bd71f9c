"""Pages for handlers and community staff: my queue, the dispatch board, supervision and follow-up
lists, the rates page and its Excel export."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.pagination import paginate
from gongzhi.core.responses import xlsx_response
from gongzhi.territory import selectors as territory

from . import permissions as perms
from . import selectors, services
from .measures import period_bounds, ticket_measures
from .models import OPEN_STATUSES, Status
from .views import error_text


@login_required
def queue(request):
    page = paginate(request, selectors.handler_queue(request.user), per_page=30)
    return render(request, "tickets/queue.html", {"page": page, "now": timezone.now()})


@login_required
def board(request):
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.board(request.user, status=status, overdue=overdue)
    statuses = [(s, Status(s).label) for s in OPEN_STATUSES]
    return render(request, "tickets/board.html", {"page": paginate(request, qs), "now": timezone.now(),
                                                  "status": status, "overdue": overdue, "statuses": statuses})


@login_required
def supervision(request):
    return render(request, "tickets/supervision.html", {"page": paginate(request, selectors.supervision_list(request.user))})


@login_required
def follow_ups(request):
    """电话回访 works from this list: the reporter's number in full for those who call back (audited)."""
    page = paginate(request, selectors.follow_up_list(request.user))
    phones = services.reporter_phones_shown(actor=request.user, tickets=page.object_list, request=request,
                                            channel="follow_ups")
    for t in page.object_list:
        t.phone_shown = phones[t.pk]
    return render(request, "tickets/follow_ups.html", {"page": page})


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationError({"date": [_("日期格式应为 YYYY-MM-DD")]}) from None


def _measures(request):
    roots = [n for n in territory.root_nodes(request.user)[:50] if perms.is_worker_for(request.user, n.path)]
    node_id = request.GET.get("node")
    if node_id and not (node_id.isascii() and node_id.isdigit() and len(node_id) <= 18):
        raise ValidationError({"node": [_("地区编号无效")]})
    node = selectors.measures_node(request.user, int(node_id)) if node_id else (roots[0] if roots else None)
    start, end = period_bounds(_date(request.GET.get("start")), _date(request.GET.get("end")))
    return node, roots, start, end


@login_required
def stats(request):
    ctx = {"error": ""}
    try:
        node, roots, start, end = _measures(request)
    except ValidationError as e:
        return render(request, "tickets/stats.html", {"error": error_text(e)}, status=400)
    ctx.update(node=node, roots=roots, start=start.date(), end=(end - datetime.timedelta(days=1)).date())
    if node is not None:
        ctx["m"] = ticket_measures(node, start, end)
    return render(request, "tickets/stats.html", ctx)


@login_required
def stats_xlsx(request):
    try:
        node, _roots, start, end = _measures(request)
    except ValidationError as e:
        return HttpResponse(error_text(e), status=400, content_type="text/plain; charset=utf-8")
    if node is None:
        raise Http404
    data, filename = services.measures_export(actor=request.user, measures=ticket_measures(node, start, end),
                                              request=request)
    return xlsx_response(data, filename)
