from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Gender, KeyGroup, Organisation, Relation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form: field errors where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e.messages)
    else:
        form.add_error(None, exc.messages)


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", _("按身份证号推算"))] + list(Gender.choices),
                               required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE_WIDGET)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    moved_in_on = forms.DateField(label=_("入住日期"), required=False, widget=DATE_WIDGET)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    tags = forms.MultipleChoiceField(label=_("重点人群"), choices=KeyGroup.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class TagsForm(forms.Form):
    tags = forms.MultipleChoiceField(label=_("重点人群"), choices=KeyGroup.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class MoveOutForm(forms.Form):
    moved_out_on = forms.DateField(label=_("迁出日期"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    confirm = forms.BooleanField(label=_("确认该居民已迁出本户"), required=True)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class DualReportForm(forms.Form):
    commitment = forms.CharField(label=_("履职承诺"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    commitment_signed_on = forms.DateField(label=_("承诺书签订日期"), required=False, widget=DATE_WIDGET)


class CommunityChoiceForm(forms.Form):
    """A form whose `community` choices are the places the user may manage (passed in)."""

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        only = list(communities[:2])
        if len(only) == 1:  # most staff manage one community: no choice to make
            self.fields["community"].empty_label = None
            self.fields["community"].initial = only[0].pk


class OrganisationForm(CommunityChoiceForm):
    community = forms.ModelChoiceField(label=_("所属社区/街道"), queryset=None)
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Organisation.Kind.choices)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    has_party_org = forms.BooleanField(label=_("建有党组织"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class LedgerImportForm(CommunityChoiceForm):
    community = forms.ModelChoiceField(label=_("导入到社区"), queryset=None,
                                       error_messages={"invalid_choice": _("请选择您可管理的社区")})
    file = forms.FileField(label=_("台账文件（.xlsx）"))


    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".xlsm", ".xls")):
            raise ValidationError(_("请上传 Excel 文件（.xlsx）"))
        if f.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件不能超过20MB，请分批导入"))
        return f
