"""The cost of sealing ID numbers and phones (issue 9, PIPL / 等保 8.1.4.8): AES-GCM per value, the
blind index, and on a generated city (bench.citygen --residents) the exact look-up by ID number and
reading residents (every row opened).

    DEBUG=1 .venv/bin/python bench/bench_personal_data.py [--database-url URL] [--values 200000] [--lookups 1000]

(DEBUG=1, or SECRET_KEY/GONGZHI_DATA_KEYS/GONGZHI_INDEX_KEY in the environment.) Without residents in
the database only the per-value figures are printed. Prints figures and one JSON line at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
import bench  # noqa: E402,F401 - bench-only keys when none are set (bench/__init__.py)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    p.add_argument("--values", type=int, default=200_000)
    p.add_argument("--lookups", type=int, default=1000)
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.db import connection, reset_queries

    from gongzhi.core import crypto
    from gongzhi.people.models import Resident

    out: dict = {"vendor": connection.vendor}
    idf = Resident._meta.get_field("id_number")
    values = [f"{110101 + i % 900:06d}19{i % 90 + 10:02d}0101{i % 1000:03d}X" for i in range(args.values)]
    t = time.perf_counter()
    sealed = [idf.get_prep_value(v) for v in values]
    out["seal_us"] = round((time.perf_counter() - t) / len(values) * 1e6, 2)
    t = time.perf_counter()
    for s in sealed:
        crypto.open_sealed(s, idf.aad)
    out["open_us"] = round((time.perf_counter() - t) / len(values) * 1e6, 2)
    t = time.perf_counter()
    for v in values:
        idf.index_of(v)
    out["index_us"] = round((time.perf_counter() - t) / len(values) * 1e6, 2)
    # One resident row written: ID number and phone sealed, ID number indexed.
    out["per_row_write_us"] = round(2 * out["seal_us"] + out["index_us"], 2)
    out["sealed_len"] = len(sealed[0])
    print(f"每个值：加密 {out['seal_us']} µs，解密 {out['open_us']} µs，盲索引 {out['index_us']} µs；"
          f"每写一位居民约 {out['per_row_write_us']} µs（密文 {out['sealed_len']} 字符）")
    print(f"  折算：250 万居民（100 万户城市）写入时加密约 {out['per_row_write_us'] * 2.5e6 / 1e6:.0f} 秒")

    n = Resident.objects.count()
    out["residents"] = n
    if n:
        rng = random.Random(2026)
        ids = sorted(rng.sample(range(Resident.objects.order_by("id").first().pk, Resident.objects.order_by("-id").first().pk),
                                min(args.lookups, n)))
        known = [x for x in Resident.objects.filter(pk__in=ids, id_number__isnull=False).values_list("id_number", flat=True)]
        times = []
        for idn in known:
            t = time.perf_counter()
            got = Resident.objects.filter(id_number=idn).values_list("pk", flat=True).first()
            times.append((time.perf_counter() - t) * 1000)
            assert got is not None
        times.sort()
        out["lookup_ms_p50"] = round(statistics.median(times), 3)
        out["lookup_ms_p95"] = round(times[int(len(times) * 0.95) - 1], 3)
        reset_queries()
        t = time.perf_counter()
        rows = list(Resident.objects.order_by("id")[:10000])
        out["read_10k_ms"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        rows = list(Resident.objects.order_by("id").defer("id_number", "phone")[:10000])
        out["read_10k_without_sealed_ms"] = round((time.perf_counter() - t) * 1000, 1)
        del rows
        print(f"{n} 位居民：按身份证号精确查找 p50 {out['lookup_ms_p50']} ms，p95 {out['lookup_ms_p95']} ms（{len(known)} 次）；"
              f"读 1 万行（含解密）{out['read_10k_ms']} ms，不读加密列 {out['read_10k_without_sealed_ms']} ms")
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
