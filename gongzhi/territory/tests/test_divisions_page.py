"""设置 → 行政区划 (/territory/setup/divisions/): the administrator loads the division tree from the page.
Only a superuser reaches it; the check writes nothing; the confirmation imports once; hostile uploads
answer one Chinese message, never a 500, and write nothing."""

import errno
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.accounts.models import AuditLog
from gongzhi.territory import division_uploads, services_divisions
from gongzhi.territory.divisions import FILES
from gongzhi.territory.models import Level, Node
from gongzhi.territory.services_divisions import divisions_import_extract
from gongzhi.territory.views_divisions import pending_files

EXTRACT = Path(__file__).resolve().parent.parent / "data" / "divisions"
EXTRACT_ROWS = 83
URL = reverse("territory:setup_divisions")
NAMES = [f.name for f in FILES]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(world, client_for):
    return client_for(world.users["admin"])


def extract_files(**changes: bytes) -> dict[str, bytes]:
    """The shipped extract's five files by name, some replaced."""
    files = {name: (EXTRACT / name).read_bytes() for name in NAMES}
    files.update(changes)
    return files


def with_line(name: str, line: int, text: str) -> dict[str, bytes]:
    """The extract with line `line` (the header is 1) of one file replaced."""
    lines = (EXTRACT / name).read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    return extract_files(**{name: ("\n".join(lines) + "\n").encode()})


def make_zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def dist_zip(files: dict[str, bytes] | None = None) -> bytes:
    """As the npm package's dist/ folder zipped: the CSVs under dist/, with JSON files beside them."""
    files = extract_files() if files is None else files
    return make_zip({"dist/": b"", **{f"dist/{n}": d for n, d in files.items()},
                     "dist/pcas-code.json": b"[]", "dist/villages.json": b"[]"})


def check(client, uploads, within: str = ""):
    if isinstance(uploads, bytes):
        uploads = [("dist.zip", uploads)]
    elif isinstance(uploads, dict):
        uploads = list(uploads.items())
    files = [SimpleUploadedFile(name, data) for name, data in uploads]
    return client.post(URL, {"action": "check", "files": files, "within": within})


def nothing_written():
    return not Node.objects.filter(code__startswith="42").exists() and not AuditLog.objects.filter(
        detail__source="import_divisions").exists()


def page(r) -> str:
    return r.content.decode()


# --- Who reaches it -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_only_the_administrator_reaches_the_page(world, client, client_for):
    r = client.get(URL)
    assert r.status_code == 302 and "/login/" in r["Location"]
    for key in ("street", "community_a", "grid_a1", "resident_a1", "nobody", "auditor"):
        c = client_for(world.users[key])
        assert c.get(URL).status_code == 404, key
        assert c.post(URL, {"action": "extract"}).status_code == 404, key
        assert check(c, dist_zip()).status_code == 404, key
        assert key == "auditor" or URL not in page(c.get(reverse("territory:setup")))
    assert nothing_written()
    with pytest.raises(PermissionDenied):
        divisions_import_extract(actor=world.users["street"])
    assert nothing_written()


@pytest.mark.django_db
def test_the_setup_page_links_to_it_for_the_administrator(admin):
    assert URL in page(admin.get(reverse("territory:setup")))
    r = admin.get(URL)
    assert r.status_code == 200
    counts = dict(r.context["counts"])
    assert counts[Level.PROVINCE] == 1 and counts[Level.COMMUNITY] == 2  # the test world's tree
    assert 'data-testid="division-upload"' in page(r) and 'data-testid="division-extract"' in page(r)
    assert "manage.py import_divisions DIR" in page(r)


# --- The shipped extract, the check, the confirmation ----------------------------------------------

@pytest.mark.django_db
def test_the_shipped_extract_in_one_click(admin):
    r = admin.post(URL, {"action": "extract"}, follow=True)
    assert r.status_code == 200
    assert "行政区划已导入：共 83 行，新增 83，更新 0，未变 0" in page(r)
    assert Node.objects.filter(code__startswith="42").count() == 1 + 1 + 1 + 1 + 24
    audit = AuditLog.objects.get(detail__source="import_divisions")
    assert audit.actor.username == "admin" and audit.detail["origin"] == "extract"
    assert audit.detail["levels"]["community"] == {"created": 64, "updated": 0, "unchanged": 0}
    assert dict(r.context["counts"])[Level.COMMUNITY] == 2 + 64
    admin.post(URL, {"action": "extract"})  # again: nothing new, one more audit row
    assert Node.objects.count() == 10 + EXTRACT_ROWS
    assert AuditLog.objects.filter(detail__source="import_divisions").count() == 2


@pytest.mark.django_db
def test_the_check_shows_the_counts_and_writes_nothing_then_the_confirmation_imports_once(admin):
    r = check(admin, dist_zip())
    assert r.status_code == 200, page(r)
    assert "校验通过，尚未导入：共 83 行，将新增 83，更新 0，未变 0" in page(r)
    plan = {label: (s.created, s.updated, s.unchanged) for label, s in r.context["levels"]}
    assert plan == {"省": (4, 0, 0), "市": (5, 0, 0), "区县": (5, 0, 0), "街道/乡镇": (5, 0, 0), "社区/村": (64, 0, 0)}
    assert nothing_written()
    token = r.context["token"]
    assert token and 'data-testid="division-confirm"' in page(r)

    r = admin.post(URL, {"action": "confirm", "token": token}, follow=True)
    assert "行政区划已导入：共 83 行，新增 83" in page(r)
    assert Node.objects.get(code="420804002011").name == "官堰社区居委会"
    audit = AuditLog.objects.get(detail__source="import_divisions")
    assert audit.detail["origin"] == "upload:dist.zip" and audit.detail["levels"]["province"]["created"] == 4
    assert not list((Path(pending_files._dir())).glob("*.zip"))  # the kept file is gone

    # A second submit of the same confirmation (back button, double tap): told, not imported again.
    r = admin.post(URL, {"action": "confirm", "token": token}, follow=True)
    assert r.status_code == 200 and "这批区划文件已经导入，没有再次导入" in page(r)
    assert AuditLog.objects.filter(detail__source="import_divisions").count() == 1
    # A token that is not this session's: nothing happens.
    r = admin.post(URL, {"action": "confirm", "token": "forged"}, follow=True)
    assert "待导入的文件已失效，请重新上传并校验" in page(r)


@pytest.mark.django_db
def test_the_five_csv_files_uploaded_together_and_a_recheck_after_a_rename(admin):
    admin.post(URL, {"action": "extract"})
    r = check(admin, with_line("streets.csv", 2, "420804002,白庙街道（改）,420804,42,4208"))
    assert r.status_code == 200, page(r)
    assert "共 83 行，将新增 0，更新 1，未变 82" in page(r)
    assert Node.objects.get(code="420804002000").name == "白庙街道"
    admin.post(URL, {"action": "confirm", "token": r.context["token"]})
    assert Node.objects.get(code="420804002000").name == "白庙街道（改）"
    assert AuditLog.objects.get(detail__origin="upload:5 个文件").detail["levels"]["street"]["updated"] == 1


@pytest.mark.django_db
def test_within_imports_one_city_and_the_row_limit_points_to_it(admin, monkeypatch):
    monkeypatch.setattr(services_divisions, "PAGE_MAX_ROWS", 50)
    r = check(admin, dist_zip())
    assert r.status_code == 400
    assert "超过一次最多 50 行的限制，文件未读完" in page(r) and nothing_written()
    r = check(admin, dist_zip(), within="4208")
    assert r.status_code == 200 and "只导入代码以 4208 开头的区划及其上级" in page(r)
    admin.post(URL, {"action": "confirm", "token": r.context["token"]})
    assert Node.objects.filter(code__startswith="42").count() == 28
    assert not Node.objects.filter(code__startswith="43").exists()
    r = check(admin, dist_zip(), within="42a")
    assert r.status_code == 400 and "请填写区划代码的开头数字，如 42" in page(r)


@pytest.mark.django_db
def test_gbk_files_are_accepted(admin):
    gbk = {name: data.decode("utf-8").encode("gbk") for name, data in extract_files().items()}
    r = check(admin, make_zip(gbk))
    assert r.status_code == 200, page(r)
    admin.post(URL, {"action": "confirm", "token": r.context["token"]})
    assert Node.objects.get(code="420804002011").name == "官堰社区居委会"


# --- Hostile and wrong input: one clear message, 400, nothing written ------------------------------

def refused(r, message: str) -> None:
    assert r.status_code == 400, r.status_code
    text = page(r)
    assert message in text, text[text.find("<main"):][:3000]
    assert not r.context["token"]
    assert nothing_written()


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_before_it_is_inflated(admin):
    bomb = make_zip({**{n: d for n, d in extract_files().items() if n != "villages.csv"},
                     "villages.csv": b"0" * (65 * 1024 * 1024)})
    assert len(bomb) < 200_000
    refused(check(admin, bomb), "压缩包中的区划文件解压后共 65.0 MB，超过 64 MB")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../villages.csv", "dist/../../villages.csv", "/tmp/villages.csv",
                                  "..\\villages.csv", "C:/villages.csv"])
def test_zip_slip_is_refused(admin, name):
    files = {n: d for n, d in extract_files().items() if n != "villages.csv"}
    refused(check(admin, make_zip({**files, name: extract_files()["villages.csv"]})), "不安全（绝对路径或含 ..）")


@pytest.mark.django_db
def test_a_missing_file_is_named(admin):
    files = extract_files()
    del files["areas.csv"]
    refused(check(admin, dist_zip(files)), "areas.csv：找不到文件")
    refused(check(admin, make_zip({"readme.txt": b"x"})), "压缩包中没有区划文件")


@pytest.mark.django_db
@pytest.mark.parametrize(("uploads", "message"), [
    ([("dist.rar", b"Rar!\x1a\x07\x01\x00" + bytes(range(256)) * 40)], "不认识的文件“dist.rar”"),
    ([("dist.zip", b"Rar!\x1a\x07\x01\x00" + bytes(range(256)) * 40)], "无法读取压缩包：请上传 .zip 格式"),
    ([("dist.zip", bytes(range(256)) * 40)], "无法读取压缩包"),
    ([("dist.zip", make_zip({"provinces.csv": b"code,name\n42,x\n"})[:60])], "无法读取压缩包"),
    ([("villages.xlsx", b"PK\x03\x04")], "不认识的文件“villages.xlsx”"),
    ([("dist.zip", make_zip(extract_files())), ("provinces.csv", b"code,name\n")], "请只上传一个 .zip 压缩包"),
    ([("provinces.csv", b"code,name\n"), ("provinces.csv", b"code,name\n")], "provinces.csv 上传了两次"),
])
def test_what_is_not_the_files_is_refused(admin, uploads, message):
    refused(check(admin, uploads), message)


@pytest.mark.django_db
def test_random_bytes_in_a_csv_and_an_empty_upload(admin):
    refused(check(admin, extract_files(**{"cities.csv": b"\x80\xff\xfe\x00" * 500})),
            "cities.csv：不是 UTF-8 或 GBK 编码的文本")
    refused(check(admin, extract_files(**{"cities.csv": bytes(range(32, 127)) * 20})), "cities.csv 第1行：表头缺少列")
    r = admin.post(URL, {"action": "check", "within": ""})
    assert r.status_code == 400 and "请选择文件" in page(r)


@pytest.mark.django_db
def test_a_damaged_or_encrypted_or_doubled_member_is_refused(admin):
    good = make_zip(extract_files(), compression=zipfile.ZIP_STORED)
    at = good.index("官堰社区居委会".encode())
    damaged = good[:at] + "官堰社区居委员".encode() + good[at + len("官堰社区居委会".encode()):]
    refused(check(admin, damaged), "压缩包已损坏或使用了不支持的压缩方式")

    # Marked encrypted (zipfile cannot write encryption): bit 0 of the flags in every central entry.
    encrypted = bytearray(good)
    at = encrypted.find(b"PK\x01\x02")
    while at != -1:
        encrypted[at + 8] |= 0x1
        at = encrypted.find(b"PK\x01\x02", at + 4)
    refused(check(admin, bytes(encrypted)), "压缩包设有密码")

    doubled = make_zip({**{f"a/{n}": d for n, d in extract_files().items()}, "b/villages.csv": b"x"})
    refused(check(admin, doubled), "压缩包中有两个 villages.csv（a/villages.csv 和 b/villages.csv）")


@pytest.mark.django_db
def test_a_file_too_large_is_refused(admin, monkeypatch):
    monkeypatch.setattr(division_uploads, "MAX_UPLOAD_BYTES", division_uploads.MB)  # as if 64 MB were 1 MB
    big = extract_files(**{"villages.csv": b"x" * (division_uploads.MB + division_uploads.MB // 5)})
    refused(check(admin, big), "上传的文件共 1.2 MB，超过 1 MB")


@pytest.mark.django_db
@pytest.mark.parametrize(("file", "line", "text", "message"), [
    ("villages.csv", 12, "42080400201,官堰社区居委会,420804002,42,4208,420804",
     "villages.csv 第12行：代码“42080400201”应为 12 位数字"),
    ("streets.csv", 2, "4208040020,白庙街道,420804,42,4208", "streets.csv 第2行：代码“4208040020”应为 9 位数字"),
    ("villages.csv", 12, "420804009011,官堰社区居委会,420804009,42,4208,420804",
     "villages.csv 第12行：上级街道代码 420804009 不存在"),
    ("villages.csv", 12, "420804002011,=cmd|calc!A0,420804002,42,4208,420804",
     "villages.csv 第12行：名称“=cmd|calc!A0”不能以 = 开头"),
    ("villages.csv", 12, "420804002011,官堰\x07社区,420804002,42,4208,420804", "villages.csv 第12行：名称含有换行、制表符等控制字符"),
    ("villages.csv", 12, "420804002011,官堰\x1b[31m社区,420804002,42,4208,420804",
     "villages.csv 第12行：名称含有换行、制表符等控制字符"),
])
def test_a_wrong_row_is_reported_with_its_line(admin, file, line, text, message):
    r = check(admin, dist_zip(with_line(file, line, text)))
    refused(r, message)
    assert 'data-testid="division-errors"' in page(r) and "处错误，未写入任何数据" in page(r)


@pytest.mark.django_db
def test_a_change_between_check_and_confirmation_is_reported(admin, world):
    r = check(admin, dist_zip())
    assert r.status_code == 200
    Node.objects.filter(pk=world.compound_a.pk).update(code="420804002011")  # taken meanwhile
    r = admin.post(URL, {"action": "confirm", "token": r.context["token"]})
    assert r.status_code == 400
    assert "villages.csv 第12行：代码 420804002011 已被“幸福小区”（小区）使用" in page(r)
    assert not Node.objects.filter(code="420000000000").exists()
    assert not AuditLog.objects.filter(detail__source="import_divisions").exists()


# --- A province's worth, made up (no data is downloaded) ---------------------------------------------

_SYLLABLES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
_PLACES = "家庄屯湾岭坪沟坝桥河湖山岗寨集营铺店"


def _name(i: int, tail: str) -> str:
    n = len(_SYLLABLES)
    return _SYLLABLES[i % n] + _SYLLABLES[(i // n) % n] + _PLACES[i % len(_PLACES)] + tail


def province_files(province: str = "41", *, cities: int, counties: int, streets: int, villages: int) -> dict[str, bytes]:
    """The five files of one made-up province in the package's layout (names quoted, as the package does):
    `cities` cities of `counties` counties of `streets` streets of `villages` communities/villages."""
    out = {n: io.StringIO() for n in NAMES}
    out["provinces.csv"].write(f'code,name\n{province},"测试省"\n')
    out["cities.csv"].write("code,name,provinceCode\n")
    out["areas.csv"].write("code,name,cityCode,provinceCode\n")
    out["streets.csv"].write("code,name,areaCode,provinceCode,cityCode\n")
    out["villages.csv"].write("code,name,streetCode,provinceCode,cityCode,areaCode\n")
    i = 0
    for c in range(1, cities + 1):
        city = f"{province}{c:02d}"
        out["cities.csv"].write(f'{city},"{_name(c, "市")}",{province}\n')
        for a in range(1, counties + 1):
            area = f"{city}{a:02d}"
            out["areas.csv"].write(f'{area},"{_name(a + c, "区")}",{city},{province}\n')
            for s in range(1, streets + 1):
                street = f"{area}{s:03d}"
                out["streets.csv"].write(f'{street},"{_name(s + a, "镇")}",{area},{province},{city}\n')
                for v in range(1, villages + 1):
                    i += 1
                    tail = "社区居民委员会" if v % 5 == 0 else "村民委员会"
                    out["villages.csv"].write(
                        f'{street}{v:03d},"{_name(i, tail)}",{street},{province},{city},{area}\n')
    return {n: buf.getvalue().encode() for n, buf in out.items()}


@pytest.mark.django_db
def test_a_made_up_province_goes_in_through_the_page(admin):
    files = province_files(cities=2, counties=3, streets=4, villages=10)
    r = check(admin, make_zip(files), within="41")
    assert r.status_code == 200, page(r)
    assert "共 273 行，将新增 273" in page(r)
    admin.post(URL, {"action": "confirm", "token": r.context["token"]})
    assert Node.objects.filter(code__startswith="41", level=Level.COMMUNITY).count() == 240


@pytest.mark.django_db
@pytest.mark.skipif(not __import__("os").environ.get("DIVISIONS_PAGE_MEASURE"),
                    reason="a measurement, not a test: DIVISIONS_PAGE_MEASURE=1 to run it")
def test_measure_a_province_through_the_page(admin):
    """Prints how long the page takes for a large province (17 cities × 10 counties × 18 streets ×
    30 villages = 95,048 rows): upload + check, then confirm; then a re-check of the same files."""
    import time

    files = province_files(cities=17, counties=10, streets=18, villages=30)
    data = make_zip(files)
    rows = sum(d.count(b"\n") - 1 for d in files.values())
    t0 = time.perf_counter()
    r = check(admin, data)
    t1 = time.perf_counter()
    assert r.status_code == 200, page(r)[:2000]
    r2 = admin.post(URL, {"action": "confirm", "token": r.context["token"]})
    t2 = time.perf_counter()
    assert r2.status_code == 302
    r3 = check(admin, data)
    t3 = time.perf_counter()
    assert r3.context["stats"].unchanged == rows
    print(f"\n{rows} rows, {sum(map(len, files.values())) / 1e6:.1f} MB of CSV, {len(data) / 1e6:.1f} MB zipped: "
          f"check {t1 - t0:.1f} s, confirm {t2 - t1:.1f} s, re-check (all unchanged) {t3 - t2:.1f} s")


@pytest.mark.django_db
def test_the_extract_button_reports_a_conflict_instead_of_failing(admin, world):
    Node.objects.filter(pk=world.compound_a.pk).update(code="420804002011")
    r = admin.post(URL, {"action": "extract"})
    assert r.status_code == 400
    assert "villages.csv 第12行：代码 420804002011 已被“幸福小区”（小区）使用" in page(r)
    assert not Node.objects.filter(code="420000000000").exists()


@pytest.mark.django_db
def test_a_second_check_replaces_the_file_kept_by_the_first(admin):
    first = check(admin, dist_zip()).context["token"]
    second = check(admin, dist_zip()).context["token"]
    assert [p.stem for p in Path(pending_files._dir()).glob("*.zip")] == [second]
    r = admin.post(URL, {"action": "confirm", "token": first}, follow=True)
    assert "待导入的文件已失效" in page(r) and nothing_written()


@pytest.mark.django_db
def test_too_many_members_are_refused_before_the_archive_is_listed(admin, monkeypatch):
    data = dist_zip()
    end = data[-22:]
    declaring = data[:-22] + end[:8] + (0xFFFF).to_bytes(2, "little") * 2 + end[12:]  # 65,535 members
    listed = []
    real = zipfile.ZipFile._RealGetContents
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda z: listed.append(1) or real(z))
    refused(check(admin, declaring), "压缩包中有 65,535 个文件，过多，未读取")
    assert listed == [] and nothing_written()


def test_each_archive_is_listed_once(monkeypatch):
    listed = []
    real = zipfile.ZipFile._RealGetContents
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda z: listed.append(1) or real(z))
    packed = division_uploads.pack_upload([SimpleUploadedFile("dist.zip", dist_zip())])
    assert len(listed) == 1
    with division_uploads.unpacked(packed) as directory:
        assert sorted(p.name for p in directory.iterdir()) == sorted(NAMES)
    assert len(listed) == 2


def test_a_full_disk_while_unpacking_is_not_called_a_damaged_archive(monkeypatch):
    packed = division_uploads.pack_upload([SimpleUploadedFile("dist.zip", dist_zip())])

    class FullDisk(type(Path())):
        def open(self, *args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(division_uploads, "Path", FullDisk)
    with pytest.raises(OSError) as exc:
        with division_uploads.unpacked(packed):
            pass
    assert exc.value.errno == errno.ENOSPC


@pytest.mark.django_db
@pytest.mark.parametrize(("within", "message"), [("", "文件中没有区划数据（只有表头）"),
                                                 ("4209", "没有代码以 4209 开头的区划")])
def test_nothing_to_import_is_refused(admin, within, message):
    files = {f.name: (",".join(f.columns) + "\n").encode() for f in FILES} if not within else extract_files()
    refused(check(admin, files, within=within), message)


@pytest.mark.django_db
def test_giving_up_or_opening_the_page_again_discards_the_checked_file(admin):
    r = check(admin, dist_zip())
    token = r.context["token"]
    assert [p.stem for p in Path(pending_files._dir()).glob("*.zip")] == [token]
    assert admin.get(URL).status_code == 200  # 放弃，重新选择文件 is a link back to the page
    assert not list(Path(pending_files._dir()).glob("*.zip"))
    r = admin.post(URL, {"action": "confirm", "token": token}, follow=True)
    assert "待导入的文件已失效" in page(r) and nothing_written()
