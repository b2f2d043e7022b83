"""Every kind of document the office prints follows GB/T 9704—2012 when printed: page numbers
"— 1 —" on every page, the 发文字号 under the 发文机关标志, the 版记 (抄送, 印发) on the last
page, nothing of the server in the signed text, one numeral style, and no table cell narrower
than two characters. The documents are the real ones: the sample drill (issue, upgrade,
downgrade, lift, orders, recurring-control notices, consultation opinions, the assessment) run
once through the real pipeline, each printed to PDF by WeasyPrint and read back with pypdf (the
不利气象条件应对 notice: tests/response/test_band.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from orchestrator.bootstrap import bootstrap
from orchestrator.clock import FixedClock
from orchestrator.db.database import make_engine
from orchestrator.db.tables import consultations, control_round_entries
from orchestrator.drill.run import Drill
from orchestrator.drill.scenario import Scenario
from orchestrator.settings import load_settings
from tests.support.base import ROOT, at
from tests.support.documents import Printed, printed

SCENARIO = ROOT / "samples" / "drill" / "scenario.toml"
NUMBER = re.compile(r"示重污应急〔20\d\d〕(?:管)?\d+(?:-\d+)?号")


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, str]:
    """The HTML of one document of every kind, from the sample drill."""
    tmp = tmp_path_factory.mktemp("drill")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ORCHESTRATOR_DATA_DIR", str(tmp / "data"))
        context = bootstrap(load_settings(), FixedClock(at(1)))
    out = tmp / "out"
    database = tmp / "data" / "drill.db"
    Drill(
        context,
        Scenario.load(SCENARIO, ROOT),
        out,
        database=database,
        pdf=False,
        sleep=lambda s: None,
    ).run()
    notices = out / "notices"
    found = {
        "bulletin": notices / "01-issue" / "bulletin.html",
        "upgrade": notices / "02-upgrade" / "adjust.html",
        "downgrade": notices / "03-downgrade" / "adjust.html",
        "lift": notices / "04-lift" / "lift.html",
        "order": sorted((notices / "01-issue" / "orders").glob("*.html"))[0],
        "assessment": next(out.glob("效果评估-*.html")),
    }
    docs = {kind: Path(path).read_text(encoding="utf-8") for kind, path in found.items()}
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        docs["opinion"] = conn.execute(
            select(consultations.c.html).order_by(consultations.c.id.desc()).limit(1)
        ).scalar_one()
        docs["control"] = conn.execute(
            select(control_round_entries.c.body).order_by(control_round_entries.c.id).limit(1)
        ).scalar_one()
    engine.dispose()
    return docs


@pytest.fixture(scope="module")
def prints(documents) -> dict[str, Printed]:
    return {kind: printed(html) for kind, html in documents.items()}


# the documents with a 版头 of their own: 发文字号 and 版记
NUMBERED = ["bulletin", "upgrade", "downgrade", "lift", "order", "control"]
ALL = [*NUMBERED, "opinion", "assessment"]


@pytest.mark.parametrize("kind", ALL)
def test_every_page_is_numbered_in_the_gbt9704_style(prints, kind):
    pages = prints[kind].pages
    assert pages
    for number, text in enumerate(pages, 1):
        assert re.search(rf"—\s*{number}\s*—", text), (kind, number, text[-200:])


@pytest.mark.parametrize("kind", NUMBERED)
def test_the_masthead_number_and_colophon_are_printed(prints, kind):
    first, last = prints[kind].pages[0], prints[kind].pages[-1]
    assert first.lstrip().startswith("【演练】") or "示例市重污染天气应急指挥部办公室" in first
    assert NUMBER.search(first), first[:300]
    # 版记 on the last page: 印发机关 and 印发日期; the city-wide notices also 抄送
    assert re.search(r"示例市重污染天气应急指挥部办公室\s*20\d\d年\d+月\d+日印发", last), last[
        -300:
    ]
    if kind not in ("order", "control"):
        assert "抄送：省生态环境厅" in last


def test_every_order_has_its_own_number_and_cites_its_notice_by_title_and_number(documents):
    order, bulletin = documents["order"], documents["bulletin"]
    title = re.search(r"<h1>(.*?)</h1>", bulletin).group(1)
    number = re.search(r'<div class="number">(.*?)</div>', bulletin).group(1)
    own = re.search(r'<div class="number">(.*?)</div>', order).group(1)
    assert own != number
    assert own.startswith(number.removesuffix("号") + "-")
    assert f"根据《{title}》（{number}）" in order


@pytest.mark.parametrize("kind", ALL)
def test_no_table_cell_is_narrower_than_two_characters(prints, kind):
    assert prints[kind].narrow_cells == []


SERVER = [
    re.compile(r"/(?:tmp|home|work|var|srv|opt)/"),  # absolute paths
    re.compile(r"SHA-?256", re.I),
    re.compile(r"\b[0-9a-f]{16,}\b"),  # hashes
    re.compile(r"mee-20\d\d|example-city-20\d\d|taiyuan-20\d\d|shanxi-20\d\d"),  # ruleset ids
    re.compile(r"系统已"),
    re.compile(r"按连续24小时时段计数|共\d+个24小时时段|建议启动"),  # the engine's trace
]


@pytest.mark.parametrize("kind", [*NUMBERED, "opinion"])
def test_signed_documents_hold_nothing_of_the_server(documents, prints, kind):
    text = "".join(prints[kind].pages)
    if kind == "order":  # the acknowledge link is the order's, not the server's working
        text = re.sub(r"https://\S+", "", text)
    for pattern in SERVER:
        if kind == "opinion" and pattern.pattern.startswith("按连续"):
            continue  # the opinion states its recommendation (建议启动…) by design
        assert not pattern.search(text), (kind, pattern.pattern)


@pytest.mark.parametrize("kind", ALL)
def test_one_numeral_style_and_one_time_style(prints, kind):
    text = "".join(prints[kind].pages)
    assert not re.search(r"(?<![A-Za-z])I{1,3}V?级", text)  # Ⅰ/Ⅱ/Ⅲ级, never II级
    assert not re.search(r"\d+时00分", text)  # 16时, never 16时00分


def test_the_basis_is_written_from_the_facts_not_the_trace(documents):
    text = re.sub(r"<[^>]+>", "", documents["bulletin"])
    basis = re.search(r"据\d+月\d+日.*?会商研判.*?。.*?。", text)
    assert basis is not None
    assert "日AQI预计依次为" in basis.group(0)
    assert re.search(r"按照《.+》（.+〔\d{4}〕\d+号）", text)
    assert "启动条件（预测日AQI" in text
