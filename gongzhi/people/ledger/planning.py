"""Checking the parsed rows against each other and against the database (micro-grids, places,
households, existing residents), and deciding what each row becomes."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gongzhi.people.models import Relation, Resident
from gongzhi.people.selectors import residents_with_ids
from gongzhi.territory.models import Grid, Household, Level, Node

from .columns import COLUMNS, LedgerError, ParsedRow


@dataclass
class _Plan:
    community: Node
    rows: list[ParsedRow]
    nodes_by_key: dict[tuple[int, str], Node]
    grids: dict[str, Grid]
    households: dict[tuple[str, str, str, str], Household | None] = field(default_factory=dict)
    matches: dict[int, Resident] = field(default_factory=dict)  # excel row -> existing resident


def _chunks(items: list, n: int = 500) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _community_nodes(community: Node) -> dict[tuple[int, str], Node]:
    return {(n.parent_id, n.name): n for n in Node.objects.filter(path__under=community.path).exclude(pk=community.pk)}


def _resolve_place(community: Node, nodes: dict[tuple[int, str], Node], place: tuple[str, str, str]
                   ) -> tuple[Node | None, str | None]:
    """The existing node for (小区, 楼栋, 单元), or None when some of it is new; or an error message."""
    parent = community
    for name, level in zip(place, (Level.COMPOUND, Level.BUILDING, Level.UNIT), strict=True):
        if not name:
            continue
        node = nodes.get((parent.pk, name))
        if node is None:
            return None, None
        if node.level != level:
            return None, _("“%(n)s”在系统中是%(a)s，不是%(b)s") % {
                "n": name, "a": node.get_level_display(), "b": Level(level).label}
        parent = node
    return parent, None


def plan_import(community: Node, rows: list[ParsedRow]) -> tuple[_Plan, list[LedgerError]]:
    errors: list[LedgerError] = []
    col = {c.key: str(c.header) for c in COLUMNS}
    grids = {g.code: g for g in Grid.objects.filter(community=community)}
    plan = _Plan(community=community, rows=rows, nodes_by_key=_community_nodes(community), grids=grids)

    # Within the file.
    first_id_row: dict[str, int] = {}
    by_household: dict[tuple, list[ParsedRow]] = defaultdict(list)
    for r in rows:
        grid = grids.get(r.micro_grid_code)
        if not r.micro_grid_code:
            pass  # reported as a required cell
        elif grid is None:
            errors.append(LedgerError(r.row, col["micro_grid"], _("本社区没有编号为“%(c)s”的微网格") % {
                "c": r.micro_grid_code}))
        elif grid.kind != Grid.Kind.MICRO:
            errors.append(LedgerError(r.row, col["micro_grid"], _("“%(c)s”是网格而不是微网格，户必须归入微网格") % {
                "c": r.micro_grid_code}))
        if r.id_number:
            if r.id_number in first_id_row:
                errors.append(LedgerError(r.row, col["id_number"], _("身份证号与第%(n)s行重复") % {
                    "n": first_id_row[r.id_number]}))
            else:
                first_id_row[r.id_number] = r.row
        if r.number:
            by_household[r.household_key].append(r)

    for _key, members in by_household.items():
        codes = {m.micro_grid_code for m in members if m.micro_grid_code}
        if len(codes) > 1:
            for m in members[1:]:
                if m.micro_grid_code and m.micro_grid_code != members[0].micro_grid_code:
                    errors.append(LedgerError(m.row, col["micro_grid"], _("同一户的微网格编号不一致（第%(n)s行为“%(c)s”）")
                                              % {"n": members[0].row, "c": members[0].micro_grid_code}))
        heads = [m for m in members if m.relation == Relation.HEAD]
        if not heads and all(m.relation for m in members):
            errors.append(LedgerError(members[0].row, col["relation"], _("该户（%(a)s）没有户主，每户须有且仅有一名户主")
                                      % {"a": "".join(members[0].household_key)}))
        for h in heads[1:]:
            errors.append(LedgerError(h.row, col["relation"], _("同一户有多名户主（另见第%(n)s行）") % {"n": heads[0].row}))
        seen_names: dict[str, int] = {}
        for m in members:
            if m.name in seen_names and not m.id_number:
                errors.append(LedgerError(m.row, col["name"], _("同一户中已有同名居民（第%(n)s行），请填写身份证号以区分")
                                          % {"n": seen_names[m.name]}))
            seen_names.setdefault(m.name, m.row)

    # Against the database: places, households, residents.
    node_for_key: dict[tuple, Node | None] = {}
    for key, members in by_household.items():
        node, msg = _resolve_place(community, plan.nodes_by_key, members[0].place)
        if msg:
            errors.append(LedgerError(members[0].row, col["building"], msg))
        node_for_key[key] = node
    node_ids = sorted({n.pk for n in node_for_key.values() if n is not None})
    existing: dict[tuple[int, str], Household] = {}
    for chunk in _chunks(node_ids):
        for hh in Household.objects.filter(node_id__in=chunk):
            existing[(hh.node_id, hh.number)] = hh
    for key, node in node_for_key.items():
        plan.households[key] = existing.get((node.pk, key[3])) if node is not None else None

    ids = [r.id_number for r in rows if r.id_number]
    # An ID number may have several records: moved-out ones anywhere, at most one current one.
    # Match this community's record (the current one, else the latest moved-out one); a current record
    # in another community means the person has not moved out there yet.
    by_id: dict[str, Resident] = {}
    current_elsewhere: set[str] = set()
    for res in residents_with_ids(ids):
        if not res.household.node_path.startswith(community.path):
            if res.moved_out_on is None:
                current_elsewhere.add(res.id_number)
            continue
        best = by_id.get(res.id_number)
        if best is None or (best.moved_out_on is not None and
                            (res.moved_out_on is None or res.moved_out_on > best.moved_out_on)):
            by_id[res.id_number] = res
    existing_hh_ids = [h.pk for h in plan.households.values() if h is not None]
    in_db_by_hh: dict[int, list[Resident]] = defaultdict(list)
    for chunk in _chunks(existing_hh_ids):
        for res in Resident.objects.filter(household_id__in=chunk).order_by("moved_out_on", "id"):
            in_db_by_hh[res.household_id].append(res)

    # First pass: match by ID number (unique everywhere). Second pass: by name within the same household.
    for r in rows:
        if r.id_number in current_elsewhere:
            errors.append(LedgerError(r.row, col["id_number"], _("该居民仍登记在其他社区，请原社区先办理迁出")))
            continue
        res = by_id.get(r.id_number) if r.id_number else None
        if res is not None:
            plan.matches[r.row] = res
    matched = {res.pk for res in plan.matches.values()}
    for key, members in by_household.items():
        hh = plan.households.get(key)
        if hh is None:
            continue
        for m in members:
            if m.row in plan.matches or (m.id_number and m.id_number in by_id):
                continue
            # A stored ID is never contradicted: a row with an ID only takes over a same-name record without one.
            cands = [x for x in in_db_by_hh.get(hh.pk, []) if x.name == m.name and x.pk not in matched
                     and (not m.id_number or x.id_number is None)]
            if cands:
                plan.matches[m.row] = cands[0]
                matched.add(cands[0].pk)
    for key, members in by_household.items():
        hh = plan.households.get(key)
        file_head = next((m for m in members if m.relation == Relation.HEAD), None)
        if hh is None or file_head is None:
            continue
        for x in in_db_by_hh.get(hh.pk, []):
            if x.relation == Relation.HEAD and x.moved_out_on is None and x.pk not in matched:
                errors.append(LedgerError(
                    file_head.row, col["relation"],
                    _("系统中该户的户主是“%(n)s”，与表中户主不一致；请在表中列出原户主并调整其关系，或先为其办理迁出")
                    % {"n": x.name}))
    errors.sort(key=lambda e: (e.row or 0))
    return plan, errors
