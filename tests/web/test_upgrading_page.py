"""The console's 创A升B page: the report as on the command line, filtered by county, and its Excel
and PDF downloads (the PDF with its page numbers and every enterprise below a target)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from tests.support.app import ISSUED_AT, SAMPLE, do_import
from tests.support.delivery import Clock
from tests.support.web import Served, add_users, signed_in, web_app


@pytest.fixture
def zhang(engine, tmp_path):
    do_import(engine, SAMPLE)
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=ISSUED_AT)
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=tmp_path)) as served:
        yield signed_in(served, "zhang")


def test_the_page_shows_the_report_and_filters_by_county(zhang):
    page = zhang.get("/lists/upgrading?on=2026-01-10")
    assert page.status_code == 200
    assert '未达标</th><td>244家，其中已逾期<span class="warn">165</span>家' in page.text
    assert "重点行业全部达到B级" in page.text
    one = zhang.get("/lists/upgrading?on=2026-01-10&county=北山县")
    counties = re.findall(r"<tr><td>([^<]+)</td><td>", one.text)
    assert counties
    assert set(counties) == {"北山县"}
    assert "未达标企业（" in one.text
    assert zhang.get("/lists").text.count('<a href="/lists/upgrading">创A升B进展</a>') == 1


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_downloads_hold_every_enterprise_below(zhang):
    xlsx = zhang.get("/lists/upgrading.xlsx?on=2026-01-10")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 + 244
    pdf = zhang.get("/lists/upgrading.pdf?on=2026-01-10")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "绩效等级提升（创A升B）进展情况" in text
    assert "— 1 —" in text
    assert "未达标244家" in text


def test_the_coverage_page_lists_the_runs_and_a_runs_findings_by_county(engine, tmp_path):
    import csv

    from orchestrator.emissions.registries import Registry
    from tests.support.app import app
    from tests.support.base import ROOT

    do_import(engine, SAMPLE)
    registries = ROOT / "samples" / "registries"
    service = app(engine).lists()
    rows = list(csv.reader((registries / "transport.csv").open(encoding="utf-8-sig")))
    rows[1][1] = "<script>alert(1)</script>物流有限公司"  # a listed user, renamed in the export
    rows.append(["91999900MA0600050T", "<b>名录</b>运输有限公司", "南川县", "30", "有效"])
    evil = tmp_path / "transport.csv"
    with evil.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    first = service.check_coverage(
        Registry.PERMITS, registries / "permits.csv", now=ISSUED_AT, by="核查组"
    )
    second = service.check_coverage(Registry.TRANSPORT, evil, now=ISSUED_AT, by="核查组")
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=ISSUED_AT)
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=tmp_path)) as served:
        zhang = signed_in(served, "zhang")
        newest = zhang.get("/lists/coverage")
        older = zhang.get(f"/lists/coverage?run={first.run.id}&county=北山县")
    assert newest.status_code == 200
    assert f"重点用车单位名录第{second.run.id}次核查：各区县待核实事项" in newest.text
    assert "&lt;b&gt;名录&lt;/b&gt;运输有限公司" in newest.text
    assert "<b>名录</b>" not in newest.text
    assert f"排污许可名录第{first.run.id}次核查" in older.text
    counties = re.findall(r"<tr><td>([^<]+)</td><td>(?:名录|清单|登记|许可)", older.text)
    assert counties
    assert set(counties) == {"北山县"}
