"""An account for a resident who is in the ledger: staff open it, it is linked to the resident's
record and holds the resident role on the household, so the person can file demands for it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.territory.models import Role
from gongzhi.territory.services import role_assign
from gongzhi.territory.services_setup import account_open

from .models import Resident
from .permissions import can_edit_household_people


@transaction.atomic
def resident_account_open(*, actor, resident: Resident, username: str, password: str, phone: str = "",
                          request=None):
    resident = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    if not can_edit_household_people(actor, resident.household):
        raise PermissionDenied
    if resident.user_id:
        raise ValidationError(_("该居民已有账号"))
    if resident.moved_out_on is not None:
        raise ValidationError(_("该居民已迁出，不能开通账号"))
    user = account_open(actor=actor, username=username, name=resident.name, phone=phone or resident.phone,
                        password=password, request=request)
    Resident.objects.filter(pk=resident.pk).update(user=user)
    role_assign(actor=actor, user=user, role=Role.RESIDENT, target=resident.household, request=request)
    return user


# --- who acts for an organisation (四单 接单, service orders) ------------------------------------------

@transaction.atomic
def organisation_member_add(*, actor, organisation, user, is_admin: bool = False, request=None):
    from gongzhi.accounts.models import AuditLog
    from gongzhi.accounts.services import audit_record

    from .models import OrganisationMember
    from .permissions import can_manage_organisation

    if not can_manage_organisation(actor, organisation):
        raise PermissionDenied
    if not user.is_active:
        raise ValidationError({"person": [_("该账号已停用")]})
    if OrganisationMember.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError({"person": [_("该人员已是本组织成员")]})
    m = OrganisationMember.objects.create(organisation=organisation, user=user, is_admin=is_admin)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, target=m, label=f"{organisation} · {user}",
                 detail={"organisation": organisation.pk, "user": user.pk, "is_admin": is_admin}, request=request)
    return m


@transaction.atomic
def organisation_member_remove(*, actor, member, request=None) -> None:
    from gongzhi.accounts.models import AuditLog
    from gongzhi.accounts.services import audit_record

    from .permissions import can_manage_organisation

    if not can_manage_organisation(actor, member.organisation):
        raise PermissionDenied
    audit_record(actor=actor, action=AuditLog.Action.DELETE, target=member,
                 label=f"{member.organisation} · {member.user}",
                 detail={"organisation": member.organisation_id, "user": member.user_id}, request=request)
    member.delete()
