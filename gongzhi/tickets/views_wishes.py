"""The wish wall and the 四单 service orders."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.pagination import paginate
from gongzhi.people.models import Organisation

from . import permissions as perms
from . import selectors_wishes as sel
from . import services
from .views import run_action


def _int_or_404(value) -> int | None:
    """A posted id: empty is None; anything but a positive integer is not found (404), never a 500."""
    if value in (None, ""):
        return None
    value = str(value).strip()
    if not value.isdigit():
        raise Http404(_("编号无效"))
    return int(value)


def _next_or(request, fallback: str):
    """Only a local `next` is followed (no open redirect to another site)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
def wall(request):
    status = request.GET.get("status", "open")
    page = paginate(request, sel.wall(request.user, status=status), per_page=30)
    return render(request, "tickets/wall.html", {
        "page": page, "status": status, "can_claim": perms.can_claim_wish(request.user),
        "orgs": Organisation.objects.filter(pk__in=perms.org_ids(request.user)),
        "homes": perms.resident_households(request.user)})


@login_required
@require_POST
def wish_new(request):
    run_action(request, lambda: services.wish_create(actor=request.user, title=request.POST.get("title", ""),
                                               description=request.POST.get("description", "")))
    return redirect("tickets:wall")


@login_required
@require_POST
def wish_act(request, pk: int, action: str):
    wish = sel.get_wish(request.user, pk)
    u, p = request.user, request.POST
    org = None
    org_pk = _int_or_404(p.get("org"))
    if org_pk is not None:
        org = Organisation.objects.filter(pk=org_pk, pk__in=perms.org_ids(u)).first()
        if org is None:
            raise Http404(_("没有这个组织"))
    calls = {
        "claim": lambda: services.wish_claim(actor=u, wish=wish, organisation=org),
        "fulfil": lambda: services.wish_fulfil(actor=u, wish=wish, note=p.get("note", "")),
        "confirm": lambda: services.wish_confirm(actor=u, wish=wish),
    }
    if action not in calls:
        raise Http404
    run_action(request, calls[action])
    return _next_or(request, "tickets:wall")


@login_required
def orders(request):
    u = request.user
    return render(request, "tickets/orders.html", {
        "offerings": sel.offerings_for(u),
        "page": paginate(request, sel.visible_orders(u), per_page=30),
        "orgs": sel.dispatch_orgs(u),
        "my_org_ids": perms.org_ids(u),
    })


@login_required
@require_POST
def order_new(request, offering_pk: int):
    offering = sel.get_offering(request.user, offering_pk)
    run_action(request, lambda: services.order_create(actor=request.user, offering=offering, note=request.POST.get("note", "")))
    return redirect("tickets:orders")


@login_required
@require_POST
def order_act(request, pk: int, action: str):
    order = sel.get_order(request.user, pk)
    u, p = request.user, request.POST
    org_pk = _int_or_404(p.get("org"))
    # Only organisations this user may dispatch this order to are found; the service checks again.
    org = sel.get_dispatch_org(u, order, org_pk) if org_pk is not None else None
    calls = {
        "dispatch": lambda: services.order_dispatch(actor=u, order=order, organisation=org),
        "accept": lambda: services.order_accept(actor=u, order=order),
        "decline": lambda: services.order_decline(actor=u, order=order, reason=p.get("reason", "")),
        "done": lambda: services.order_done(actor=u, order=order, result=p.get("result", "")),
        "rate": lambda: services.order_rate(actor=u, order=order, rating=p.get("rating", ""), comment=p.get("comment", "")),
        "cancel": lambda: services.order_cancel(actor=u, order=order, reason=p.get("reason", "")),
    }
    if action not in calls:
        raise Http404
    run_action(request, calls[action])
    return redirect("tickets:orders")
