"""API tokens in a staff member's area: community and street staff revoke any token of a person
holding a role in their area (a lost phone, a grid worker who left). Own tokens: accounts.views_tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import ApiToken, AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.pagination import paginate

from .models import RoleAssignment
from .selectors_roles import Area, staff_area


def area_tokens(area: Area):
    """Live tokens of the people who hold a current role inside the area."""
    users = RoleAssignment.objects.active().filter(area.assignments_q()).values("user_id")
    return (ApiToken.objects.filter(revoked_at__isnull=True, user_id__in=users).select_related("user")
            .order_by("-created_at", "-id"))


@transaction.atomic
def token_revoke_in_area(*, actor, token: ApiToken, request=None) -> None:
    if not area_tokens(staff_area(actor)).filter(pk=token.pk).exists():
        raise PermissionDenied
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(actor=actor, action=AuditLog.Action.TOKEN, target=token, detail={"op": "revoke", "by": "staff"},
                 request=request)


@login_required
def area_token_list(request):
    ctx = {"page": paginate(request, area_tokens(staff_area(request.user))), "staff": True}
    return render(request, "accounts/tokens.html", ctx)


@require_POST
@login_required
def token_revoke_view(request, pk: int):
    token = ApiToken.objects.filter(pk=pk, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    try:
        token_revoke_in_area(actor=request.user, token=token, request=request)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("已吊销令牌“%(n)s”") % {"n": token.name})
    return redirect("territory:area_tokens")
