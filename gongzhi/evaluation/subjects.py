"""Who can be scored under a rule set: the subjects a period snapshots when it opens."""

from django.db.models import Q

from gongzhi.core.paths import ancestors_of
from gongzhi.people.models import Organisation
from gongzhi.territory.models import Household, Level, Node

from .models import RuleSet, Subject, SubjectType

NODE_LEVEL = {SubjectType.UNIT: Level.UNIT, SubjectType.BUILDING: Level.BUILDING, SubjectType.COMPOUND: Level.COMPOUND}


def node_label(node: Node) -> str:
    """"3栋2单元" for a unit (its building's name and its own), the node's own name otherwise."""
    if node.level == Level.UNIT and node.parent is not None and node.parent.level == Level.BUILDING:
        return f"{node.parent.name}{node.name}"
    return node.name


def candidates(rule_set: RuleSet) -> list[Subject]:
    """Unsaved Subject rows for everything of the rule set's subject type under its node, in tree order."""
    st, root = rule_set.subject_type, rule_set.node
    if st in NODE_LEVEL:
        nodes = Node.objects.filter(path__under=root.path, level=NODE_LEVEL[st]).select_related("parent").order_by("path")
        return [Subject(node=n, key=f"n{n.pk}", label=node_label(n), sort_key=n.path) for n in nodes]
    if st == SubjectType.HOUSEHOLD:
        hhs = Household.objects.filter(node_path__under=root.path).order_by("node_path", "number")
        return [Subject(household=h, key=f"h{h.pk}", label=h.address or h.number,
                        sort_key=f"{h.node_path}/{h.number}"[:200]) for h in hhs]
    orgs = (
        Organisation.objects.filter(kind=Organisation.Kind.PROPERTY)
        .filter(Q(community__path__under=root.path) | Q(community__path__in=ancestors_of(root.path))
                | Q(serves__path__under=root.path))
        .distinct().order_by("name", "pk")
    )
    return [Subject(organisation=o, key=f"o{o.pk}", label=o.name, sort_key=f"{o.name}/{o.pk:010d}"[:200]) for o in orgs]


def ref_id(subject: Subject) -> int:
    return subject.node_id or subject.household_id or subject.organisation_id
