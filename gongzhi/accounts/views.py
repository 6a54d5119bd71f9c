from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.pagination import paginate

from . import services
from .forms import LoginForm
from .models import AuditLog, Notification


def login_view(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = LoginForm(request.POST or None)
    if request.session.pop("idle_logout", False):
        messages.info(request, _("长时间未操作，已自动退出，请重新登录"))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_login(
                request=request, login=form.cleaned_data["login"], password=form.cleaned_data["password"]
            )
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        else:
            login(request, user, backend="gongzhi.accounts.backends.UsernameOrPhoneBackend")
            nxt = request.GET.get("next", "")
            if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
                return redirect(nxt)
            return redirect("dashboard:home")
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.audit_record(actor=request.user, action=AuditLog.Action.LOGOUT, target=request.user, request=request)
    logout(request)
    return redirect("accounts:login")


@login_required
def audit_log_view(request):
    if not request.user.is_auditor:
        raise Http404
    qs = AuditLog.objects.select_related("actor").order_by("-at", "-id")
    action = request.GET.get("action")
    if action in AuditLog.Action.values:
        qs = qs.filter(action=action)
    return render(request, "accounts/audit_log.html", {"page": paginate(request, qs), "actions": AuditLog.Action.choices})


@login_required
def inbox_view(request):
    qs = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    if request.method == "POST":
        Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("accounts:inbox")
    return render(request, "accounts/inbox.html", {"page": paginate(request, qs)})
