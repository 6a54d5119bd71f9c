"""Visits at city scale (issue 15, "Speed"): on PostgreSQL, a generated city (bench.citygen, with
residents) and V visits per household over a year, care rules per community and a year of care
dues for one resident in seven (every 14 days; the current one open, one in ten overdue); then:

  * a grid worker's "今天" list (selectors.today_list, what /visits/ and /api/visits/today read);
  * a community's coverage figure for a month (measures.coverage);
  * a community's whole month of figures (measures.visit_measures);

each: the number of queries, p50/p95/max ms.

    .venv/bin/python bench/bench_visits.py [--households 1000000] [--visits-per-household 30]
        [--database-url postgres://postgres@127.0.0.1:5432/gongzhi_bench_visits] [--runs 200]

Rows are generated inside PostgreSQL (INSERT … SELECT over generate_series): the ORM cannot say a
bulk generator, and row-by-row COPY from Python takes hours at 30M. Re-running reuses what is
there. Prints figures and one JSON line at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
import bench  # noqa: E402,F401 - bench-only keys when none are set (bench/__init__.py)
from bench.bench_tickets import ensure_database, timed  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/gongzhi_bench_visits"


def load(visits_per_household: int) -> dict:
    from django.db import connection, transaction

    from gongzhi.visits.models import CareDue, CareRule, Visit

    out = {}
    # The rows are made from the city's own rows, so their foreign keys hold by construction: the
    # per-row FK triggers are off in this transaction (as in citygen): with them, the 9M-visit insert
    # ran on for minutes after its rows were written (the deferred checks, one per row and key).
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        if not Visit.objects.exists():
            t = time.perf_counter()
            # One grid worker per grid (citygen): the recorder of its households' visits.
            cur.execute("""
                INSERT INTO visits_visit (household_id, community_id, node_path, grid_id, micro_grid_id, visited_at,
                    kind, outcome, met, persons_met, findings, follow_up, recorded_by_id, created_at)
                SELECT h.id, g.community_id, h.node_path, g.parent_id, h.micro_grid_id,
                       now() - ((s * 12 + (h.id %% 11)) || ' days')::interval * 365 / (%s * 12 + 11),
                       (ARRAY['home','phone','knock','patrol','walk_in'])[1 + (h.id + s) %% 5],
                       CASE WHEN (h.id + s) %% 9 = 0 THEN 'nobody_home' ELSE 'met' END,
                       '', 1 + (h.id + s) %% 3, '', '', ra.user_id, now()
                FROM territory_household h
                JOIN territory_grid g ON g.id = h.micro_grid_id
                JOIN LATERAL (SELECT user_id FROM territory_roleassignment r
                              WHERE r.grid_id = g.parent_id AND r.role = 'grid_worker' LIMIT 1) ra ON true
                CROSS JOIN generate_series(1, %s) s
            """, [visits_per_household, visits_per_household])
            out["visits_seconds"] = round(time.perf_counter() - t, 1)
            cur.execute("ANALYZE visits_visit")
        if not CareRule.objects.exists():
            cur.execute("""INSERT INTO visits_carerule (community_id, key_group, every_days, role, active)
                           SELECT id, 'empty_nest', 14, 'grid_worker', true FROM territory_node
                           WHERE level = 'community'""")
        if not CareDue.objects.exists():
            t = time.perf_counter()
            # A year of dues every 14 days for one resident in seven: the past ones done (most on
            # time, one in five late), the current one open (one in ten overdue).
            cur.execute("""
                INSERT INTO visits_caredue (rule_id, resident_id, role, household_id, community_id, node_path,
                    grid_id, micro_grid_id, due_on, done_on, visit_id, overdue_reported_at)
                SELECT cr.id, r.id, 'grid_worker', h.id, g.community_id, h.node_path, g.parent_id, h.micro_grid_id,
                       d.due_on,
                       CASE WHEN d.k = 26 THEN NULL
                            WHEN (r.id + d.k) %% 5 = 0 THEN d.due_on + 4 ELSE d.due_on - (r.id %% 3)::int END,
                       NULL, NULL
                FROM people_resident r
                JOIN territory_household h ON h.id = r.household_id
                JOIN territory_grid g ON g.id = h.micro_grid_id
                JOIN visits_carerule cr ON cr.community_id = g.community_id
                CROSS JOIN LATERAL (SELECT k, (current_date - 364 + k * 14 + (r.id %% 14)::int
                                              - CASE WHEN k = 26 AND r.id %% 10 = 0 THEN 30 ELSE 0 END) AS due_on
                                    FROM generate_series(0, 26) k) d
                WHERE r.id %% 7 = 0 AND r.moved_out_on IS NULL
            """, [])
            out["dues_seconds"] = round(time.perf_counter() - t, 1)
            cur.execute("ANALYZE visits_caredue")
        out["visits"] = Visit.objects.count()
        out["care_dues"] = CareDue.objects.count()
        out["open_dues"] = CareDue.objects.filter(done_on__isnull=True).count()
    return out


def profile(fn, runs: int = 50) -> dict:
    """Where a read's time goes: the server's execution of each query (EXPLAIN ANALYZE), the time
    the queries took as the client saw them, and the rest (Python: building the rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        fn()
    plans = []
    with connection.cursor() as cur:
        for x in q.captured_queries:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + x["sql"])
            plan = cur.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
            plans.append({"sql": x["sql"][:160], "execution_ms": plan["Execution Time"],
                          "top": plan["Plan"]["Node Type"], "rows": plan["Plan"].get("Actual Rows")})
    sql, total = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            fn()
            total.append((time.perf_counter() - t) * 1000)
        sql.append(sum(float(x["time"]) for x in q.captured_queries) * 1000)
    med = sorted(total)[len(total) // 2]
    med_sql = sorted(sql)[len(sql) // 2]
    return {"queries": plans, "median_total_ms": round(med, 2), "median_sql_ms": round(med_sql, 2),
            "median_python_ms": round(med - med_sql, 2)}


def reads(sample: dict, runs: int) -> dict:
    from gongzhi.accounts.models import User
    from gongzhi.territory.models import Node
    from gongzhi.visits import measures, selectors

    worker = User.objects.get(pk=sample["grid_worker_user_id"])
    community = Node.objects.get(pk=sample["community_id"])
    today = datetime.date.today()
    start = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)  # last month, a whole one
    end = today.replace(day=1) - datetime.timedelta(days=1)

    def today_list():
        for attr in ("_gz_scope", "_gz_scope_resp", "_gz_served_households"):
            worker.__dict__.pop(attr, None)
        return selectors.today_list(worker)

    out = {"today_list_rows": len(today_list()), "coverage_value": measures.coverage(community, start, end)}
    out["today_list_profile"] = profile(today_list)
    out["today_list"] = timed(today_list, runs)
    out["coverage_month"] = timed(lambda: measures.coverage(community, start, end), runs)
    out["measures_month"] = timed(lambda: measures.visit_measures(community, start, end), max(20, runs // 5))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--visits-per-household", type=int, default=30)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_VISITS_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--runs", type=int, default=200)
    a = ap.parse_args(argv)
    ensure_database(a.database_url)
    os.environ["DATABASE_URL"] = a.database_url
    from bench.citygen import generate_city

    t = time.perf_counter()
    city = generate_city(households=a.households, database_url=a.database_url, residents=True, if_exists="reuse",
                         migrate=True)
    print(f"城市：{city['counts']['households']:,} 户（{time.perf_counter() - t:.0f} 秒，"
          f"{'复用' if city.get('reused') else '新建'}）", flush=True)
    result = {"households": city["counts"]["households"], "load": load(a.visits_per_household)}
    print(f"走访 {result['load']['visits']:,} 次，关爱应访 {result['load']['care_dues']:,} 次"
          f"（未完成 {result['load']['open_dues']:,}）", flush=True)
    with open("/proc/loadavg") as f:
        result["loadavg_before"] = f.read().split()[:3]
    r = reads(city["sample"], a.runs)
    result["reads"] = r
    for key, label in (("today_list", "网格员“今天”名单"), ("coverage_month", "社区月度关爱覆盖率"),
                       ("measures_month", "社区月度全部走访指标")):
        x = r[key]
        print(f"{label}：{x['queries']} 次查询，p50 {x['p50_ms']} ms，p95 {x['p95_ms']} ms，最长 {x['max_ms']} ms")
    print(f"（“今天”名单 {r['today_list_rows']} 条；覆盖率 应访/按时 = {r['coverage_value']}）")
    p = r["today_list_profile"]
    for x in p["queries"]:
        print(f"  EXPLAIN ANALYZE {x['execution_ms']} ms（{x['top']}，{x['rows']} 行）：{x['sql']}")
    print(f"  “今天”名单中位数 {p['median_total_ms']} ms = SQL {p['median_sql_ms']} ms + Python {p['median_python_ms']} ms")
    with open("/proc/loadavg") as f:
        result["loadavg_after"] = f.read().split()[:3]
    print(f"负载（1/5/15 分钟）：{' '.join(result['loadavg_after'])}")
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
