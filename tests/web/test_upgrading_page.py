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
