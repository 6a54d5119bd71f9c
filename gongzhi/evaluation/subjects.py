"""Who can be scored under a rule set: the subjects a period snapshots when it opens."""

from django.db.models import Q

from gongzhi.core.natsort import natural_key
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


def _names_below(root: Node, depth: int) -> dict[str, str]:
    """path → name of the nodes strictly between the root and `depth` (the places a subject lies in)."""
    return dict(Node.objects.filter(path__under=root.path, depth__gt=root.depth, depth__lt=depth)
                .values_list("path", "name"))


def _place_key(within: list[str], names: dict[str, str], own: str) -> tuple:
    """Natural order along the tree: 2栋 before 10栋, then 1单元 before 12单元 within a building."""
    return tuple(natural_key(names[p]) for p in within if p in names) + (natural_key(own),)


def candidates(rule_set: RuleSet) -> list[Subject]:
    """Unsaved Subject rows for everything of the rule set's subject type under its node, in the natural order
    of places. `sort_key` is the position in that order (zero-padded), so ordering by it anywhere (pages, the
    ranking's last tie-break) is the natural order, on every database."""
    st, root = rule_set.subject_type, rule_set.node
    if st in NODE_LEVEL:
        nodes = list(Node.objects.filter(path__under=root.path, level=NODE_LEVEL[st]).select_related("parent"))
        names = _names_below(root, max((n.depth for n in nodes), default=0))
        nodes.sort(key=lambda n: (_place_key(ancestors_of(n.path)[:-1], names, n.name), n.path))
        rows = [Subject(node=n, key=f"n{n.pk}", label=node_label(n)) for n in nodes]
    elif st == SubjectType.HOUSEHOLD:
        hhs = list(Household.objects.filter(node_path__under=root.path))
        names = _names_below(root, 10**6)
        hhs.sort(key=lambda h: (_place_key(ancestors_of(h.node_path), names, h.number), h.pk))
        rows = [Subject(household=h, key=f"h{h.pk}", label=h.address or h.number) for h in hhs]
    else:
        orgs = list(
            Organisation.objects.filter(kind=Organisation.Kind.PROPERTY)
            .filter(Q(community__path__under=root.path) | Q(community__path__in=ancestors_of(root.path))
                    | Q(serves__path__under=root.path))
            .distinct()
        )
        orgs.sort(key=lambda o: (natural_key(o.name), o.pk))
        rows = [Subject(organisation=o, key=f"o{o.pk}", label=o.name) for o in orgs]
    for n, s in enumerate(rows, start=1):
        s.sort_key = f"{n:08d}"
    return rows


def ref_id(subject) -> int | None:
    """The id of the place (node, household or organisation) a subject — or an award or standing naming one —
    is: the same in every period."""
    return subject.node_id or subject.household_id or subject.organisation_id
