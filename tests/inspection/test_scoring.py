"""The compliance score and the day's queue (pure): each rule with a known answer and its words,
the sum capped at 100, the queue ranked by score and the random share drawn per county, the
same for the same day and secret."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib

import pytest

from orchestrator.inspection.config import InspectionConfig
from orchestrator.inspection.model import CemsReading, DayFacts, GatePassage, Pollutant, Rule
from orchestrator.inspection.scoring import (
    banned_passages,
    outlet_shares,
    queue,
    rate_means,
    score,
    seed_of,
    under_ban,
)
from tests.support.base import ROOT, ZONE

CONFIG = InspectionConfig.from_mapping(
    tomllib.loads((ROOT / "config" / "inspection.toml").read_text(encoding="utf-8")),
    source="config/inspection.toml",
)
NOW = dt.datetime(2026, 1, 6, 18, tzinfo=ZONE)
DEADLINE = dt.datetime(2026, 1, 4, 23, 30, tzinfo=ZONE)


def facts(**over: object) -> DayFacts:
    values: dict[str, object] = {
        "uscc": "91999901MA0000013Y",
        "name": "示例市瑞盛钢铁有限公司",
        "county": "清源市",
        "mode": "list",
        "acknowledged_at": DEADLINE - dt.timedelta(hours=1),
        "deadline": DEADLINE,
        **over,
    }
    return DayFacts(**values)  # type: ignore[arg-type]


def hours(uscc: str, outlet: str, start: dt.datetime, n: int, conc: float) -> list[CemsReading]:
    return [
        CemsReading(uscc, outlet, Pollutant.SO2, start + dt.timedelta(hours=h), conc, 1_000_000)
        for h in range(n)
    ]


def test_nothing_wrong_scores_nothing_and_says_so():
    s = score(facts(), CONFIG, now=NOW, zone=ZONE)
    assert (s.points, s.reasons, s.explanation) == (0, (), "未发现异常")


def test_each_rule_fires_on_its_evidence_with_its_weight_and_words():
    t = dt.datetime(2026, 1, 6, 8, 12, 30, tzinfo=ZONE)
    s = score(
        facts(
            suspect_lines=(("2#烧结机", "用电为基线的85%（应停产，不超过20%）"),),
            outlets=(("DA002烧结机头", Pollutant.SO2, 0.95, 18),),
            banned_trucks=(GatePassage("x", "示A12345", "国四", t),),
            reported=False,
            acknowledged_at=None,
        ),
        CONFIG,
        now=NOW,
        zone=ZONE,
    )
    assert [(r.rule, r.points) for r in s.reasons] == [
        (Rule.ELECTRICITY, 40),
        (Rule.CEMS, 35),
        (Rule.TRUCK, 30),
        (Rule.NO_REPORT, 15),
        (Rule.LATE_ACK, 10),
    ]
    assert s.points == 100  # 130, capped
    texts = [r.text for r in s.reasons]
    assert texts[0] == "2#烧结机用电为基线的85%（应停产，不超过20%）"
    assert texts[1] == "DA002烧结机头SO2排放速率为基线的95%（18小时），未降至基线的80%以下"
    assert texts[2] == "禁用排放阶段的货车进出：示A12345（国四，1月6日8时12分）"
    assert texts[3] == "当日未报送落实情况"
    assert texts[4] == "应急响应指令签收时限1月4日23时30分已过，仍未签收"
    assert s.explanation.startswith("用电异常（+40）：2#烧结机用电为基线的85%")


def test_a_late_acknowledgement_says_when_and_an_autonomous_plant_is_not_held_to_its_cems():
    late = score(
        facts(acknowledged_at=DEADLINE + dt.timedelta(minutes=45)), CONFIG, now=NOW, zone=ZONE
    )
    assert [r.text for r in late.reasons] == ["1月5日0时15分签收，晚于时限1月4日23时30分"]
    outlet = (("DA001", Pollutant.NOX, 1.0, 20),)
    assert score(facts(mode="autonomous", outlets=outlet), CONFIG, now=NOW, zone=ZONE).points == 0
    # below the threshold, or just at it
    assert (
        score(
            facts(outlets=(("DA001", Pollutant.NOX, 0.79, 20),)), CONFIG, now=NOW, zone=ZONE
        ).points
        == 0
    )
    assert (
        score(
            facts(outlets=(("DA001", Pollutant.NOX, 0.8, 20),)), CONFIG, now=NOW, zone=ZONE
        ).points
        == 35
    )


def test_a_rule_weighted_zero_is_off():
    off = dataclasses.replace(CONFIG, weights={**CONFIG.weights, Rule.NO_REPORT: 0})
    assert score(facts(reported=False), off, now=NOW, zone=ZONE).points == 0


def test_outlet_shares_compare_the_window_mean_with_the_baseline_mean():
    base_start = dt.datetime(2025, 12, 30, tzinfo=ZONE)
    alert = dt.datetime(2026, 1, 6, tzinfo=ZONE)
    baseline = rate_means(hours("u", "DA002", base_start, 7 * 24, 40.0))
    readings = hours("u", "DA002", alert, 10, 30.0)
    window = rate_means(readings)
    assert window == {("DA002", Pollutant.SO2): (30.0, 10)}  # 30 mg/m³ × 10⁶ m³/h = 30 kg/h
    [(outlet, pollutant, share, n)] = outlet_shares(baseline, window, CONFIG)
    assert (outlet, pollutant, share, n) == ("DA002", Pollutant.SO2, 0.75, 10)
    # too few hours read, or no baseline: not judged
    assert outlet_shares(baseline, rate_means(readings[:5]), CONFIG) == ()
    assert outlet_shares({}, window, CONFIG) == ()


def test_only_banned_stages_at_a_site_under_a_ban_count():
    t = dt.datetime(2026, 1, 6, 8, tzinfo=ZONE)
    passages = [
        GatePassage("u", p, stage, t) for p, stage in (("A", "国四"), ("B", "国五"), ("C", "国三"))
    ]
    assert [p.plate for p in banned_passages(passages, CONFIG)] == ["A", "C"]
    assert under_ban(["限产30%，禁止国四及以下重型载货车辆运输"], CONFIG)
    assert not under_ban(["停产"], CONFIG)


def _county(name: str, n: int, scored: int) -> list:
    out = []
    for i in range(n):
        f = facts(uscc=f"{name[:1]}{i:017d}", name=f"{name}企业{i:02d}", county=name,
                  reported=i >= scored)  # fmt: skip
        out.append(score(f, CONFIG, now=NOW, zone=ZONE))
    return out


def test_the_queue_ranks_scores_then_draws_a_share_of_each_countys_rest():
    scores = _county("北山县", 25, 2) + _county("南川县", 4, 0)
    scores.append(score(facts(reported=False, acknowledged_at=None), CONFIG, now=NOW, zone=ZONE))
    seed = seed_of(b"secret", 1, dt.date(2026, 1, 6))
    q = queue(scores, CONFIG, alert_id=1, day=dt.date(2026, 1, 6), seed=seed)
    assert q.scored == 30
    ranked = [s for s in q.entries if not s.drawn]
    assert [s.points for s in ranked] == [25, 15, 15]
    drawn = [s for s in q.entries if s.drawn]
    # 北山县: 23 unscored → ceil(2.3) = 3; 南川县: 4 → at least 1
    assert [s.facts.county for s in drawn].count("北山县") == 3
    assert [s.facts.county for s in drawn].count("南川县") == 1
    assert all(s.explanation == "未发现异常（随机抽查）" for s in drawn)
    # the same day and secret draw the same; another day or secret, another draw
    again = queue(scores, CONFIG, alert_id=1, day=dt.date(2026, 1, 6), seed=seed)
    assert [s.facts.uscc for s in again.entries] == [s.facts.uscc for s in q.entries]
    draws = {
        tuple(
            s.facts.uscc
            for s in queue(
                scores, CONFIG, alert_id=1, day=dt.date(2026, 1, 6), seed=seed_of(key, 1, day)
            ).entries
            if s.drawn
        )
        for key in (b"secret", b"other")
        for day in (dt.date(2026, 1, 6), dt.date(2026, 1, 7))
    }
    assert len(draws) > 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["weights"].update(no_report=120), r"weights\.no_report: 应在0至100之间"),
        (lambda d: d["weights"].update(bogus=1), r"weights\.bogus: 没有这项规则"),
        (lambda d: d["cems"].update(not_falling_share="高"), r"cems\.not_falling_share: 应为数字"),
        (lambda d: d["gate"].update(banned_stages=[]), r"gate\.banned_stages: 应为非空的文字列表"),
    ],
)
def test_a_bad_configuration_names_its_key(edit, message):
    data = tomllib.loads((ROOT / "config" / "inspection.toml").read_text(encoding="utf-8"))
    edit(data)
    with pytest.raises(ValueError, match=message):
        InspectionConfig.from_mapping(data, source="config/inspection.toml")
