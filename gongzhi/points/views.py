"""Pages: the resident's points and the exchange on the phone; staff's rules, items, counter, ledger."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.pagination import paginate
from gongzhi.core.responses import xlsx_response
from gongzhi.people.models import Resident

from . import forms, selectors, services
from .codes import account_id_from_code, personal_code, qr_svg
from .ledger import build_points_ledger
from .models import Account, Entry, Item, Order
from .permissions import can_manage_points


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


def _my_account(request) -> Account:
    acc = selectors.my_account(request.user)
    if acc is None:
        raise Http404
    return acc


@login_required
def mine(request):
    acc = selectors.my_account(request.user)
    if acc is None:
        return render(request, "points/no_account.html")
    account, entries = selectors.account_summary(acc.pk)
    code = personal_code(account.pk)
    return render(request, "points/mine.html", {
        "account": account, "entries": entries, "code": code, "qr": qr_svg(code, scale=4),
        "orders": selectors.my_orders(account).filter(status=Order.Status.PLACED)[:20],
    })


@login_required
def history(request):
    acc = _my_account(request)
    return render(request, "points/history.html", {"account": acc, "page": paginate(request, selectors.account_entries(acc))})


@login_required
@require_POST
def consent(request):
    acc = _my_account(request)
    services.consent_set(actor=request.user, account=acc, consent=request.POST.get("consent") == "1")
    messages.success(request, _("已保存"))
    return redirect("points:mine")


@login_required
def shop(request):
    acc = _my_account(request)
    return render(request, "points/shop.html", {"account": acc, "items": selectors.items_for_account(acc),
                                                "form": forms.OrderForm()})


@login_required
def order(request, pk: int):
    acc = _my_account(request)
    item = get_object_or_404(selectors.items_for_account(acc), pk=pk)
    form = forms.OrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            o = services.redeem(actor=request.user, item=item, account=acc, quantity=form.cleaned_data["quantity"],
                                client_key=form.cleaned_data["client_key"])
            messages.success(request, _("兑换成功：%(i)s × %(n)s，请到社区柜台领取") % {"i": o.item.name, "n": o.quantity})
            return redirect("points:mine")
        except ValidationError as e:
            _errors(form, e)
    return render(request, "points/order.html", {"account": acc, "item": item, "form": form})


@login_required
@require_POST
def order_cancel(request, pk: int):
    o = Order.objects.select_related("item", "account__resident").filter(pk=pk).first()
    if o is None or not (o.account.resident.user_id == request.user.pk or can_manage_points(request.user, o.item.community)):
        raise Http404
    try:
        services.order_cancel(actor=request.user, order=o, reason=request.POST.get("reason", ""))
        messages.success(request, _("已取消，积分已退回"))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/points/") else "points:mine")


# --- staff ---------------------------------------------------------------------------------------

def _community(request):
    communities = list(selectors.staff_communities(request.user)[:200])
    if not communities:
        raise PermissionDenied(_("只有社区或街道工作人员可以管理积分"))
    chosen = request.GET.get("c") or request.POST.get("c")
    community = next((c for c in communities if str(c.pk) == chosen), communities[0])
    return community, communities


def _staff_ctx(request, **extra):
    community, communities = _community(request)
    return {"community": community, "communities": communities, **extra}


@login_required
def staff(request):
    ctx = _staff_ctx(request)
    c = ctx["community"]
    ctx["versions"] = selectors.rule_versions(c)[:5]
    ctx["pending"] = selectors.community_orders(c, Order.Status.PLACED)[:50]
    ctx["items"] = selectors.community_items(c)[:50]
    return render(request, "points/staff.html", ctx)


@login_required
def rules(request):
    ctx = _staff_ctx(request)
    form = forms.RuleVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        rows = [services.RuleInput(k.value, d[f"points_{k.value}"], d[f"cap_{k.value}"])
                for k in forms.RULE_KINDS if d.get(f"points_{k.value}")]
        try:
            v = services.rule_version_create(actor=request.user, community=ctx["community"], effective_from=d["effective_from"],
                                             rules=rows, expire_after_years=d["expire_after_years"],
                                             adopted_by=d["adopted_by"])
            messages.success(request, _("已发布第%(n)s版积分规则") % {"n": v.number})
            return redirect(f"{request.path}?c={ctx['community'].pk}")
        except ValidationError as e:
            _errors(form, e)
    ctx.update(form=form, versions=selectors.rule_versions(ctx["community"]))
    return render(request, "points/rules.html", ctx)


@login_required
def items(request):
    ctx = _staff_ctx(request)
    form = forms.ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_create(actor=request.user, community=ctx["community"], **form.cleaned_data)
            messages.success(request, _("已上架"))
            return redirect(f"{request.path}?c={ctx['community'].pk}")
        except ValidationError as e:
            _errors(form, e)
    ctx.update(form=form, items=selectors.community_items(ctx["community"]), stock_form=forms.StockForm())
    return render(request, "points/items.html", ctx)


@login_required
@require_POST
def item_stock(request, pk: int):
    item = get_object_or_404(Item, pk=pk)
    if not can_manage_points(request.user, item.community):
        raise Http404
    form = forms.StockForm(request.POST)
    try:
        if request.POST.get("toggle"):
            services.item_update(actor=request.user, item=item, active=not item.active,
                                 per_person_limit=item.per_person_limit)
        elif form.is_valid():
            services.item_update(actor=request.user, item=item, add_stock=form.cleaned_data["add_stock"],
                                 per_person_limit=item.per_person_limit)
        else:
            raise ValidationError(_("请填写入库数量"))
        messages.success(request, _("已保存：%(i)s") % {"i": item.name})
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect(f"/points/staff/items/?c={item.community_id}")


@login_required
def counter(request):
    ctx = _staff_ctx(request)
    form = forms.CounterForm(request.POST or None, community=ctx["community"])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        acc_id = account_id_from_code(d["code"])
        acc = Account.objects.filter(pk=acc_id, community=ctx["community"]).select_related("resident").first() if acc_id else None
        if acc is None:
            form.add_error("code", _("居民码无效或已过期，请让居民刷新积分页面后重新出示"))
        else:
            try:
                o = services.redeem(actor=request.user, item=d["item"], account=acc, quantity=d["quantity"],
                                    client_key=d["client_key"], channel=Order.Channel.COUNTER)
                messages.success(request, _("已兑换：%(r)s %(i)s × %(n)s，扣除%(p)s积分") % {
                    "r": acc.resident.name, "i": o.item.name, "n": o.quantity, "p": o.points})
                return redirect(f"{request.path}?c={ctx['community'].pk}")
            except ValidationError as e:
                _errors(form, e)
    ctx.update(form=form, pending=selectors.community_orders(ctx["community"], Order.Status.PLACED)[:100])
    return render(request, "points/counter.html", ctx)


@login_required
@require_POST
def order_collect(request, pk: int):
    o = get_object_or_404(Order.objects.select_related("item"), pk=pk)
    if not can_manage_points(request.user, o.item.community):
        raise Http404
    try:
        services.order_collect(actor=request.user, order=o)
        messages.success(request, _("已发放"))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect(f"/points/staff/counter/?c={o.item.community_id}")


@login_required
def award(request):
    ctx = _staff_ctx(request)
    form = forms.AwardForm(request.POST or None, initial={"resident": request.GET.get("resident")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        resident = Resident.objects.filter(pk=d["resident"], household__node_path__startswith=ctx["community"].path).first()
        if resident is None:
            form.add_error("resident", _("本社区没有这个居民"))
        else:
            try:
                services.manual_award(actor=request.user, resident=resident, amount=d["amount"], reason=d["reason"],
                                      client_key=d["client_key"])
                messages.success(request, _("已奖励%(r)s %(n)s积分") % {"r": resident.name, "n": d["amount"]})
                return redirect(f"{request.path}?c={ctx['community'].pk}")
            except ValidationError as e:
                _errors(form, e)
    ctx["form"] = form
    return render(request, "points/award.html", ctx)


@login_required
def account(request, pk: int):
    acc = selectors.visible_accounts(request.user).filter(pk=pk).first()
    if acc is None:
        raise Http404
    return render(request, "points/account.html", {
        "account": acc, "page": paginate(request, selectors.account_entries(acc)),
        "can_manage": can_manage_points(request.user, acc.community), "reverse_form": forms.ReverseForm()})


@login_required
@require_POST
def entry_reverse(request, pk: int):
    entry = get_object_or_404(Entry.objects.select_related("account__community"), pk=pk)
    if not can_manage_points(request.user, entry.account.community):
        raise Http404
    try:
        services.entry_reverse(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
        messages.success(request, _("已冲正"))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("points:account", entry.account_id)


def parse_period(request) -> tuple[datetime.date, datetime.date]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, defaulting to this month; junk falls back to the default, and a
    period longer than 5 years is cut."""
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = today.replace(day=1)
    try:
        end = datetime.date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        end = today
    start = max(start, datetime.date(2000, 1, 1))
    end = min(max(end, start), start + datetime.timedelta(days=366 * 5))
    return start, end


def day_bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time(), tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tz))


@login_required
def ledger(request):
    community, _all = _community(request)
    start, end = parse_period(request)
    data = build_points_ledger(community, *day_bounds(start, end))
    audit_record(actor=request.user, action=AuditLog.Action.EXPORT, target=community, label=f"积分台账 {community.name}",
                 detail={"from": start.isoformat(), "to": end.isoformat()}, request=request)
    return xlsx_response(data, f"{community.name}积分台账{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
