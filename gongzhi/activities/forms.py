"""Forms for activities: parse and bound input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.people.models import KeyGroup, Organisation
from gongzhi.points.forms import KeyedForm

from .models import Activity, Kind, VolunteerRecord


class ActivityForm(KeyedForm):
    title = forms.CharField(label=_("活动名称："), max_length=80)
    kind = forms.ChoiceField(label=_("类型："), choices=Kind.choices)
    start_at = forms.DateTimeField(label=_("开始时间："), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end_at = forms.DateTimeField(label=_("结束时间："), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    address = forms.CharField(label=_("地点："), max_length=120)
    description = forms.CharField(label=_("内容："), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    organiser = forms.ModelChoiceField(label=_("组织单位（留空为社区）："), queryset=Organisation.objects.none(), required=False)
    audience = forms.ChoiceField(label=_("参加方式："), choices=Activity.Audience.choices)
    serves_groups = forms.MultipleChoiceField(label=_("服务人群："), choices=KeyGroup.choices, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    shifts = forms.CharField(label=_("岗位与人数（每行一个，如“测血压 10”）："), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}), initial="志愿者 10")
    cancel_cutoff_hours = forms.IntegerField(label=_("开始前几小时截止取消："), min_value=0, max_value=168, initial=2)
    photos = forms.FileField(label=_("照片（可选）："), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args, community=None, organisations=None, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            self.fields["organiser"].queryset = Organisation.objects.filter(community=community).order_by("kind", "name")
        if organisations is not None:
            # An organisation's head: the organiser is one of theirs, the place where it is based or serves.
            org = self.fields["organiser"]
            org.queryset, org.required, org.label = organisations, True, _("组织单位：")
            org.empty_label = None
            self.fields["place"] = forms.ModelChoiceField(label=_("活动地点所在区划："), queryset=places,
                                                          empty_label=None)
            self.order_fields(["title", "kind", "start_at", "end_at", "organiser", "place", "address"])

    def clean_shifts(self):
        from .services import ShiftInput

        out = []
        for line in self.cleaned_data["shifts"].splitlines():
            line = line.strip()
            if not line:
                continue
            name, _sep, n = line.rpartition(" ")
            if not name.strip() or not n.isdigit():
                raise forms.ValidationError(_("每行写岗位名称和人数，中间用空格隔开，如“测血压 10”"))
            out.append(ShiftInput(name.strip(), int(n)))
        return out


class HoursForm(forms.Form):
    minutes = forms.IntegerField(label=_("时长（分钟）："), min_value=0, max_value=1440, step_size=15)
    reason = forms.CharField(label=_("理由："), max_length=200)


class BeneficiaryForm(forms.Form):
    count = forms.IntegerField(label=_("服务人数（未具名）："), min_value=0, max_value=100_000, required=False)
    names = forms.CharField(label=_("具名的服务对象（每行一个）："), max_length=10_000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class CertificateForm(KeyedForm):
    date_from = forms.DateField(label=_("起始日期："), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期："), widget=forms.DateInput(attrs={"type": "date"}))


class VolunteerRecordForm(KeyedForm):
    kind = forms.ChoiceField(label=_("类别："), choices=VolunteerRecord.Kind.choices, widget=forms.RadioSelect,
                             initial=VolunteerRecord.Kind.TRAINING)
    title = forms.CharField(label=_("名称（培训内容、表彰名称或评价结果）："), max_length=100)
    on = forms.DateField(label=_("日期："), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("培训时长（小时，表彰、评价不填）："), required=False, min_value=0, max_value=200,
                               decimal_places=2, max_digits=5)
    grantor = forms.CharField(label=_("培训/授予/评价单位（留空为本单位）："), max_length=100, required=False)
    note = forms.CharField(label=_("说明："), max_length=200, required=False)
