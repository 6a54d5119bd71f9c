"""A user's own API tokens: list and revoke (staff revoke others' on territory's area page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.pagination import paginate

from .models import ApiToken
from .services import token_revoke


@login_required
def my_tokens(request):
    rows = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at", "-id")
    return render(request, "accounts/tokens.html", {"page": paginate(request, rows), "staff": False})


@require_POST
@login_required
def my_token_revoke(request, pk: int):
    token = ApiToken.objects.filter(pk=pk, user=request.user, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("已吊销令牌“%(n)s”") % {"n": token.name})
    return redirect("accounts:tokens")
