from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.pagination import paginate

from . import selectors, services
from .forms import LoginForm
from .models import AuditLog


def login_view(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = LoginForm(request.POST or None)
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
    qs = selectors.audit_log(request.user, action=request.GET.get("action") or "")
    return render(request, "accounts/audit_log.html", {"page": paginate(request, qs), "actions": AuditLog.Action.choices})


@login_required
@require_POST
def auditor_grant_view(request):
    if not services.can_read_audit_log(request.user):
        raise Http404
    from .models import User

    user = User.objects.filter(username=(request.POST.get("username") or "").strip()[:150]).first()
    if user is None:
        messages.error(request, _("没有这个用户"))
        return redirect("accounts:audit_log")
    try:
        services.user_set_auditor(actor=request.user, user=user, value=request.POST.get("op") != "revoke",
                                  request=request)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("已更新 %(u)s 的审计员权限") % {"u": user.username})
    return redirect("accounts:audit_log")


@login_required
def inbox_view(request):
    if request.method == "POST":
        services.notifications_mark_read(actor=request.user)
        return redirect("accounts:inbox")
    return render(request, "accounts/inbox.html", {"page": paginate(request, selectors.inbox(request.user))})


def locked_out(request, original_response=None, credentials=None):
    """What axes answers when a client address is locked out (login page, API token or admin alike)."""
    message = _("登录失败次数过多，请在%(m)s分钟后再试或联系管理员") % {"m": settings.LOGIN_LOCK_MINUTES}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("dashboard:home")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "password_expired": services.password_expired(self.request.user)}

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(actor=self.request.user, user=self.request.user, request=self.request)
        messages.success(self.request, _("密码已修改，原有的 API 令牌已全部失效"))
        return response
