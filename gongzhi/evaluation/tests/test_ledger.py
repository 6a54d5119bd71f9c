import datetime
import io
import os
import shutil
import subprocess

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gongzhi.evaluation import services

from .test_pages import close_month

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def ledger_bytes(hd, client):
    close_month(hd, datetime.date(2023, 11, 1))
    close_month(hd, datetime.date(2023, 12, 1))
    services.awards_grant(actor=hd.staff, rule_set=hd.rule_set, year=2023)
    r = client.get(reverse("evaluation:ledger", args=[hd.world.compound_a.pk, hd.rule_set.pk]) + "?year=2023")
    assert r.status_code == 200 and r["Content-Type"] == XLSX
    return r.content


@pytest.mark.django_db
def test_ledger_has_rules_one_sheet_per_month_and_the_year(ledger_bytes):
    wb = openpyxl.load_workbook(io.BytesIO(ledger_bytes))
    assert wb.sheetnames == ["评分细则", "2023年11月", "2023年12月", "2023年度"]
    nov = wb["2023年11月"]
    assert [c.value for c in nov[2]][:3] == ["名次", "对象", "基础分"]
    assert [c.value for c in nov[3]][:2] == [1, "1栋1单元"]
    assert nov.cell(row=3, column=7).value == 110.0
    year = wb["2023年度"]
    rows = [[c.value for c in r] for r in year.iter_rows(min_row=3)]
    assert rows[0][:3] == [1, "1栋1单元", 2] and rows[0][5] == "第1名" and rows[0][6] == 10.0
    rules = [c.value for c in wb["评分细则"]["D"]]
    assert "本年度考取重点大学的学子所在单元予以加分" in rules  # the 2023 ledger shows version 1


@pytest.mark.django_db
def test_ledger_reads_back_with_calamine(ledger_bytes):
    wb = CalamineWorkbook.from_filelike(io.BytesIO(ledger_bytes))
    assert wb.sheet_names == ["评分细则", "2023年11月", "2023年12月", "2023年度"]
    rows = wb.get_sheet_by_name("2023年12月").to_python()
    assert rows[1][:2] == ["名次", "对象"] and rows[2][1] == "1栋1单元"


@pytest.mark.django_db
def test_ledger_opens_in_libreoffice_without_repair(ledger_bytes, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("GONGZHI_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice is missing: apt-get install -y libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed")
    src = tmp_path / "ledger.xlsx"
    src.write_bytes(ledger_bytes)
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         # UTF-8, every sheet to its own file (LibreOffice ≥ 7.2: sheet number -1).
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(tmp_path), str(src)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "repair" not in (proc.stdout + proc.stderr).lower()
    csvs = {f.name: f.read_text(encoding="utf-8") for f in tmp_path.glob("*.csv")}
    assert set(csvs) == {"ledger-评分细则.csv", "ledger-2023年11月.csv", "ledger-2023年12月.csv", "ledger-2023年度.csv"}
    assert "有飞线充电行为" not in csvs["ledger-评分细则.csv"] and "序号" in csvs["ledger-评分细则.csv"]
    assert "1,1栋1单元,100,10,0,0,110,4,★" in csvs["ledger-2023年12月.csv"]
    assert "1栋1单元,2,220,0,第1名,10" in csvs["ledger-2023年度.csv"]


@pytest.mark.django_db
def test_ledger_404s(hd, client):
    assert client.get(reverse("evaluation:ledger", args=[hd.world.compound_a.pk, 999999])).status_code == 404
    # A bad year is bad input (400 with a message), not a missing page.
    assert client.get(reverse("evaluation:ledger", args=[hd.world.compound_a.pk, hd.rule_set.pk]) + "?year=x").status_code == 400


@pytest.mark.django_db
def test_ledger_writes_formula_like_text_as_text(hd, client):
    from gongzhi.evaluation.models import RuleItem

    hostile = '=HYPERLINK("http://x","点我")'
    RuleItem.objects.filter(pk=hd.items(hd.v1)[0].pk).update(description=hostile)
    close_month(hd, datetime.date(2023, 11, 1))
    r = client.get(reverse("evaluation:ledger", args=[hd.world.compound_a.pk, hd.rule_set.pk]) + "?year=2023")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = [c for row in wb["评分细则"].iter_rows() for c in row if c.value == hostile]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
