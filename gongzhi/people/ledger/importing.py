"""The import service: check the whole file, then (only when every row is right, and only when asked
to) write it in one transaction. `ledger_check` runs the same writing in a transaction it rolls
back, so the counts it shows are exactly what the import would do."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.people.models import Relation, Resident, ResidentTag
from gongzhi.people.permissions import can_import_ledger
from gongzhi.people.pinyin import name_pinyin
from gongzhi.territory.models import Household, Level, Node
from gongzhi.territory.services import node_add

from .columns import ImportResult, LedgerError, ParsedRow
from .parsing import parse_rows
from .planning import _chunks, _Plan, plan_import
from .reading import WorkbookRefused, ledger_rows

_RES_FIELDS = ("name", "relation", "gender", "birth_date", "id_number", "phone", "moved_in_on", "note")


def _ensure_node(actor, plan: _Plan, place: tuple[str, str, str], counter: list[int]) -> Node:
    parent = plan.community
    for name, level in zip(place, (Level.COMPOUND, Level.BUILDING, Level.UNIT), strict=True):
        if not name:
            continue
        node = plan.nodes_by_key.get((parent.pk, name))
        if node is None:
            node = node_add(actor=actor, parent=parent, level=level, name=name)
            plan.nodes_by_key[(parent.pk, name)] = node
            counter[0] += 1
        parent = node
    return parent


def _write(actor, plan: _Plan, result: ImportResult) -> None:
    by_household: dict[tuple, list[ParsedRow]] = defaultdict(list)
    for r in plan.rows:
        by_household[r.household_key].append(r)

    node_counter = [0]
    new_households: list[Household] = []
    moved: list[Household] = []
    hh_for_key: dict[tuple, Household] = {}
    for key, members in by_household.items():
        grid = plan.grids[members[0].micro_grid_code]
        hh = plan.households.get(key)
        if hh is None:
            node = _ensure_node(actor, plan, key[:3], node_counter)
            hh = Household(node=node, node_path=node.path, micro_grid=grid, number=key[3],
                           address="".join(p for p in key if p))
            new_households.append(hh)
        elif hh.micro_grid_id != grid.pk:
            hh.micro_grid = grid
            moved.append(hh)
        hh_for_key[key] = hh
    Household.objects.bulk_create(new_households, batch_size=500)
    if any(h.pk is None for h in new_households):  # backends without RETURNING ids
        for h in new_households:
            h.pk = Household.objects.get(node=h.node, number=h.number).pk
    Household.objects.bulk_update(moved, ["micro_grid"], batch_size=500)

    to_create: list[tuple[Resident, list[str]]] = []
    updates_non_head: list[Resident] = []
    updates_head: list[Resident] = []
    tag_plan: dict[int, list[str]] = {}
    for key, members in by_household.items():
        hh = hh_for_key[key]
        for m in members:
            values = {
                "name": m.name, "relation": m.relation, "gender": m.gender, "birth_date": m.birth_date,
                "id_number": m.id_number, "phone": m.phone, "moved_in_on": m.moved_in_on, "note": m.note,
            }
            res = plan.matches.get(m.row)
            if res is None:
                r = Resident(household=hh, name_pinyin=name_pinyin(m.name), **values)
                to_create.append((r, m.tags))
                continue
            # A blank cell in the file never erases what the system already holds.
            changed = False
            for f in _RES_FIELDS:
                v = values[f]
                if v in (None, "") and f not in ("relation",):
                    continue
                if getattr(res, f) != v:
                    setattr(res, f, v)
                    changed = True
            if res.household_id != hh.pk:
                res.household = hh
                changed = True
            if res.moved_out_on is not None:  # listed in the ledger again: living here
                res.moved_out_on = None
                changed = True
            res.name_pinyin = name_pinyin(res.name)
            res.updated_at = timezone.now()
            if changed:
                (updates_head if res.relation == Relation.HEAD else updates_non_head).append(res)
                result.updated_residents += 1
            else:
                result.unchanged_residents += 1
            tag_plan[res.pk] = m.tags
    fields = [*_RES_FIELDS, "household", "moved_out_on", "name_pinyin", "updated_at"]
    # Demotions first, so that no statement sees two current heads in one household.
    for batch in _chunks(updates_non_head):
        Resident.objects.bulk_update(batch, fields)
    for batch in _chunks(updates_head):
        Resident.objects.bulk_update(batch, fields)
    new_residents = [r for r, _t in to_create]
    Resident.objects.bulk_create(new_residents, batch_size=500)
    if any(r.pk is None for r in new_residents):
        for r in new_residents:
            r.pk = Resident.objects.filter(household=r.household, name=r.name).order_by("-id").values_list(
                "id", flat=True).first()
    for r, tags in to_create:
        tag_plan[r.pk] = tags
    ids = list(tag_plan)
    existing_tags: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(ids):
        for rid, tag in ResidentTag.objects.filter(resident_id__in=chunk).values_list("resident_id", "tag"):
            existing_tags[rid].add(tag)
    to_delete = [(rid, t) for rid, have in existing_tags.items() for t in have - set(tag_plan[rid])]
    for rid, t in to_delete:
        ResidentTag.objects.filter(resident_id=rid, tag=t).delete()
    new_tags = [ResidentTag(resident_id=rid, tag=t) for rid, tags in tag_plan.items() for t in tags
                if t not in existing_tags.get(rid, set())]
    ResidentTag.objects.bulk_create(new_tags, batch_size=1000)

    result.created_nodes = node_counter[0]
    result.created_households = len(new_households)
    result.moved_households = len(moved)
    result.created_residents = len(new_residents)


def _checked(actor, community: Node, data: bytes) -> tuple[ImportResult, _Plan | None]:
    if community.level != Level.COMMUNITY:
        raise ValidationError(_("请选择要导入的社区"))
    if not can_import_ledger(actor, community):
        raise PermissionDenied
    result = ImportResult()
    try:
        parsed, errors = parse_rows(ledger_rows(data))
    except WorkbookRefused as e:
        result.errors = [LedgerError(None, "", e.message)]
        return result, None
    result.rows = len(parsed)
    plan = None
    if parsed:
        plan, plan_errors = plan_import(community, parsed)
        seen, merged = set(), []
        for e in sorted(errors + plan_errors, key=lambda e: (e.row or 0)):
            if (e.row, e.column, e.message) not in seen:
                seen.add((e.row, e.column, e.message))
                merged.append(e)
        errors = merged
    result.errors = errors
    return result, plan


class _DryRun(Exception):
    pass


def ledger_check(*, actor, community: Node, data: bytes) -> ImportResult:
    """What importing `data` would do, writing nothing: the errors, or the counts (the import's own
    writes, rolled back)."""
    result, plan = _checked(actor, community, data)
    if result.errors or plan is None:
        return result
    try:
        with transaction.atomic():
            _write(actor, plan, result)
            raise _DryRun
    except _DryRun:
        pass
    except IntegrityError:
        return ImportResult(errors=[LedgerError(None, "", _("导入时数据被他人同时修改，请重新导入"))], rows=result.rows)
    result.checked_only = True
    return result


def ledger_import(*, actor, community: Node, data: bytes, filename: str = "", request=None) -> ImportResult:
    """Validate every row; if all are right, write everything in one transaction. Returns the result
    (with errors and nothing written, or the counts of what was written)."""
    result, plan = _checked(actor, community, data)
    if result.errors or plan is None:
        return result
    try:
        with transaction.atomic():
            _write(actor, plan, result)
            audit_record(actor=actor, action=AuditLog.Action.IMPORT, target=community, request=request,
                         detail={"file": filename[:100]} | {k: v for k, v in result.as_dict().items() if k != "errors"})
    except IntegrityError:
        return ImportResult(errors=[LedgerError(None, "", _("导入时数据被他人同时修改，请重新导入"))], rows=result.rows)
    return result
