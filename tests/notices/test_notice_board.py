"""The 一厂一策 notice board: golden HTML, city overrides, StrictUndefined, and a real PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess

import pytest
from jinja2 import UndefinedError

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import (
    Amounts,
    ControlCategory,
    Enterprise,
    Grade,
    Line,
    Measure,
    MeasureKind,
)
from orchestrator.notices.contexts import NoticeBoardContext
from orchestrator.notices.render import html_to_pdf, make_environment, render
from tests.support.base import ROOT

GOLDEN = ROOT / "tests" / "golden" / "notice_board.html"

ENTERPRISE = Enterprise(
    uscc="91999900MA0000002C",
    name="示例市通鑫水泥有限公司",
    county="高新区",
    town="西关街道",
    category=ControlCategory.PERFORMANCE,
    grade=Grade.B,
    permit_no="91999900MA0000002C001P",
    contact="刘磊",
    phone="13900000002",
    lines=(
        Line(
            name="熟料生产线",
            industry="水泥熟料",
            declared_grade=Grade.B,
            baseline=Amounts(so2=60, nox=700, pm=150, vocs=10),
            measures=(
                Measure(
                    level=AlertLevel.YELLOW,
                    kind=MeasureKind.TRANSPORT,
                    text="禁止使用国四及以下重型载货车辆运输",
                ),
                Measure(
                    level=AlertLevel.ORANGE,
                    kind=MeasureKind.LIMIT,
                    value=20,
                    text="限产20%<以许可量为基准>",
                ),
                Measure(level=AlertLevel.RED, kind=MeasureKind.STOP, text="停产"),
            ),
            check_method="分表计电",
            meter_no="DB0000020",
        ),
    ),
)


def context() -> NoticeBoardContext:
    return NoticeBoardContext.of(
        ENTERPRISE, region_name="示例市", revision=3, effective_from=dt.date(2025, 10, 1)
    )


def test_notice_board_matches_the_golden_file():
    html = render(make_environment(ROOT / "templates"), "boards/notice_board.html", context())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8")
    # values are escaped, never interpreted as markup
    assert "限产20%&lt;以许可量为基准&gt;" in html
    assert "第3版，2025年10月1日起施行" in html


def test_a_city_override_folder_wins(tmp_path):
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "notice_board.html").write_text(
        "{{ enterprise_name }}（本市格式）", encoding="utf-8"
    )
    html = render(
        make_environment(ROOT / "templates", tmp_path), "boards/notice_board.html", context()
    )
    assert html == "示例市通鑫水泥有限公司（本市格式）"


def test_a_template_using_an_unknown_value_fails_loudly(tmp_path):
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "notice_board.html").write_text("{{ mayor_name }}", encoding="utf-8")
    with pytest.raises(UndefinedError):
        render(
            make_environment(ROOT / "templates", tmp_path), "boards/notice_board.html", context()
        )


def test_a_line_without_a_measure_shows_a_dash():
    line = dataclasses.replace(ENTERPRISE.lines[0], measures=ENTERPRISE.lines[0].measures[:2])
    ctx = NoticeBoardContext.of(
        dataclasses.replace(ENTERPRISE, lines=(line,)),
        region_name="示例市",
        revision=1,
        effective_from=dt.date(2025, 10, 1),
    )
    assert [m.text for m in ctx.lines[0].measures][-1] == "—"


def _cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(
        ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
    ).stdout
    return bool(out.strip())


def test_pdf_of_several_boards_is_one_file_with_one_page_each(tmp_path):
    if not _cjk_font():
        if os.environ.get("CI"):
            pytest.fail("CI needs a CJK font (.ci/run installs fonts-wqy-zenhei)")
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei)")
    env = make_environment(ROOT / "templates")
    pages = [render(env, "boards/notice_board.html", context())] * 2
    out = tmp_path / "boards.pdf"
    assert html_to_pdf(pages, out, ROOT / "templates") == 2  # one A4 landscape page per board
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 20_000  # the CJK glyphs are embedded (a subset of the font), not left out
