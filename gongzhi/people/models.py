"""Residents, party members (双报到, 党员联系户) and organisations."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fields import BlindIndexField, EncryptedQuerySet, EncryptedTextField
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.core.models import TimeStamped
from gongzhi.core.validators import validate_id_number, validate_phone, validate_uscc
from gongzhi.territory.models import Household, Node, PartyOrg


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")


class KeyGroup(models.TextChoices):
    ELDERLY = "elderly", _("老年人")
    CHILD = "child", _("未成年人")
    EMPTY_NEST = "empty_nest", _("空巢老人")
    SOLITARY = "solitary", _("孤寡老人")
    HARDSHIP = "hardship", _("困难群体")
    SPECIAL = "special", _("特殊群体")
    DISABLED = "disabled", _("残疾人")
    VETERAN = "veteran", _("退役军人")


class Resident(TimeStamped):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents",
                                  verbose_name=_("户"))
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, blank=True, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # Unique among current residents only: a moved-out record stays as history when the person
    # registers in another community.
    # Sealed in the database (core/fields.py); exact look-up and uniqueness go through the blind index.
    id_number = EncryptedTextField(_("身份证号"), max_length=18, null=True, blank=True,  # noqa: DJ001 (NULL = unknown, outside the unique index)
                                   validators=[validate_id_number], index_field="id_number_index")
    id_number_index = BlindIndexField(null=True, blank=True, source="id_number", db_index=True)  # noqa: DJ001
    phone = EncryptedTextField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.HEAD)
    moved_in_on = models.DateField(_("迁入日期"), null=True, blank=True)
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="resident", verbose_name=_("账号"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["household_id", "relation", "id"]
        indexes = [models.Index(fields=["household", "moved_out_on"]), models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=models.Q(relation="head", moved_out_on__isnull=True),
                                    name="one_current_head_per_household"),
            models.UniqueConstraint(fields=["id_number_index"], condition=models.Q(moved_out_on__isnull=True),
                                    name="one_current_record_per_id_number"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_head(self) -> bool:
        return self.relation == Relation.HEAD

    @property
    def is_current(self) -> bool:
        return self.moved_out_on is None

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ResidentTag(models.Model):
    """A key-group tag on a resident (一老一小, 空巢, 困难 …): one row per tag, so it is indexable."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("重点人群"), max_length=16, choices=KeyGroup.choices)

    class Meta:
        verbose_name = _("重点人群标记")
        verbose_name_plural = _("重点人群标记")
        constraints = [models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_unique")]
        indexes = [models.Index(fields=["tag", "resident"])]

    def __str__(self) -> str:
        return self.get_tag_display()


class PartyMember(TimeStamped):
    class Category(models.TextChoices):
        RESIDENT = "resident", _("居住地党员")
        IN_SERVICE = "in_service", _("在职党员")
        FLOATING = "floating", _("流动党员")
        RETIRED = "retired", _("离退休党员")

    class Post(models.TextChoices):
        POLICY = "policy", _("政策宣讲")
        ENVIRONMENT = "environment", _("环境治理")
        SAFETY = "safety", _("安全监督")
        SERVICE = "service", _("综合服务")
        CIVILITY = "civility", _("文明创建")

    resident = models.OneToOneField(Resident, on_delete=models.PROTECT, related_name="party_member",
                                    verbose_name=_("居民"))
    category = models.CharField(_("党员类别"), max_length=12, choices=Category.choices)
    party_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="members", verbose_name=_("所在党组织"))
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    post = models.CharField(_("认领岗位"), max_length=12, choices=Post.choices, blank=True)
    shows_identity = models.BooleanField(_("亮身份"), default=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")

    def __str__(self) -> str:
        return self.resident.name


class DualReport(TimeStamped):
    """双报到: an (in-service) party member reports to the community where they live; it confirms."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已退回")

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="dual_reports",
                               verbose_name=_("党员"))
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="dual_reports",
                                  verbose_name=_("报到社区"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    commitment = models.TextField(_("履职承诺"), blank=True)
    commitment_signed_on = models.DateField(_("承诺书签订日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("确认人"))
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("双报到")
        verbose_name_plural = _("双报到")
        constraints = [
            models.UniqueConstraint(fields=["member", "community"], condition=~models.Q(status="rejected"),
                                    name="one_open_dual_report_per_community"),
        ]

    def __str__(self) -> str:
        return f"双报到 {self.member} → {self.community}"


class MemberHousehold(models.Model):
    """党员联系户: the households a party member serves (一人带一家、一户带一片)."""

    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="served",
                               verbose_name=_("党员"))
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="served_by",
                                  verbose_name=_("联系户"))
    since = models.DateField(_("联系开始"), auto_now_add=True)

    class Meta:
        verbose_name = _("党员联系户")
        verbose_name_plural = _("党员联系户")
        constraints = [models.UniqueConstraint(fields=["member", "household"], name="member_household_unique")]

    def __str__(self) -> str:
        return f"{self.member} · {self.household}"


class Organisation(TimeStamped):
    class Kind(models.TextChoices):
        CO_BUILDING = "co_building", _("共建单位")
        SOCIAL = "social", _("社会组织")
        PROPERTY = "property", _("物业企业")
        OWNERS_COMMITTEE = "owners", _("业委会/自管委")
        SERVICE_TEAM = "service_team", _("专业服务队")
        SELF_MANAGEMENT = "self_mgmt", _("自管小组")
        VOLUNTEER_TEAM = "volunteer", _("志愿服务队")
        DEPARTMENT = "department", _("职能部门")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True,
                            validators=[validate_uscc])
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="organisations",
                                  verbose_name=_("所属社区/街道"))
    serves = models.ManyToManyField(Node, blank=True, related_name="served_by_organisations",
                                    verbose_name=_("服务范围"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = EncryptedTextField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    has_party_org = models.BooleanField(_("建有党组织"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["community_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "kind", "name"], name="organisation_unique_name")]

    def __str__(self) -> str:
        return self.name


class OrganisationMember(models.Model):
    """A user who acts for an organisation (property company staff, a service team's head …)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisations")
    is_admin = models.BooleanField(_("负责人"), default=False)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="organisation_member_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.user}"
