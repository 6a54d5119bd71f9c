"""Exports that leave the system: audited like any other write of personal or official data."""

from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record

from ..export import measures_xlsx
from ..measures import Measures


def measures_export(*, actor, measures: Measures, request=None) -> tuple[bytes, str]:
    """The three rates of a node as .xlsx bytes and their file name; the export is audited."""
    data = measures_xlsx(measures)
    audit_record(actor=actor, action=AuditLog.Action.EXPORT, target=measures.node,
                 detail={"what": "ticket_measures"}, request=request)
    start, end = measures.start, measures.end
    return data, _("%(node)s-诉求三率-%(a)s-%(b)s.xlsx") % {"node": measures.node.name, "a": f"{start:%Y%m%d}",
                                                         "b": f"{end:%Y%m%d}"}
