from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Gender, KeyGroup, Organisation, PartyMember, Relation

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
        if not f.name.lower().endswith((".xlsx", ".xlsm")):
            raise ValidationError(_("请上传 Excel 文件（.xlsx）；旧版 .xls 请先在 Excel 或 WPS 中另存为 .xlsx"))
        if f.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件不能超过20MB，请分批导入"))
        return f


class ResidentEditForm(ResidentForm):
    """Correcting a resident: the create form's fields, prefilled. Key-group tags are left out: they have
    their own form and service (resident_tags_set) on the resident page.

    PIPL: a reader who may not see full ID numbers gets the masked number as the initial value; submitting
    it unchanged keeps the stored number (`changes()` leaves it out), and a partly masked value is refused."""

    tags = None

    def __init__(self, *args, resident, full_id: bool, **kwargs):
        self.resident = resident
        self.full_id = full_id
        initial = {name: getattr(resident, name) for name in self.base_fields}
        initial["id_number"] = (resident.id_number if full_id else resident.masked_id_number) or ""
        super().__init__(*args, initial=initial, **kwargs)
        self.keeps_id_number = False
        if not full_id and resident.id_number:
            self.fields["id_number"].help_text = _("出于个人信息保护，号码已部分隐藏；不修改则保留原号码")

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip()
        if not self.full_id and self.resident.id_number and value == self.resident.masked_id_number:
            self.keeps_id_number = True
            return value
        if "*" in value:
            raise ValidationError(_("身份证号不能含“*”：请保持原样不修改，或完整填写新的号码"))
        return value

    def changes(self) -> dict:
        """The fields to pass to resident_update (without the ID number when the masked one was kept)."""
        data = dict(self.cleaned_data)
        if self.keeps_id_number:
            data.pop("id_number")
        return data


class PartyMemberForm(forms.Form):
    """党员登记: the fields party_member_register takes; party organisations limited to the resident's community."""

    category = forms.ChoiceField(label=_("党员类别"), choices=[("", _("请选择"))] + list(PartyMember.Category.choices),
                                 error_messages={"required": _("请选择党员类别")})
    party_org = forms.ModelChoiceField(label=_("所在党组织"), queryset=None, required=False,
                                       empty_label=_("暂不指定"),
                                       error_messages={"invalid_choice": _("请选择本社区的党组织")})
    work_unit = forms.CharField(label=_("工作单位"), max_length=100, required=False,
                                help_text=_("在职党员必填"))
    joined_on = forms.DateField(label=_("入党日期"), required=False, widget=DATE_WIDGET,
                                error_messages={"invalid": _("请输入有效的日期")})
    post = forms.ChoiceField(label=_("认领岗位"), choices=[("", _("暂未认领"))] + list(PartyMember.Post.choices),
                             required=False)
    shows_identity = forms.BooleanField(label=_("亮身份"), required=False, initial=True)

    def __init__(self, *args, party_orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_org"].queryset = party_orgs
