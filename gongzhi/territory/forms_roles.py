from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.services import find_user

from .models import Role

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TARGET_MISSING = _("所选任职对象不存在，请重新选择")


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form: field errors where the form has the field."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e.messages)
    else:
        form.add_error(None, exc.messages)


class AppointForm(forms.Form):
    person = forms.CharField(label=_("人员（用户名或手机号）"), max_length=150,
                             error_messages={"required": _("请填写被任命人员的用户名或手机号")})
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices,
                             error_messages={"required": _("请选择角色"), "invalid_choice": _("请选择有效的角色")})
    target = forms.CharField(label=_("任职对象"), widget=forms.Select,
                             error_messages={"required": _("请选择任职对象")})
    start_date = forms.DateField(label=_("任期开始"), widget=DATE_WIDGET,
                                 error_messages={"required": _("请填写任期开始日期"),
                                                 "invalid": _("请填写有效的日期")})
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, target_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = timezone.localdate()
        self.fields["target"].widget.choices = [("", _("请选择"))] + list(target_choices)

    def clean_person(self):
        user = find_user(self.cleaned_data["person"])
        if user is None:
            raise ValidationError(_("找不到该账号，请核对用户名或手机号"))
        if not user.is_active:
            raise ValidationError(_("该账号已停用，不能任命"))
        return user


class EndTermForm(forms.Form):
    end_date = forms.DateField(label=_("任期结束日期"), widget=DATE_WIDGET,
                               error_messages={"required": _("请填写任期结束日期"), "invalid": _("请填写有效的日期")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate()
