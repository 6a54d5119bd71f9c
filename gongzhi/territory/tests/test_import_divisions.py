import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongzhi.accounts.models import AuditLog
from gongzhi.core.paths import STEPLEN, step, step_number
from gongzhi.territory import selectors
from gongzhi.territory.divisions import MAX_ERRORS, DivisionImportError, import_divisions
from gongzhi.territory.models import Household, Level, Node
from gongzhi.territory.testing import make_node

EXTRACT = Path(__file__).resolve().parent.parent / "data" / "divisions"
EXTRACT_ROWS = 4 + 5 + 5 + 5 + 64


@pytest.fixture
def extract(tmp_path) -> Path:
    """A writable copy of the shipped extract."""
    target = tmp_path / "divisions"
    shutil.copytree(EXTRACT, target)
    return target


def set_line(directory: Path, file: str, line: int, text: str) -> None:
    """Replace line `line` (1-based, the header is line 1) of a file."""
    path = directory / file
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def append_lines(directory: Path, file: str, *texts: str) -> None:
    with (directory / file).open("a", encoding="utf-8") as fh:
        for text in texts:
            fh.write(text + "\n")


def snapshot() -> list[tuple]:
    return list(Node.objects.order_by("pk").values_list("pk", "path", "parent_id", "code", "name"))


@pytest.mark.django_db
def test_import_of_the_shipped_extract_builds_the_tree():
    stats = import_divisions(EXTRACT)

    assert Node.objects.count() == EXTRACT_ROWS
    assert {level: s.created for level, s in stats.levels.items()} == {
        Level.PROVINCE: 4, Level.CITY: 5, Level.COUNTY: 5, Level.STREET: 5, Level.COMMUNITY: 64}
    assert stats.updated == stats.unchanged == 0
    audit = AuditLog.objects.get(action=AuditLog.Action.IMPORT, detail__source="import_divisions")
    assert audit.detail["levels"]["community"] == {"created": 64, "updated": 0, "unchanged": 0}

    village = Node.objects.get(code="420804002011")
    assert (village.name, village.level, village.depth) == ("官堰社区居委会", Level.COMMUNITY, 5)
    street = village.parent
    assert (street.code, street.name, street.level) == ("420804002000", "白庙街道", Level.STREET)
    county = street.parent
    assert (county.code, county.name, county.level) == ("420804000000", "掇刀区", Level.COUNTY)
    assert (county.parent.code, county.parent.parent.code) == ("420800000000", "420000000000")
    assert county.parent.parent.parent_id is None
    assert village.path.startswith(street.path) and street.path.startswith(county.path)
    assert village.created_at is not None

    # The street and its 24 communities, and nothing else, as one indexed range.
    under = Node.objects.filter(path__under=street.path)
    assert under.count() == 1 + 24
    assert set(under.exclude(pk=street.pk).values_list("level", flat=True)) == {Level.COMMUNITY}
    assert Node.objects.filter(path__under=county.parent.parent.path).count() == 1 + 1 + 1 + 1 + 24

    # Siblings take steps 1..n in code order; every code has 12 digits; depth matches the path.
    steps = [step_number(p[-STEPLEN:]) for p in street.children.order_by("code").values_list("path", flat=True)]
    assert steps == list(range(1, 25))
    for node in Node.objects.all():
        assert len(node.code) == 12 and node.code.isdigit()
        assert node.depth == len(node.path) // STEPLEN
        if node.parent_id:
            assert node.path[:-STEPLEN] == node.parent.path


@pytest.mark.django_db
def test_rerun_is_idempotent_and_renames_in_place(extract):
    import_divisions(extract)
    before = snapshot()

    stats = import_divisions(extract)
    assert stats.created == stats.updated == 0 and stats.unchanged == EXTRACT_ROWS
    assert snapshot() == before

    guanyan = Node.objects.get(code="420804002011")
    set_line(extract, "villages.csv", 12, "420804002011,官堰社区,420804002,42,4208,420804")
    stats = import_divisions(extract)
    assert (stats.created, stats.updated, stats.unchanged) == (0, 1, EXTRACT_ROWS - 1)
    assert stats.levels[Level.COMMUNITY].updated == 1
    renamed = Node.objects.get(code="420804002011")
    assert (renamed.pk, renamed.path, renamed.parent_id, renamed.name) == (
        guanyan.pk, guanyan.path, guanyan.parent_id, "官堰社区")
    assert Node.objects.count() == EXTRACT_ROWS


@pytest.mark.django_db
def test_quoted_names_of_the_real_package_are_read(tmp_path):
    # The npm package quotes every name; our extract does not.
    quoted = tmp_path / "quoted"
    quoted.mkdir()
    for src in EXTRACT.glob("*.csv"):
        with src.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        with (quoted / src.name).open("w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(rows[0]) + "\n")
            for row in rows[1:]:
                fh.write(",".join([row[0], f'"{row[1]}"', *row[2:]]) + "\n")
    assert '"官堰社区居委会"' in (quoted / "villages.csv").read_text(encoding="utf-8")

    import_divisions(quoted)
    assert Node.objects.get(code="420804002011").name == "官堰社区居委会"
    assert not Node.objects.filter(name__contains='"').exists()
    assert import_divisions(EXTRACT).unchanged == EXTRACT_ROWS


@pytest.mark.django_db
def test_new_children_take_the_next_free_step(extract, world):
    # The world has one province (step 1) with a street holding two coded communities; a manually added
    # community without a code sits beside them.
    extra = make_node(world.street, Level.COMMUNITY, "手工社区")
    import_divisions(extract)
    hubei = Node.objects.get(code="420000000000")
    assert hubei.path == step(2)  # after the world's province

    (extract / "provinces.csv").write_text("code,name\n99,测试省\n", encoding="utf-8")
    (extract / "cities.csv").write_text("code,name,provinceCode\n9901,测试市,99\n", encoding="utf-8")
    (extract / "areas.csv").write_text("code,name,cityCode,provinceCode\n990101,测试区,9901,99\n", encoding="utf-8")
    (extract / "streets.csv").write_text(
        "code,name,areaCode,provinceCode,cityCode\n990101001,测试街道,990101,99,9901\n", encoding="utf-8")
    (extract / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "990101001001,甲社区,990101001,99,9901,990101\n"
        "990101001005,丁社区,990101001,99,9901,990101\n"
        "990101001004,丙社区,990101001,99,9901,990101\n", encoding="utf-8")
    stats = import_divisions(extract)
    assert stats.levels[Level.COMMUNITY].created == 2
    assert stats.unchanged == 5  # the four levels above and 甲社区
    assert world.street.children.count() == 5
    # 甲 (1), 乙 (2) and the manual one (3) keep their steps; the new ones follow in code order.
    assert Node.objects.get(pk=extra.pk).path == world.street.path + step(3)
    assert Node.objects.get(code="990101001004").path == world.street.path + step(4)
    assert Node.objects.get(code="990101001005").path == world.street.path + step(5)
    assert Node.objects.get(pk=world.community_a.pk).path == world.community_a.path


@pytest.mark.django_db
def test_a_parent_may_come_from_the_database(extract):
    import_divisions(extract)
    for name in ("provinces.csv", "cities.csv", "areas.csv", "streets.csv"):
        path = extract / name
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    (extract / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "420804002099,新社区,420804002,42,4208,420804\n", encoding="utf-8")
    stats = import_divisions(extract)
    assert stats.created == 1 and stats.rows == 1
    new = Node.objects.get(code="420804002099")
    assert new.parent.code == "420804002000"
    assert new.path == new.parent.path + step(25)


@pytest.mark.django_db
def test_a_node_whose_parent_changed_moves_with_its_subtree(extract, world):
    # The database says 甲社区 is 990101002001 but keeps it under street 990101001: the files put it
    # under street 990101002, so it moves there with its compound, buildings, units and households.
    Node.objects.filter(pk=world.community_a.pk).update(code="990101002001")
    (extract / "provinces.csv").write_text("code,name\n99,测试省\n", encoding="utf-8")
    (extract / "cities.csv").write_text("code,name,provinceCode\n9901,测试市,99\n", encoding="utf-8")
    (extract / "areas.csv").write_text("code,name,cityCode,provinceCode\n990101,测试区,9901,99\n", encoding="utf-8")
    (extract / "streets.csv").write_text(
        "code,name,areaCode,provinceCode,cityCode\n990101001,测试街道,990101,99,9901\n"
        "990101002,新街道,990101,99,9901\n", encoding="utf-8")
    (extract / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "990101001002,乙社区,990101001,99,9901,990101\n"
        "990101002001,甲社区,990101002,99,9901,990101\n", encoding="utf-8")
    stats = import_divisions(extract)
    assert stats.levels[Level.STREET].created == 1
    assert stats.levels[Level.COMMUNITY].updated == 1

    new_street = Node.objects.get(code="990101002000")
    community = Node.objects.get(pk=world.community_a.pk)
    assert community.parent_id == new_street.pk
    assert community.path == new_street.path + step(1)
    unit = Node.objects.get(pk=world.unit_a1_1.pk)
    assert unit.path.startswith(community.path) and unit.depth == len(unit.path) // STEPLEN
    assert Household.objects.get(pk=world.hh_a1.pk).node_path == unit.path
    assert Node.objects.filter(path__under=new_street.path).count() == 1 + 1 + 3  # street, community, compound/building/unit
    # Scoping still finds the households by path.
    assert set(selectors.visible_households(world.users["community_a"])) == {world.hh_a1, world.hh_a2}
    assert set(selectors.visible_households(world.users["street"])) == {world.hh_b1}


@pytest.mark.django_db
def test_pass_through_rows_are_stored_without_a_code_and_not_duplicated(extract):
    # 东莞市 has no districts: the package repeats it as an area 441900 whose padded code is the city's.
    append_lines(extract, "provinces.csv", "44,广东省")
    append_lines(extract, "cities.csv", "4419,东莞市,44")
    append_lines(extract, "areas.csv", "441900,东莞市,4419,44")
    append_lines(extract, "streets.csv", "441900003,东城街道,441900,44,4419", "441900000,东莞市,441900,44,4419")
    append_lines(extract, "villages.csv", "441900003001,东城社区,441900003,44,4419,441900")
    import_divisions(extract)
    city = Node.objects.get(code="441900000000")
    assert city.level == Level.CITY
    area = city.children.get()
    assert (area.name, area.level, area.code) == ("东莞市", Level.COUNTY, None)
    assert set(area.children.values_list("code", flat=True)) == {"441900003000", None}
    assert Node.objects.get(code="441900003001").parent.parent == area

    count = Node.objects.count()
    stats = import_divisions(extract)
    assert Node.objects.count() == count and stats.created == 0


BAD_ROWS = [
    ("villages.csv", 12, "420804002011,官堰社区居委会,420804002,42,4208",
     "villages.csv 第12行：应有 6 列，实际 5 列"),
    ("villages.csv", 12, "42080400201X,官堰社区居委会,420804002,42,4208,420804",
     "villages.csv 第12行：代码“42080400201X”应为 12 位数字"),
    ("streets.csv", 3, "43030400,下摄司街道,430304,43,4303", "streets.csv 第3行：代码“43030400”应为 9 位数字"),
    ("villages.csv", 12, "420804002011,,420804002,42,4208,420804", "villages.csv 第12行：名称为空"),
    ("villages.csv", 12, "510185999011,官堰社区居委会,510185999,51,5101,510185",
     "villages.csv 第12行：上级街道代码 510185999 不存在"),
    ("villages.csv", 12, "420804002011,官堰社区居委会,420804003,42,4208,420804",
     "villages.csv 第12行：上级街道代码 420804003 与代码 420804002011 不符"),
    ("villages.csv", 12, "420804002010,官堰社区居委会,420804002,42,4208,420804",
     "villages.csv 第12行：代码 420804002010 与第11行重复"),
    ("cities.csv", 2, "4208,荆门市,99", "cities.csv 第2行：上级省代码 99 与代码 4208 不符"),
    ("provinces.csv", 1, "code,nom", "provinces.csv 第1行：表头缺少列 name"),
    ("villages.csv", 12, "420804002011,=1+1,420804002,42,4208,420804",
     "villages.csv 第12行：名称“=1+1”不能以 = 开头（在 Excel 中会被当作公式）"),
    ("villages.csv", 12, "420804002011,@SUM(A1),420804002,42,4208,420804", "villages.csv 第12行：名称“@SUM(A1)”不能以 @ 开头"),
    ("villages.csv", 12, "420804002011,官堰\x00社区,420804002,42,4208,420804",
     "villages.csv 第12行：名称含有换行、制表符等控制字符"),
    ("villages.csv", 12, "420804002011,\"官堰\n社区\",420804002,42,4208,420804",  # reported where the row ends
     "villages.csv 第13行：名称含有换行、制表符等控制字符"),
    ("streets.csv", 2, "420804002,白庙\u202e街道,420804,42,4208", "streets.csv 第2行：名称含有换行、制表符等控制字符"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("file", "line", "text", "message"), BAD_ROWS)
def test_a_malformed_row_is_reported_and_nothing_is_written(extract, file, line, text, message):
    set_line(extract, file, line, text)
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert any(e.startswith(message) for e in exc.value.errors), exc.value.errors
    assert Node.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_last_row_of_the_last_file_keeps_a_rerun_from_writing_anything(extract):
    import_divisions(extract)
    before = snapshot()
    # Renames in every earlier file, a new province, and one bad village at the very end.
    set_line(extract, "provinces.csv", 2, "42,湖北省（改）")
    set_line(extract, "streets.csv", 2, "420804002,白庙街道（改）,420804,42,4208")
    append_lines(extract, "provinces.csv", "11,北京市")
    append_lines(extract, "villages.csv", "510185999001,新村,510185999,51,5101,510185")
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert exc.value.errors == ["villages.csv 第66行：上级街道代码 510185999 不存在"]
    assert snapshot() == before
    assert AuditLog.objects.filter(detail__source="import_divisions").count() == 1  # the first import only


@pytest.mark.django_db
def test_every_error_is_collected_up_to_the_cap(extract):
    set_line(extract, "cities.csv", 3, "4303,,43")
    set_line(extract, "villages.csv", 2, "420804002001,七一桥社区居民委员会,420804002,42")
    append_lines(extract, "villages.csv",
                 *[f"420804009{i + 1:03d},坏村{i},420804009,42,4208,420804" for i in range(MAX_ERRORS + 20)])
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    errors = exc.value.errors
    assert errors[0] == "cities.csv 第3行：名称为空"
    assert errors[1] == "villages.csv 第2行：应有 6 列，实际 4 列"
    assert errors[2] == "villages.csv 第66行：上级街道代码 420804009 不存在"
    assert len(errors) == MAX_ERRORS + 1
    assert exc.value.total == MAX_ERRORS + 22
    assert errors[-1] == f"……共 {MAX_ERRORS + 22} 处错误，只列出前 {MAX_ERRORS} 处"
    assert Node.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_is_an_error(extract):
    (extract / "areas.csv").unlink()
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert "areas.csv：找不到文件" in exc.value.errors
    assert Node.objects.count() == 0


@pytest.mark.django_db
def test_a_code_used_by_another_level_is_an_error(extract, world):
    Node.objects.filter(pk=world.compound_a.pk).update(code="420804002011")
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert exc.value.errors == ["villages.csv 第12行：代码 420804002011 已被“幸福小区”（小区）使用"]
    assert not Node.objects.filter(code="420000000000").exists()


@pytest.mark.django_db
def test_command_prints_chinese_stats():
    out = io.StringIO()
    call_command("import_divisions", str(EXTRACT), stdout=out)
    text = out.getvalue()
    assert "社区/村：新增 64，更新 0，未变 0" in text
    assert "导入完成：共 83 行，新增 83，更新 0，未变 0，用时" in text
    out = io.StringIO()
    call_command("import_divisions", str(EXTRACT), stdout=out)
    assert "导入完成：共 83 行，新增 0，更新 0，未变 83" in out.getvalue()


@pytest.mark.django_db
def test_command_fails_with_the_errors_and_writes_nothing(extract):
    set_line(extract, "villages.csv", 12, "510185999011,官堰社区居委会,510185999,51,5101,510185")
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_divisions", str(extract), stdout=io.StringIO(), stderr=err)
    assert "未写入任何数据" in str(exc.value)
    assert "villages.csv 第12行：上级街道代码 510185999 不存在" in err.getvalue()
    assert Node.objects.count() == 0


def test_command_exits_non_zero_from_the_shell(tmp_path):
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, str(root / "manage.py"), "import_divisions", str(tmp_path / "missing")],
        capture_output=True, text=True, cwd=root,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.returncode != 0
    assert "找不到目录" in result.stderr


def test_command_help_renders():
    from django.core.management import call_command

    with pytest.raises(SystemExit) as e:
        call_command("import_divisions", "--help")
    assert e.value.code == 0


@pytest.mark.django_db
def test_gbk_files_are_read_and_undecodable_ones_refused(extract):
    for path in extract.glob("*.csv"):
        path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    provinces = extract / "provinces.csv"  # UTF-8 with a BOM beside them
    provinces.write_bytes(b"\xef\xbb\xbf" + provinces.read_bytes().decode("gbk").encode())
    stats = import_divisions(extract)
    assert stats.created == EXTRACT_ROWS and Node.objects.get(code="420804002011").name == "官堰社区居委会"
    (extract / "cities.csv").write_bytes(b"code,name,provinceCode\n4208,\x80\xff\xfe,42\n")
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert exc.value.errors == ["cities.csv：不是 UTF-8 或 GBK 编码的文本：请用 Excel 或 WPS 另存为“CSV UTF-8”后再导入"]


@pytest.mark.django_db
def test_a_dry_run_counts_and_writes_nothing(extract):
    stats = import_divisions(extract, dry_run=True)
    assert stats.created == EXTRACT_ROWS and stats.levels[Level.COMMUNITY].created == 64
    assert not Node.objects.exists() and not AuditLog.objects.exists()
    import_divisions(extract)
    set_line(extract, "streets.csv", 2, "420804002,白庙街道（改）,420804,42,4208")
    before = snapshot()
    stats = import_divisions(extract, dry_run=True)
    assert (stats.levels[Level.STREET].updated, stats.levels[Level.STREET].unchanged) == (1, 4)
    assert snapshot() == before and AuditLog.objects.count() == 1


@pytest.mark.django_db
def test_within_imports_one_area_and_its_ancestors_only(extract):
    # A bad row elsewhere does not stop the import of another area.
    append_lines(extract, "villages.csv", "510185999001,新村,510185999,51,5101,510185")
    stats = import_divisions(extract, within="4208", origin="全国.zip", max_rows=1 + 1 + 1 + 1 + 24)
    assert stats.created == 1 + 1 + 1 + 1 + 24
    assert set(Node.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)) == {"420000000000"}
    assert Node.objects.get(code="420804002011").parent.code == "420804002000"
    audit = AuditLog.objects.get(detail__source="import_divisions")
    assert (audit.detail["origin"], audit.detail["within"]) == ("全国.zip", "4208")
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract, within="43", max_rows=10)
    assert exc.value.errors == ["超过一次最多 10 行的限制，文件未读完"]
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract, within="4x")
    assert exc.value.errors == ["“只导入”应为 1 至 12 位数字的区划代码开头，如 42"]
    assert Node.objects.count() == 28


@pytest.mark.django_db
def test_a_huge_cell_is_not_repeated_whole_in_the_messages(extract):
    long = "4" * 100_000
    append_lines(extract, "villages.csv", *[f"{long},坏村,{long},42,4208,420804" for _i in range(100)])
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert exc.value.total == 200  # the code and the street code of each row
    assert exc.value.errors[0] == f"villages.csv 第66行：代码“{'4' * 20}…”应为 12 位数字"
    assert exc.value.errors[1] == f"villages.csv 第66行：上级街道代码 {'4' * 20}… 与代码 {'4' * 20}… 不符"
    assert max(len(e) for e in exc.value.errors) < 100


@pytest.mark.django_db
def test_a_cell_over_the_csv_field_limit_is_reported_in_chinese(extract):
    append_lines(extract, "villages.csv", "420804002099," + "村" * 200_000 + ",420804002,42,4208,420804")
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert exc.value.errors == ["villages.csv 第66行：有一格超过 131,072 个字符，不是区划文件，未读完"]


@pytest.mark.django_db
def test_rows_past_the_limit_are_not_read(extract, monkeypatch):
    """The whole country is 630,881 rows: refused at the row past max_rows, not after reading them all."""
    append_lines(extract, "villages.csv", *[f"420804002{i:03d},村{i},420804002,42,4208,420804"
                                            for i in range(500, 1000)])
    seen = []
    real = csv.reader

    class Counting:
        def __init__(self, *args, **kwargs):
            self.reader = real(*args, **kwargs)

        def __iter__(self):
            return self

        def __next__(self):
            seen.append(1)
            return next(self.reader)

        @property
        def line_num(self):
            return self.reader.line_num

    monkeypatch.setattr("gongzhi.territory.divisions.csv.reader", Counting)
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract, max_rows=30)
    assert exc.value.errors == ["超过一次最多 30 行的限制，文件未读完"]
    assert len(seen) <= 5 + 31 + 4  # five headers, 31 rows, four ends of file: not the villages' 564
    assert import_divisions(extract, max_rows=EXTRACT_ROWS + 500, dry_run=True).rows == EXTRACT_ROWS + 500


@pytest.mark.django_db
def test_nothing_to_import_is_refused_and_writes_no_audit_row(extract):
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract, within="4209")
    assert exc.value.errors == ["没有代码以 4209 开头的区划"]
    for f in extract.iterdir():
        f.write_text(f.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(DivisionImportError) as exc:
        import_divisions(extract)
    assert exc.value.errors == ["文件中没有区划数据（只有表头）"]
    assert not AuditLog.objects.exists() and not Node.objects.exists()
