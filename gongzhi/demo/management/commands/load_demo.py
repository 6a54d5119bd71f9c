"""`manage.py load_demo`: the five seed communities under their real divisions, their people and
organisations, an account that can log in for every role shown, then the demo hooks of later apps.
Safe to run again on a demo database; refuses a database holding data it did not create (--force)."""

import importlib
import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.paths import ancestors_of
from gongzhi.demo import people as people_demo
from gongzhi.demo import territory as territory_demo
from gongzhi.territory.models import Household, Node, Role, RoleAssignment

MARK = "load_demo_run"  # detail.source of the audit row each run writes first: this database is a demo
# Later apps add their demo data through a `load(stdout) -> list[str]` function in these modules.
HOOK_MODULES = ("gongzhi.demo.tickets", "gongzhi.demo.evaluation", "gongzhi.demo.deliberation",
                "gongzhi.demo.points",  # 微积分: rules, the exchange, residents' balances
                "gongzhi.demo.activities",
                "gongzhi.demo.visits")  # activities, volunteers' hours (after points: check-outs earn)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


def format_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A plain-text table that stays aligned with Chinese (double-width) characters."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    out.append(line)
    return out


def run_hooks(stdout, modules=HOOK_MODULES) -> list[str]:
    """Call `load(stdout)` of each demo hook module that exists; collect the lines it returns.
    A module that is not there is skipped; any other import error is a real error and raised."""
    lines: list[str] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name or (exc.name and name.startswith(exc.name + ".")):
                continue
            raise
        load = getattr(module, "load", None)
        if callable(load):
            lines.extend(load(stdout) or [])
    return lines


def _place_label(node: Node) -> str:
    names = list(Node.objects.filter(path__in=ancestors_of(node.path)).order_by("path").values_list("name", flat=True))
    return " ".join(n.replace("居民委员会", "").replace("社区居委会", "社区") for n in names)


def foreign_data() -> bool:
    """True when the database holds accounts or places but no trace of a demo run: a real site."""
    from gongzhi.accounts.models import User

    if not (User.objects.exists() or Node.objects.exists() or Household.objects.exists()):
        return False
    return not AuditLog.objects.filter(Q(detail__source=MARK) | Q(detail__source="load_demo")).exists()


def _holders(community: Node):
    inside = (Q(node__path__startswith=community.path) | Q(grid__community=community)
              | Q(party_org__node__path__startswith=community.path) | Q(party_org__grid__community=community)
              | Q(party_org__household__node_path__startswith=community.path))
    rows: dict[str, list[str]] = {}
    for role, username in (RoleAssignment.objects.active().filter(inside, user__is_active=True)
                           .exclude(role=Role.RESIDENT).order_by("role", "user__username")
                           .values_list("role", "user__username")):
        names = rows.setdefault(role, [])
        if username not in names:
            names.append(username)
    return rows


def role_account_rows() -> list[list[str]]:
    """One login per role and community (every grid worker and grid head of 南关), and one juror per party."""
    out = []
    for code, _build in territory_demo.COMMUNITIES:
        community = territory_demo.node_by_code(code)
        if community is None:
            continue
        short = community.name.replace("居民委员会", "").replace("社区居委会", "社区")
        holders = _holders(community)
        for role in Role:
            names = holders.get(role.value)
            if not names:
                continue
            every = code == territory_demo.NANGUAN and role in (Role.GRID_WORKER, Role.GRID_HEAD)
            shown = names if every else names[:1]
            more = f"（共 {len(names)} 人）" if len(names) > len(shown) else ""
            out.append([short, str(role.label), "、".join(shown) + more])
    try:
        from gongzhi.evaluation.models import Juror
    except ImportError:  # pragma: no cover - evaluation is always installed with the demo
        return out
    seen = set()
    for j in Juror.objects.filter(active=True).select_related("rule_set", "user").order_by("rule_set_id", "party", "id"):
        if (j.rule_set_id, j.party) not in seen:
            seen.add((j.rule_set_id, j.party))
            out.append([j.rule_set.name[:16], f"评委·{j.get_party_display()}", j.user.username])
    return out


class Command(BaseCommand):
    # The system checks import every URLconf (1–2 s); runserver and migrate run them anyway.
    requires_system_checks = []
    # Plain str: argparse cannot format a lazy translation object as the description.
    help = (
        "载入演示数据：五个案例社区（长沟、南关、栗塘、阆中南街、官堰）的小区、楼栋、单元、住户、网格、党组织、"
        "居民、党员、组织和每个角色的演示账号。可重复运行，已有的社区不会重复生成。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-hooks", action="store_true",
                            help="不调用工单、评比等模块的演示数据钩子")
        parser.add_argument("--force", action="store_true",
                            help="即使数据库中已有非演示数据（正式使用的数据库）也载入演示数据")
        parser.add_argument("--host", default="127.0.0.1", help="演示服务的地址（只用于打印登录网址）")
        parser.add_argument("--port", default="8000", help="演示服务的端口（只用于打印登录网址）")

    def handle(self, *args, **options):
        if not options["force"] and foreign_data():
            raise CommandError(
                "数据库中已有不是演示程序生成的数据（账号或区划），看起来是正式使用的数据库；"
                "演示数据会加入大量虚构的住户和账号。确需载入请加 --force。")
        started = time.perf_counter()
        out = self.stdout
        audit_record(actor=None, action=AuditLog.Action.IMPORT, target_type="demo", label="load_demo",
                     detail={"source": MARK})
        users = territory_demo.ensure_demo_users()
        if territory_demo.ensure_divisions():
            out.write("已导入行政区划：随附的案例街道摘录（gongzhi/territory/data/divisions）")
        admin = users["demo_admin"]
        built = skipped = 0
        for code, build in territory_demo.COMMUNITIES:
            community = territory_demo.node_by_code(code)
            if community is None:
                out.write(self.style.WARNING(f"找不到区划代码 {code} 的社区，跳过"))
                continue
            label = _place_label(community)
            if territory_demo.is_built(community):
                out.write(f"· {label}：已有网格数据，跳过（不重复生成）")
                skipped += 1
                continue
            t = time.perf_counter()
            with transaction.atomic():
                plan = build(community, users)
                counts = {**plan.counts(), **people_demo.populate(plan)}
                audit_record(actor=admin, action=AuditLog.Action.IMPORT, target=community,
                             detail={"source": "load_demo", **counts})
            built += 1
            out.write(
                f"· {label}：小区 {counts['compounds']} 个，楼栋 {counts['buildings']} 栋，单元 {counts['units']} 个，"
                f"住户 {counts['households']} 户，居民 {counts['residents']} 人；网格 {counts['grids']} 个，"
                f"微网格 {counts['micro_grids']} 个；党组织 {counts['party_orgs']} 个，党员 {counts['party_members']} 名，"
                f"党员联系户 {counts['member_households']} 户次；组织 {counts['organisations']} 个；"
                f"角色人员 {counts['role_holders']} 名（{time.perf_counter() - t:.1f} 秒）"
            )
        territory_demo.ensure_demo_roles(users)
        people_demo.ensure_demo_links(users)
        base_seconds = time.perf_counter() - started

        extra: list[str] = []
        if not options["skip_hooks"]:
            extra = run_hooks(out)

        totals = people_demo.demo_counts()
        out.write("")
        out.write(self.style.SUCCESS(
            f"演示数据就绪：新建社区 {built} 个，已存在 {skipped} 个；全库共住户 {totals['households']} 户、"
            f"居民 {totals['residents']} 人、党员 {totals['party_members']} 名、网格 {totals['grids']} 个、"
            f"微网格 {totals['micro_grids']} 个、组织 {totals['organisations']} 个（基础数据用时 {base_seconds:.1f} 秒）"
        ))
        out.write("")
        out.write(f"打开 http://{options['host']}:{options['port']} ，用下列账号登录（用户名或手机号均可，密码相同）：")
        rows = [[a.role_label, a.username, a.phone, territory_demo.DEMO_PASSWORD, a.sees]
                for a in territory_demo.DEMO_ACCOUNTS]
        for line in format_table(["角色", "用户名", "手机号", "密码", "能看到"], rows):
            out.write(line)
        out.write("")
        out.write(f"各社区每个角色的登录账号（密码同为 {territory_demo.DEMO_PASSWORD}）：")
        for line in format_table(["社区/细则", "角色", "用户名"], role_account_rows()):
            out.write(line)
        for line in extra:
            out.write(line)
