"""Pages for residents and handlers: submit, my tickets, a ticket with its history and the actions
the user may take, photos. Thin adapters over services, selectors and permissions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from gongzhi.core.pagination import paginate

from . import permissions as perms
from . import selectors, services
from .duplicates import suggest_duplicates
from .forms import DispatchForm, FollowUpForm, SubmitForm
from .models import Attachment, Channel, FollowUp, HandlingLevel, Status, Ticket
from .routing import candidates, first_route
from .workflow import can_transition


def error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def run_action(request, fn, done: str = "") -> bool:
    """Run a button's service call; its outcome (or refusal) becomes the page's message, saying what
    happened when the caller tells (`done`, e.g. "已受理 #61")."""
    try:
        fn()
    except ValidationError as e:
        messages.error(request, error_text(e))
    except PermissionDenied as e:
        messages.error(request, str(e) or _("没有权限执行此操作"))
    else:
        messages.success(request, done or _("已保存"))
        return True
    return False


@login_required
def home(request):
    """Send each role to its own start page."""
    if perms.is_any_staff(request.user):
        return redirect("tickets:board")
    if selectors.handler_queue(request.user).exists() or perms.can_claim_wish(request.user):
        return redirect("tickets:queue")
    return redirect("tickets:mine")


@login_required
def submit(request):
    form = SubmitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        channel = d.get("channel") or Channel.SELF
        try:
            ticket = services.ticket_submit(
                actor=request.user, channel=channel, kind=d["kind"], category=d["category"], title=d["title"],
                description=d["description"], external_no=d.get("external_no", ""),
                reporter_name=d.get("reporter_name", ""), reporter_phone=d.get("reporter_phone", ""),
                idempotency_key=d.get("idem") or "", photos=request.FILES.getlist("photos"), **form.place(),
            )
        except ValidationError as e:
            form.add_error(None, error_text(e))
        except PermissionDenied as e:
            form.add_error(None, str(e) or _("没有权限执行此操作"))
        else:
            messages.success(request, _("诉求已提交，编号 #%(pk)s") % {"pk": ticket.pk})
            return redirect("tickets:detail", pk=ticket.pk)
    # A refused submission (bad photo, missing field) answers 400 with the form and its messages.
    return render(request, "tickets/submit.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
def duplicates(request):
    """htmx: possible duplicates while a staff member types (same place/compound, similar text)."""
    # A half-typed form may send anything: a junk or hidden id just finds nothing.
    pk = _int(request.GET.get("node") or request.GET.get("community"))
    node = selectors.filing_nodes(request.user).filter(pk=pk).first() if pk else None
    found = []
    if node is not None and perms.is_worker_for(request.user, node.path):
        found = suggest_duplicates(user=request.user, node_path=node.path, text=request.GET.get("description", ""))
    return render(request, "tickets/_duplicates.html", {"found": found})


@login_required
def places(request):
    """htmx: the intake form's place picker, <option>s of at most 20 places the user may file for."""
    q = request.GET.get("place_q", "")
    found = [{"pk": p.pk, "label": selectors.place_label(p)} for p in selectors.place_search(request.user, q)]
    return render(request, "tickets/_places.html", {"places": found, "q": q.strip()})


@login_required
def mine(request):
    page = paginate(request, selectors.my_tickets(request.user), per_page=20)
    return render(request, "tickets/mine.html", {"page": page})


@login_required
def detail(request, pk: int):
    t = selectors.get_ticket(request.user, pk)
    user = request.user
    ctx = {
        "t": t,
        "events": selectors.ticket_timeline(user, t),
        "photos": selectors.ticket_attachments(t),
        "follow_ups": selectors.ticket_follow_ups(t),
        # The transition table says which states allow it, not a copy of it here.
        "can_dispatch": perms.can_dispatch_ticket(user, t) and can_transition(t, Status.DISPATCHED),
        "can_handle": perms.can_handle_ticket(user, t),
        "can_follow_up": perms.can_follow_up_ticket(user, t),
        "can_rate": perms.can_rate_ticket(user, t),
        "can_close": perms.can_close_ticket(user, t),
        "can_supervise": perms.can_supervise_ticket(user, t),
        "overdue": t.is_overdue(),
        "reporter_phone": services.reporter_phones_shown(actor=user, tickets=[t], request=request)[t.pk],
    }
    if ctx["can_dispatch"]:
        ctx["dispatch_form"] = DispatchForm()
        ctx["suggested"] = first_route(t)
        ctx["candidates"] = candidates(t)
        ctx["levels"] = HandlingLevel.choices
        if can_transition(t, Status.MERGED):  # a duplicate could still be merged
            ctx["duplicates"] = suggest_duplicates(user=user, node_path=t.node_path, text=f"{t.title} {t.description}",
                                                   exclude_pk=t.pk)
    if ctx["can_follow_up"] or ctx["can_rate"]:
        ctx["follow_form"] = FollowUpForm()
    if t.merged_into_id:
        ctx["survivor"] = t.merged_into
    return render(request, "tickets/detail.html", ctx)


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# What the toast says after each button: the step and the ticket's number.
DONE_MESSAGES = {
    "dispatch": _lazy("已分办 #%(pk)s"),
    "accept": _lazy("已受理 #%(pk)s"),
    "start": _lazy("已开始办理 #%(pk)s"),
    "resolve": _lazy("已办结 #%(pk)s，将请居民评价"),
    "reject": _lazy("已退回 #%(pk)s"),
    "merge": _lazy("已将 #%(pk)s 并入同一事项"),
    "follow-up": _lazy("已记录回访 #%(pk)s"),
    "rate": _lazy("感谢评价，#%(pk)s 的评价已提交"),
    "close": _lazy("已结案 #%(pk)s"),
    "supervise": _lazy("已督办 #%(pk)s"),
}


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Every button on the ticket page posts here; the service decides whether it is allowed."""
    t = selectors.get_ticket(request.user, pk)
    p, u = request.POST, request.user
    calls = {
        "dispatch": lambda: services.ticket_dispatch(actor=u, ticket=t, level=p.get("level", ""),
                                                     user_id=_int(p.get("user")), org_id=_int(p.get("org")),
                                                     note=p.get("note", "")),
        "accept": lambda: services.ticket_accept(actor=u, ticket=t, note=p.get("note", "")),
        "start": lambda: services.ticket_start(actor=u, ticket=t, note=p.get("note", "")),
        "resolve": lambda: services.ticket_resolve(actor=u, ticket=t, result=p.get("result", ""),
                                                   photos=request.FILES.getlist("photos")),
        "reject": lambda: services.ticket_reject(actor=u, ticket=t, reason=p.get("reason", "")),
        "merge": lambda: services.ticket_merge(actor=u, ticket=t, into=selectors.get_ticket(u, _int(p.get("into")) or 0),
                                               note=p.get("note", "")),
        "follow-up": lambda: services.ticket_follow_up(actor=u, ticket=t, rating=p.get("rating", ""),
                                                       comment=p.get("comment", ""),
                                                       via=p.get("via") or FollowUp.Via.CALL),
        "rate": lambda: services.ticket_follow_up(actor=u, ticket=t, rating=p.get("rating", ""),
                                                  comment=p.get("comment", ""), via=FollowUp.Via.SELF),
        "close": lambda: services.ticket_close(actor=u, ticket=t, note=p.get("note", "")),
        "supervise": lambda: services.ticket_supervise(actor=u, ticket=t, note=p.get("note", "")),
    }
    if action not in calls:
        raise Http404
    run_action(request, calls[action], DONE_MESSAGES[action] % {"pk": t.pk})
    if not perms.can_view_ticket(u, Ticket.objects.get(pk=t.pk)):
        return redirect("tickets:home")
    return redirect("tickets:detail", pk=t.pk)


@login_required
def attachment(request, pk: int):
    """Photos are served only to those who may see the ticket."""
    a = get_object_or_404(Attachment.objects.select_related("ticket"), pk=pk)
    if not perms.can_view_ticket(request.user, a.ticket):
        raise Http404
    return FileResponse(a.file.open("rb"), content_type=a.content_type)
