"""微积分 points for a red flag (流动红旗): when a monthly ranking's period closes, each current resident of
every unit (or building) it honours earns the red-flag points (points EarnKind.RED_FLAG), once per
award and resident (`red-flag:p<period>:n<node>:r<resident>`), in the closing transaction.

Only ranking rule sets (SetKind.RANKING, the red flag) of units or buildings: a household's title is
not "one's unit", and a compound's flag would pay a whole compound. A period closed again after a
reopening grants the units newly honoured; a unit that lost its flag keeps what it was granted (a
correction by staff is a reversing entry on the account's page)."""

from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.people.models import Resident
from gongzhi.points import services as points
from gongzhi.points.models import EarnKind

from ..models import Period, SetKind, SubjectResult, SubjectType

FLAG_SUBJECTS = (SubjectType.UNIT, SubjectType.BUILDING)


def grant_red_flags(period: Period, round_no: int, at) -> int:
    """Returns the number of entries booked. A fixed number of queries per batch of residents."""
    rule_set = period.rule_set
    if rule_set.kind != SetKind.RANKING or rule_set.subject_type not in FLAG_SUBJECTS:
        return 0
    honoured = list(SubjectResult.objects.filter(period=period, round=round_no, honoured=True,
                                                 subject__node__isnull=False)
                    .values_list("subject__node_id", "subject__node__path", "subject__label"))
    if not honoured:
        return 0
    residents = (Resident.objects.filter(reduce(or_, (Q(household__node_path__under=p) for _n, p, _l in honoured)),
                                         moved_out_on__isnull=True)
                 .select_related("household").order_by("pk"))
    grants, notes = {}, {}
    for resident in residents:
        node_id, _path, label = next(h for h in honoured if resident.household.node_path.startswith(h[1]))
        grants.setdefault(node_id, []).append((resident, f"red-flag:p{period.pk}:n{node_id}:r{resident.pk}"))
        notes[node_id] = _("%(u)s获%(t)s：%(p)s") % {"u": label, "t": period.version.top_title, "p": period.label}
    return sum(len(points.earn_many(grants=g, kind=EarnKind.RED_FLAG, at=at, note=notes[n])) for n, g in grants.items())
