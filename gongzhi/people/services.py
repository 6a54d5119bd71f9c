"""Writes for people: residents, key-group tags, party members, 双报到, 党员联系户, organisations.

Every function checks permission, validates with Chinese messages, runs in a transaction and writes
an audit row. Audit details name the fields that changed, never the personal values themselves."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record, client_ip
from gongzhi.core.validators import (
    birth_date_from_id,
    gender_from_id,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from gongzhi.territory.models import Household, Level, Node, PartyOrg
from gongzhi.territory.permissions import can_manage_node, can_view_full_id
from gongzhi.territory.services import community_of

from .models import (
    DualReport,
    Gender,
    KeyGroup,
    MemberHousehold,
    Organisation,
    PartyMember,
    Relation,
    Resident,
    ResidentTag,
)
from .permissions import (
    can_decide_dual_report,
    can_edit_household_people,
    can_edit_resident,
    can_manage_organisation,
    can_manage_party_members,
    can_submit_dual_report,
)
from .pinyin import name_pinyin
from .selectors import current_resident_with_id, party_orgs_for_household

RESIDENT_FIELDS = ("name", "gender", "birth_date", "id_number", "phone", "relation", "moved_in_on", "note")


# --- residents -------------------------------------------------------------------------------------

def resident_field_errors(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Normalise and check resident fields, without the database: the cleaned values and the
    errors by field. The one copy of these rules: the forms, the API and the ledger import use it."""
    errors: dict[str, list[str]] = {}
    out = dict(data)
    if "name" in out:
        out["name"] = (out.get("name") or "").strip()
        if not out["name"]:
            errors.setdefault("name", []).append(_("请填写姓名"))
        elif len(out["name"]) > 50:
            errors.setdefault("name", []).append(_("姓名不能超过50个字"))
    if "relation" in out and out["relation"] not in Relation.values:
        errors.setdefault("relation", []).append(_("与户主关系无效"))
    if out.get("gender") and out["gender"] not in Gender.values:
        errors.setdefault("gender", []).append(_("性别无效"))
    if "id_number" in out:
        idn = normalize_id_number(out.get("id_number") or "")
        out["id_number"] = idn or None
        if idn:
            try:
                validate_id_number(idn)
            except ValidationError as e:
                errors.setdefault("id_number", []).extend(e.messages)
            else:
                id_birth, id_gender = birth_date_from_id(idn), gender_from_id(idn)
                if not out.get("birth_date"):
                    out["birth_date"] = id_birth
                elif out["birth_date"] != id_birth:
                    errors.setdefault("birth_date", []).append(_("出生日期与身份证号不一致"))
                if not out.get("gender"):
                    out["gender"] = id_gender
                elif out["gender"] != id_gender:
                    errors.setdefault("gender", []).append(_("性别与身份证号不一致"))
    if out.get("birth_date") and out["birth_date"] > timezone.localdate():
        errors.setdefault("birth_date", []).append(_("出生日期不能晚于今天"))
    if "phone" in out:
        phone = normalize_phone(out.get("phone") or "")
        out["phone"] = phone
        if phone:
            try:
                validate_phone(phone)
            except ValidationError as e:
                errors.setdefault("phone", []).extend(e.messages)
    if "note" in out:
        out["note"] = (out.get("note") or "").strip()[:200]
    return out, errors


def clean_resident_data(data: dict, *, instance: Resident | None = None) -> dict:
    """Normalise and validate resident fields; returns the cleaned dict or raises ValidationError."""
    out, errors = resident_field_errors(data)
    # Moved-out records keep their ID number as history; only one current record per person.
    if out.get("id_number") and "id_number" not in errors and current_resident_with_id(
            out["id_number"], exclude_pk=getattr(instance, "pk", None)):
        errors.setdefault("id_number", []).append(_("该居民已登记为现居住人员，如已搬家请原登记社区先办理迁出"))
    if errors:
        raise ValidationError(errors)
    return out


def _check_single_head(household: Household, relation: str, exclude_pk: int | None = None) -> None:
    if relation != Relation.HEAD:
        return
    others = Resident.objects.filter(household=household, relation=Relation.HEAD, moved_out_on__isnull=True)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError({"relation": [_("该户已有户主，请先调整原户主的关系")]})


def _clean_tags(tags: Iterable[str]) -> list[str]:
    tags = list(dict.fromkeys(t for t in tags if t))
    bad = [t for t in tags if t not in KeyGroup.values]
    if bad:
        raise ValidationError({"tags": [_("无效的重点人群：%(t)s") % {"t": "、".join(bad)}]})
    return tags


@transaction.atomic
def resident_create(*, actor, household: Household, name: str, relation: str = Relation.HEAD, gender: str = "",
                    birth_date: datetime.date | None = None, id_number: str | None = None, phone: str = "",
                    moved_in_on: datetime.date | None = None, note: str = "", tags: Iterable[str] = ()) -> Resident:
    if not can_edit_household_people(actor, household):
        raise PermissionDenied
    data = clean_resident_data({"name": name, "relation": relation, "gender": gender, "birth_date": birth_date,
                                "id_number": id_number, "phone": phone, "moved_in_on": moved_in_on, "note": note})
    tags = _clean_tags(tags)
    Household.objects.select_for_update().filter(pk=household.pk).first()
    _check_single_head(household, data["relation"])
    resident = Resident.objects.create(household=household, name_pinyin=name_pinyin(data["name"]), **data)
    ResidentTag.objects.bulk_create([ResidentTag(resident=resident, tag=t) for t in tags])
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=resident,
                 detail={"household": household.pk, "tags": tags})
    return resident


@transaction.atomic
def resident_update(*, actor, resident: Resident, **changes) -> Resident:
    unknown = set(changes) - set(RESIDENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown resident fields: {sorted(unknown)}")
    resident = Resident.objects.select_for_update().select_related("household__micro_grid", "household__node").get(
        pk=resident.pk)
    if not can_edit_resident(actor, resident):
        raise PermissionDenied
    # Gender and birth date are checked against the ID number that will be stored, not only a new one.
    merged = {f: getattr(resident, f) for f in RESIDENT_FIELDS} | changes
    keys = set(changes)
    if keys & {"id_number", "gender", "birth_date"}:
        keys |= {"id_number", "gender", "birth_date"}
    data = clean_resident_data({k: merged[k] for k in keys}, instance=resident)
    if resident.is_current:
        _check_single_head(resident.household, data.get("relation", resident.relation), exclude_pk=resident.pk)
    changed = [f for f in RESIDENT_FIELDS if f in data and getattr(resident, f) != data[f]]
    if not changed:
        return resident
    for f in changed:
        setattr(resident, f, data[f])
    update_fields = [*changed, "updated_at"]
    if "name" in changed:
        resident.name_pinyin = name_pinyin(resident.name)
        update_fields.append("name_pinyin")
    resident.save(update_fields=update_fields)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=resident, detail={"fields": changed})
    return resident


@transaction.atomic
def resident_move_out(*, actor, resident: Resident, on: datetime.date | None = None, note: str = "") -> Resident:
    resident = Resident.objects.select_for_update().select_related("household__micro_grid", "household__node").get(
        pk=resident.pk)
    if not can_edit_resident(actor, resident):
        raise PermissionDenied
    on = on or timezone.localdate()
    if not resident.is_current:
        raise ValidationError(_("该居民已迁出"))
    if resident.moved_in_on and on < resident.moved_in_on:
        raise ValidationError({"moved_out_on": [_("迁出日期不能早于迁入日期")]})
    if on > timezone.localdate():
        raise ValidationError({"moved_out_on": [_("迁出日期不能晚于今天")]})
    resident.moved_out_on = on
    fields = ["moved_out_on", "updated_at"]
    if note:
        resident.note = note.strip()[:200]
        fields.append("note")
    resident.save(update_fields=fields)
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=resident,
                 detail={"moved_out_on": on.isoformat()})
    return resident


@transaction.atomic
def resident_tags_set(*, actor, resident: Resident, tags: Iterable[str]) -> list[str]:
    if not can_edit_resident(actor, resident):
        raise PermissionDenied
    tags = _clean_tags(tags)
    before = sorted(ResidentTag.objects.filter(resident=resident).values_list("tag", flat=True))
    ResidentTag.objects.filter(resident=resident).exclude(tag__in=tags).delete()
    ResidentTag.objects.bulk_create([ResidentTag(resident=resident, tag=t) for t in tags if t not in before])
    if before != sorted(tags):
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=resident,
                     detail={"tags": [before, sorted(tags)]})
    return sorted(tags)


def resident_view_full(*, actor, resident: Resident, request=None, channel: str = "page") -> AuditLog:
    """Record that `actor` was shown the full personal record of `resident` (PIPL: who, whom, when)."""
    return audit_record(actor=actor, action=AuditLog.Action.VIEW, target=resident,
                        detail={"channel": channel, "full_id": can_view_full_id(actor, resident.household.node_path)},
                        request=request)


def residents_view_full(*, actor, residents: Iterable[Resident], request=None, channel: str = "page") -> int:
    """One VIEW row per resident whose record was shown with full identity data (e.g. on a household page)."""
    rows = [
        AuditLog(actor=actor if actor.is_authenticated else None, action=AuditLog.Action.VIEW,
                 target_type=r._meta.label_lower, target_id=str(r.pk), target_label=str(r)[:200],
                 detail={"channel": channel, "full_id": True}, ip=client_ip(request))
        for r in residents
    ]
    AuditLog.objects.bulk_create(rows)
    return len(rows)


# --- party members ---------------------------------------------------------------------------------

@transaction.atomic
def party_member_register(*, actor, resident: Resident, category: str, party_org: PartyOrg | None = None,
                          work_unit: str = "", joined_on: datetime.date | None = None, post: str = "",
                          shows_identity: bool = True) -> PartyMember:
    household = resident.household
    if not can_manage_party_members(actor, household):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if category not in PartyMember.Category.values:
        errors["category"] = [_("请选择党员类别")]
    if post and post not in PartyMember.Post.values:
        errors["post"] = [_("岗位无效")]
    if joined_on and joined_on > timezone.localdate():
        errors["joined_on"] = [_("入党日期不能晚于今天")]
    born = resident.birth_date or (birth_date_from_id(resident.id_number) if resident.id_number else None)
    if joined_on and born and joined_on < born + datetime.timedelta(days=18 * 365):
        errors.setdefault("joined_on", []).append(_("入党时应年满十八岁"))
    if party_org is not None and not party_orgs_for_household(household).filter(pk=party_org.pk).exists():
        errors["party_org"] = [_("党组织须在该居民所在社区")]
    if category == PartyMember.Category.IN_SERVICE and not (work_unit or "").strip():
        errors["work_unit"] = [_("在职党员请填写工作单位")]
    if not resident.is_current:
        errors["resident"] = [_("该居民已迁出")]
    if PartyMember.objects.filter(resident=resident).exists():
        errors["resident"] = [_("该居民已登记为党员")]
    if errors:
        raise ValidationError(errors)
    member = PartyMember.objects.create(
        resident=resident, category=category, party_org=party_org, work_unit=(work_unit or "").strip()[:100],
        joined_on=joined_on, post=post, shows_identity=shows_identity,
    )
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=member, detail={"category": category})
    return member


# 双报到: a plain transition table.
DUAL_REPORT_TRANSITIONS = {
    DualReport.Status.SUBMITTED: {DualReport.Status.CONFIRMED, DualReport.Status.REJECTED},
    DualReport.Status.CONFIRMED: set(),
    DualReport.Status.REJECTED: set(),
}


@transaction.atomic
def dual_report_submit(*, actor, member: PartyMember, community: Node | None = None, commitment: str = "",
                       commitment_signed_on: datetime.date | None = None) -> DualReport:
    """The member reports to the community where they live (their household's community)."""
    if not can_submit_dual_report(actor, member):
        raise PermissionDenied
    home = community_of(member.resident.household.node)
    community = community or home
    if community is None or community.level != Level.COMMUNITY:
        raise ValidationError({"community": [_("请选择报到社区")]})
    if home is None or community.pk != home.pk:
        raise ValidationError({"community": [_("只能向居住地所在社区报到")]})
    if commitment_signed_on and commitment_signed_on > timezone.localdate():
        raise ValidationError({"commitment_signed_on": [_("承诺书签订日期不能晚于今天")]})
    if DualReport.objects.filter(member=member, community=community).exclude(
            status=DualReport.Status.REJECTED).exists():
        raise ValidationError(_("已向该社区报到，无需重复提交"))
    report = DualReport.objects.create(member=member, community=community, commitment=(commitment or "").strip(),
                                       commitment_signed_on=commitment_signed_on)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=report, label=_("双报到 %(m)s") % {"m": member})
    return report


def _dual_report_decide(*, actor, report: DualReport, to: str, reason: str = "") -> DualReport:
    report = DualReport.objects.select_for_update().select_related("community", "member__resident").get(pk=report.pk)
    if to not in DUAL_REPORT_TRANSITIONS[DualReport.Status(report.status)]:
        raise ValidationError(_("双报到不能从“%(a)s”变为“%(b)s”") % {
            "a": report.get_status_display(), "b": DualReport.Status(to).label})
    if not can_decide_dual_report(actor, report):
        raise PermissionDenied
    before = report.status
    report.status, report.decided_by, report.decided_at, report.reason = to, actor, timezone.now(), reason
    report.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=report, label=_("双报到 %(m)s") % {"m": report.member},
                 detail={"status": [before, to], "reason": reason})
    return report


@transaction.atomic
def dual_report_confirm(*, actor, report: DualReport) -> DualReport:
    return _dual_report_decide(actor=actor, report=report, to=DualReport.Status.CONFIRMED)


@transaction.atomic
def dual_report_reject(*, actor, report: DualReport, reason: str) -> DualReport:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("退回时请填写原因")]})
    if len(reason) > 200:
        raise ValidationError({"reason": [_("退回原因不能超过200个字")]})
    return _dual_report_decide(actor=actor, report=report, to=DualReport.Status.REJECTED, reason=reason)


# --- 党员联系户 --------------------------------------------------------------------------------------

@transaction.atomic
def member_household_link(*, actor, member: PartyMember, household: Household) -> MemberHousehold:
    if not can_manage_node(actor, household.node):
        raise PermissionDenied
    member_community = community_of(member.resident.household.node)
    if member_community is None or household.micro_grid.community_id != member_community.pk:
        raise ValidationError(_("党员只能联系本社区的住户"))
    if MemberHousehold.objects.filter(member=member, household=household).exists():
        raise ValidationError(_("该党员已联系这一户"))
    link = MemberHousehold.objects.create(member=member, household=household)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=link, label=_("%(m)s 联系 %(h)s") % {"m": member, "h": household},
                 detail={"member": member.pk, "household": household.pk})
    return link


@transaction.atomic
def member_household_unlink(*, actor, member: PartyMember, household: Household) -> None:
    if not can_manage_node(actor, household.node):
        raise PermissionDenied
    link = MemberHousehold.objects.filter(member=member, household=household).first()
    if link is None:
        raise ValidationError(_("该党员并未联系这一户"))
    audit_record(actor=actor, action=AuditLog.Action.DELETE, target=link, label=_("%(m)s 联系 %(h)s") % {"m": member, "h": household},
                 detail={"member": member.pk, "household": household.pk})
    link.delete()


# --- organisations ---------------------------------------------------------------------------------

ORGANISATION_FIELDS = ("name", "kind", "uscc", "contact_name", "phone", "has_party_org", "note")


def _clean_organisation(data: dict, *, community: Node, instance: Organisation | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    out = dict(data)
    if "name" in out:
        out["name"] = (out.get("name") or "").strip()
        if not out["name"]:
            errors["name"] = [_("请填写组织名称")]
    if "kind" in out and out["kind"] not in Organisation.Kind.values:
        errors["kind"] = [_("请选择组织类型")]
    if "uscc" in out:
        uscc = (out.get("uscc") or "").strip().upper() or None
        out["uscc"] = uscc
        if uscc:
            try:
                validate_uscc(uscc)
            except ValidationError as e:
                errors["uscc"] = list(e.messages)
            else:
                if Organisation.objects.filter(uscc=uscc).exclude(pk=getattr(instance, "pk", None)).exists():
                    errors["uscc"] = [_("该统一社会信用代码已登记")]
    if out.get("phone"):
        out["phone"] = normalize_phone(out["phone"])
        try:
            validate_phone(out["phone"])
        except ValidationError as e:
            errors["phone"] = list(e.messages)
    for f in ("contact_name", "note"):
        if f in out:
            out[f] = (out.get(f) or "").strip()
    name = out.get("name", getattr(instance, "name", ""))
    kind = out.get("kind", getattr(instance, "kind", ""))
    if name and Organisation.objects.filter(community=community, kind=kind, name=name).exclude(
            pk=getattr(instance, "pk", None)).exists():
        errors.setdefault("name", []).append(_("本社区已有同类型、同名称的组织"))
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def organisation_create(*, actor, community: Node, name: str, kind: str, uscc: str | None = None,
                        contact_name: str = "", phone: str = "", has_party_org: bool = False, note: str = "",
                        serves: Iterable[Node] = ()) -> Organisation:
    if community.level not in (Level.COMMUNITY, Level.STREET):
        raise ValidationError({"community": [_("组织只能登记在社区或街道")]})
    if not can_manage_organisation(actor, community=community):
        raise PermissionDenied
    data = _clean_organisation({"name": name, "kind": kind, "uscc": uscc, "contact_name": contact_name,
                                "phone": phone, "has_party_org": has_party_org, "note": note}, community=community)
    org = Organisation.objects.create(community=community, **data)
    serves = list(serves)
    if serves:
        org.serves.set(serves)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=org)
    return org


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, **changes) -> Organisation:
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"unknown organisation fields: {sorted(unknown)}")
    org = Organisation.objects.select_for_update().select_related("community").get(pk=organisation.pk)
    if not can_manage_organisation(actor, org):
        raise PermissionDenied
    data = _clean_organisation(changes, community=org.community, instance=org)
    changed = [f for f, v in data.items() if getattr(org, f) != v]
    if changed:
        for f in changed:
            setattr(org, f, data[f])
        org.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, target=org, detail={"fields": changed})
    return org
