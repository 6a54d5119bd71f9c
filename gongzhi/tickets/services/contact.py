"""Showing a reporter's phone number: in full only to those who call back, each showing audited."""

from collections.abc import Iterable

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import client_ip
from gongzhi.core.masking import mask_phone

from ..models import Ticket
from ..permissions import can_see_reporter_phone


def reporter_phones_shown(*, actor, tickets: Iterable[Ticket], request=None, channel: str = "page") -> dict[int, str]:
    """{ticket pk: the number to show}: full for those allowed (one audit VIEW row per ticket whose
    number someone else's is shown in full, written in one INSERT), masked for everyone else."""
    shown: dict[int, str] = {}
    rows = []
    for t in tickets:
        phone = t.reporter_phone or ""
        if phone and can_see_reporter_phone(actor, t):
            shown[t.pk] = phone
            if t.reporter_id != actor.pk:
                rows.append(AuditLog(actor=actor, action=AuditLog.Action.VIEW, target_type=t._meta.label_lower,
                                     target_id=str(t.pk), target_label=f"#{t.pk} {t.title}"[:200],
                                     detail={"channel": channel, "field": "reporter_phone"}, ip=client_ip(request)))
        else:
            shown[t.pk] = mask_phone(phone)
    if rows:
        AuditLog.objects.bulk_create(rows)
    return shown
