"""The data files under config/: every shipped file loads, and a broken one says where it is broken."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from orchestrator.alerts.model import AlertLevel, Clause, Counting
from orchestrator.bootstrap.config_files import load_rulesets, load_standards
from orchestrator.errors import ConfigInvalid
from tests.support.base import CONFIG


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    shutil.copytree(CONFIG / "aqi", tmp_path / "aqi")
    shutil.copytree(CONFIG / "rulesets", tmp_path / "rulesets")
    return tmp_path


def test_shipped_standards_switch_on_1_march_2026():
    s2012, s2026 = load_standards(CONFIG)
    assert (s2012.id, s2012.effective_to) == ("HJ633-2012", dt.date(2026, 2, 28))
    assert (s2026.id, s2026.effective_from) == ("HJ633-2026", dt.date(2026, 3, 1))


def test_shipped_rulesets_carry_documents_and_dates():
    by_id = {r.id: r for r in load_rulesets(CONFIG)}
    assert set(by_id) >= {"mee-2024", "mee-2017", "shanxi-2020", "taiyuan-2020"}
    assert [r.level for r in by_id["mee-2017"].levels] == [
        AlertLevel.RED,
        AlertLevel.ORANGE,
        AlertLevel.YELLOW,
        AlertLevel.BLUE,
    ]
    assert by_id["mee-2017"].response_for(AlertLevel.BLUE) == "IV"
    assert by_id["mee-2024"].counting is Counting.WINDOW
    assert by_id["shanxi-2020"].so2_triggers == ()
    # taiyuan extends shanxi and only switches the SO2 triggers on
    ty = by_id["taiyuan-2020"]
    assert [(t.level, t.above) for t in ty.so2_triggers] == [
        (AlertLevel.RED, 800),
        (AlertLevel.ORANGE, 650),
        (AlertLevel.YELLOW, 500),
    ]
    assert ty.levels == by_id["shanxi-2020"].levels


def test_a_city_adds_a_ruleset_without_code(config_copy):
    (config_copy / "rulesets" / "demo-city.toml").write_text(
        'extends = "mee-2024"\nid = "demo-city"\ntitle = "示例市预案"\ndocument = "示政办发〔2025〕1号"\n'
        'counting = "hourly-continuous"\n[levels.orange]\nresponse = "II"\nwhen = ["n(200) >= 2", "n(150) >= 4"]\n',
        encoding="utf-8",
    )
    by_id = {r.id: r for r in load_rulesets(config_copy)}
    city = by_id["demo-city"]
    assert city.counting is Counting.HOURLY_CONTINUOUS
    orange = next(r for r in city.levels if r.level is AlertLevel.ORANGE)
    assert [c.text for c in orange.clauses] == ["n(200) >= 2", "n(150) >= 4"]
    assert city.effective_from == by_id["mee-2024"].effective_from


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "rulesets/mee-2024.toml",
            'when = ["n(200) >= 2", "n(150) >= 3"]',
            'when = ["n(200) > 2"]',
            "levels.orange: cannot read condition",
        ),
        (
            "rulesets/mee-2024.toml",
            'counting = "window"',
            'counting = "daily"',
            "'daily' is not a valid Counting",
        ),
        ("rulesets/mee-2024.toml", "[levels.yellow]", "[levels.purple]", "levels.purple"),
        (
            "rulesets/mee-2024.toml",
            'id = "mee-2024"',
            'id = "mee-2025"',
            "differs from the file name",
        ),
        ("rulesets/mee-2024.toml", "merge_gap_hours = 36\n", "", "missing key 'merge_gap_hours'"),
        ("rulesets/mee-2024.toml", "[lift]", "[lift", "mee-2024.toml"),
        (
            "aqi/hj633-2012.toml",
            "pm25_24h = [0, 35, 75,",
            "pm25_24h = [0, 75, 35,",
            "breakpoints must increase",
        ),
        (
            "aqi/hj633-2012.toml",
            "effective_to = 2026-02-28",
            "effective_to = 2026-03-01",
            "overlap",
        ),
        ("aqi/hj633-2012.toml", 'color = "#00E400"', 'color = "green"', "#RRGGBB"),
        (
            "aqi/hj633-2012.toml",
            "co_24h   = [0, 2, 4,",
            "co_24h   = [0, 2.05, 4,",
            "more than 1 decimals",
        ),
    ],
)
def test_a_broken_file_names_itself_and_the_problem(config_copy, file, old, new, message):
    path = config_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigInvalid) as err:
        load_standards(config_copy) if file.startswith("aqi") else load_rulesets(config_copy)
    assert message in str(err.value)
    assert path.name in str(err.value)


def test_extends_cycles_are_refused(config_copy):
    (config_copy / "rulesets" / "a.toml").write_text('extends = "b"\n', encoding="utf-8")
    (config_copy / "rulesets" / "b.toml").write_text('extends = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigInvalid, match="extends itself"):
        load_rulesets(config_copy)


def test_clause_terms_read_like_the_regulation():
    c = Clause.parse("n(300) >= 1 and n(200) >= 3")
    assert [(t.threshold, t.windows) for t in c.terms] == [(200, 3), (300, 1)]
    assert c.label == "日AQI>200持续72小时且日AQI>300持续24小时"
    assert Clause.parse("peak >= 500").label == "日AQI≥500"
