"""Benchmark: closing one month of the 红棟力 evaluation at city scale, on PostgreSQL.

    .venv/bin/python bench/bench_evaluation.py [--units 10000] [--items 30] [--jurors 12] [--db-url URL]

Creates (drops first) a dedicated database, migrates it, generates the territory, the rule set, a period
with one subject per unit and every juror's sheet for every unit with COPY, then times `period_close`
(one exact computation in Python over the sheets' sums: fractions, rounded once; ranking; bulk insert of the
results) and counts its queries. Prints the
figures and a final JSON line. Not a timed test: run it on demand.
"""

import argparse
import io
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402,F401 - bench-only keys when none are set (bench/__init__.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongzhi_bench_eval"


def recreate_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(cursor, sql: str, rows) -> None:
    """COPY text rows (tuples) in chunks of about 8 MB."""
    with cursor.copy(sql) as copy:
        buf = io.StringIO()
        for row in rows:
            buf.write("\t".join("\\N" if v is None else str(v) for v in row))
            buf.write("\n")
            if buf.tell() > 8_000_000:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=30)
    ap.add_argument("--jurors", type=int, default=12)
    ap.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = ap.parse_args()
    if not args.db_url.startswith("postgres"):
        sys.exit("this benchmark needs PostgreSQL (COPY)")

    t0 = time.perf_counter()
    recreate_database(args.db_url)
    os.environ["DATABASE_URL"] = args.db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from gongzhi.core.paths import step
    from gongzhi.evaluation import services
    from gongzhi.evaluation.models import ItemKind, Party, ScoreSheet, SubjectResult
    from gongzhi.territory.models import Level, Node
    from gongzhi.territory.testing import make_node, make_user

    t_setup = time.perf_counter()
    admin = make_user("bench-admin", is_superuser=True, is_staff=True)
    prov = make_node(None, Level.PROVINCE, "湖南省", "430000000000")
    city = make_node(prov, Level.CITY, "湘潭市", "430300000000")
    county = make_node(city, Level.COUNTY, "岳塘区", "430304000000")
    street = make_node(county, Level.STREET, "下摄司街道", "430304005000")
    community = make_node(street, Level.COMMUNITY, "栗塘社区", "430304005006")
    compound = make_node(community, Level.COMPOUND, "基准小区")
    per_building = 20
    n_buildings = (args.units + per_building - 1) // per_building
    now = timezone.now().isoformat()
    node_copy = "COPY territory_node (path, depth, parent_id, level, code, name, created_at) FROM STDIN"
    with connection.cursor() as c:
        raw = c.cursor
        copy_rows(raw, node_copy, ((compound.path + step(b + 1), compound.depth + 1, compound.pk, "building", None,
                                    f"{b + 1}栋", now) for b in range(n_buildings)))
        buildings = list(Node.objects.filter(parent=compound).order_by("path").values_list("pk", "path"))
        units = ((path + step(u + 1), compound.depth + 2, pk, "unit", None, f"{u + 1}单元", now)
                 for b, (pk, path) in enumerate(buildings) for u in range(per_building)
                 if b * per_building + u < args.units)
        copy_rows(raw, node_copy, units)

    rs = services.rule_set_create(actor=admin, node=compound, name="基准评比", subject_type="unit")
    v = services.version_create(actor=admin, rule_set=rs, effective_from=__import__("datetime").date(2024, 1, 1),
                                adopted_by="基准", base_points=100)
    kinds = [ItemKind.SCORE] * 10 + [ItemKind.BONUS] * 10 + [ItemKind.DEDUCTION] * (args.items - 21) + [ItemKind.VETO]
    items = [services.item_add(actor=admin, version=v, kind=k, category="other", description=f"条目{n + 1}",
                               points=None if k == ItemKind.VETO else (10 if k == ItemKind.SCORE else 1),
                               cap=None if k in (ItemKind.VETO, ItemKind.SCORE) else 5)
             for n, k in enumerate(kinds[: args.items])]
    parties = [Party.COMMUNITY, Party.PROPERTY, Party.OWNERS, Party.RESIDENTS]
    jurors = [services.juror_add(actor=admin, rule_set=rs, user=make_user(f"juror{j}"), party=parties[j % 4])
              for j in range(args.jurors)]
    t_open = time.perf_counter()
    period = services.period_open(actor=admin, rule_set=rs, day=__import__("datetime").date(2024, 3, 1))
    open_s = time.perf_counter() - t_open
    subjects = list(period.subjects.order_by("pk").values_list("pk", flat=True))
    seat_of = dict(period.jury.values_list("user_id", "pk"))  # the period's own jury, copied when it opened

    jurors.sort(key=lambda j: seat_of[j.user_id])  # the order of the sheets by (subject, seat)
    kinds_of = [it.kind for it in items]
    veto_id = next((it.pk for it in items if it.kind == ItemKind.VETO), None)

    def sheet_values(k: int) -> list:
        """The item values of sheet number k, the same in both passes."""
        r = random.Random(k)
        veto = r.random() < 0.0005
        return [(1 if veto else 0) if kind == ItemKind.VETO else
                (r.randint(10, 20) / 2 if kind == ItemKind.SCORE else r.choice((0, 0, 0, 1, 2)))
                for kind in kinds_of]

    def sheet_rows():
        for k, (s, j) in enumerate((s, j) for s in subjects for j in jurors):
            vals = sheet_values(k)
            sums = {kind: 0.0 for kind in (ItemKind.SCORE, ItemKind.BONUS, ItemKind.DEDUCTION)}
            vetoed = False
            for kind, v in zip(kinds_of, vals, strict=True):
                if kind == ItemKind.VETO:
                    vetoed = vetoed or v > 0
                else:
                    sums[kind] += v
            yield (period.pk, s, seat_of[j.user_id], j.party, f"b{s}-{j.pk}", "", "", "t", j.user_id, now,
                   sums[ItemKind.SCORE], sums[ItemKind.BONUS], sums[ItemKind.DEDUCTION], veto_id if vetoed else None)

    t_copy = time.perf_counter()
    with connection.cursor() as c:
        raw = c.cursor
        copy_rows(raw, "COPY evaluation_scoresheet (period_id, subject_id, juror_id, party, client_key, note, photo, "
                       "is_current, submitted_by_id, submitted_at, score_sum, bonus_sum, deduction_sum, veto_item_id) "
                       "FROM STDIN", sheet_rows())
        sheets = list(ScoreSheet.objects.filter(period=period).order_by("subject_id", "juror_id")
                      .values_list("pk", flat=True))
        per_occurrence = {ItemKind.BONUS, ItemKind.DEDUCTION}

        def score_rows():
            for k, sheet in enumerate(sheets):
                for it, v in zip(items, sheet_values(k), strict=True):
                    # Bonus and deduction items are per occurrence (1 point each here): count = points.
                    yield (sheet, it.pk, v, int(v) if it.kind in per_occurrence else None,
                           "飞线充电" if it.kind == ItemKind.VETO and v else "")

        copy_rows(raw, "COPY evaluation_score (sheet_id, item_id, value, count, note) FROM STDIN", score_rows())
        c.execute("ANALYZE")
    copy_s = time.perf_counter() - t_copy
    n_scores = len(sheets) * len(items)

    t_close = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        services.period_close(actor=admin, period=period, reason="基准")
    close_s = time.perf_counter() - t_close

    results = SubjectResult.objects.filter(period=period, round=1)
    # The sheets' sums must give what the item scores give: recompute a few subjects item by item.
    from gongzhi.evaluation.aggregation import explain

    sample = list(results.select_related("subject__period__version").order_by("?")[:5])
    t_explain = time.perf_counter()
    for r in sample:
        ex = explain(r.subject)
        assert (ex.total, ex.bonus, ex.deduction) == (r.total, r.bonus, r.deduction), (r.subject_id, ex.total, r.total)
        assert str(ex.exact_total) == r.exact_total
    explain_ms = (time.perf_counter() - t_explain) * 1000 / len(sample)
    top = list(results.filter(rank__lte=3).order_by("rank").values_list("subject__label", "total"))
    figures = {
        "units": args.units, "items": args.items, "jurors": args.jurors, "sheets": len(sheets), "scores": n_scores,
        "open_period_s": round(open_s, 2), "copy_s": round(copy_s, 2), "close_s": round(close_s, 3),
        "close_queries": len(ctx.captured_queries), "explain_ms": round(explain_ms, 1), "results": results.count(),
        "ranked": results.filter(rank__isnull=False).count(), "vetoed": results.filter(vetoed=True).count(),
        "setup_s": round(t_copy - t_setup, 2), "total_s": round(time.perf_counter() - t0, 1),
        "postgres": connection.pg_version,
    }
    print(f"units {args.units}, items {args.items}, jurors {args.jurors}: {len(sheets):,} sheets, {n_scores:,} scores")
    print(f"open period (subject snapshot): {open_s:.2f} s; COPY sheets+scores: {copy_s:.1f} s")
    print(f"close (aggregate + rank + insert results): {close_s:.3f} s in {len(ctx.captured_queries)} queries")
    print(f"explain one subject item by item: {explain_ms:.1f} ms (5 sampled, equal to the close's results)")
    print(f"results {figures['results']:,}, ranked {figures['ranked']:,}, vetoed {figures['vetoed']}; top 3: {top}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
