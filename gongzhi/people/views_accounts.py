"""Opening a resident's account from the resident's page (staff only): thin over services_accounts."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from gongzhi.territory.forms_roles import apply_service_errors

from . import selectors
from .permissions import can_edit_household_people
from .services_accounts import resident_account_open

ERR = {"required": _lazy("此项必填")}


class ResidentAccountForm(forms.Form):
    username = forms.CharField(label=_lazy("用户名"), max_length=150, error_messages=ERR)
    phone = forms.CharField(label=_lazy("手机号（留空则用台账中的号码）"), max_length=20, required=False)
    password = forms.CharField(label=_lazy("初始密码"), max_length=128, widget=forms.PasswordInput, error_messages=ERR,
                               help_text=_lazy("至少8位，含字母和数字；请当面交给本人，并提醒其登录后修改。"))


@login_required
@require_http_methods(["GET", "POST"])
def resident_account(request, pk: int):
    r = selectors.get_resident(request.user, pk)
    if not can_edit_household_people(request.user, r.household) or r.user_id:
        raise Http404
    form = ResidentAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            user = resident_account_open(actor=request.user, resident=r, username=cd["username"],
                                         phone=cd["phone"], password=cd["password"], request=request)
        except ValidationError as e:
            apply_service_errors(form, e)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已为%(n)s开通账号“%(u)s”") % {"n": r.name, "u": user.username})
            return redirect("people:resident", pk=r.pk)
    return render(request, "people/resident_account.html", {"r": r, "form": form},
                  status=400 if request.method == "POST" else 200)
