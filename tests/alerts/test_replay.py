"""Season replay on constructed series with known answers: when each alert is issued, upgraded,
downgraded, extended and lifted, and the comparison with the alerts actually issued."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from orchestrator.alerts.model import AlertLevel, AqiSeries, DailyWindow
from orchestrator.alerts.replay import Actual, ReplayedAlert, compare, replay
from orchestrator.bootstrap.config_files import load_rulesets
from tests.support.base import CONFIG

Z = ZoneInfo("Asia/Shanghai")
RULESETS = {r.id: r for r in load_rulesets(CONFIG)}
MEE = RULESETS["mee-2024"]
DAY0 = dt.datetime(2025, 11, 1, tzinfo=Z)


def t(month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=Z)


def days(values: list[int]) -> AqiSeries:
    return AqiSeries(
        step_hours=24,
        windows=tuple(
            DailyWindow(start=DAY0 + dt.timedelta(days=i), aqi=v) for i, v in enumerate(values)
        ),
    )


# 11–13 Nov: 320, 250, 210 (red); 24–26 Nov: 160, 170, 165 (orange); clean otherwise
SEASON = [80] * 10 + [320, 250, 210] + [80] * 10 + [160, 170, 165, 120, 90] + [80] * 5


def changes(a: ReplayedAlert) -> list[tuple[str, str, str]]:
    return [(f"{c.at:%m-%d %H}", c.kind, c.level.value) for c in a.changes]


def test_each_episode_is_issued_within_the_lead_time_and_followed_day_by_day():
    red, orange = replay(days(SEASON), MEE, zone=Z)
    # seen from 4 Nov, issued on the 9th (the episode starts within 48 h), red at once
    assert (red.level, red.start, red.end, red.issued_at) == (
        AlertLevel.RED,
        t(11, 11),
        t(11, 14),
        t(11, 9, 16),
    )
    # as it wanes, each day's consultation steps down (two windows > 200: orange; one: yellow)
    assert changes(red) == [
        ("11-09 16", "issue", "red"),
        ("11-12 16", "downgrade", "orange"),
        ("11-13 16", "downgrade", "yellow"),
    ]
    assert (orange.level, orange.start, orange.issued_at) == (
        AlertLevel.ORANGE,
        t(11, 24),
        t(11, 22, 16),
    )
    # lifted on the 26th: below the start condition from the 27th and foreseen for 36 h or more
    assert orange.end == t(11, 26, 16)
    assert changes(orange)[-1] == ("11-26 16", "lift", "yellow")
    assert any("满足橙色预警条件" in r for r in orange.trace)


def test_a_shorter_horizon_issues_lower_and_upgrades():
    red, _ = replay(days(SEASON), MEE, zone=Z, horizon_days=3)
    # on the 9th only 11 and 12 Nov are in view (two windows > 200: orange), on the 10th all three
    assert changes(red)[:3] == [
        ("11-09 16", "issue", "orange"),
        ("11-10 16", "upgrade", "red"),
        ("11-10 16", "extend", "red"),
    ]
    assert (red.level, red.end) == (AlertLevel.RED, t(11, 14))


def test_without_lead_time_an_alert_starts_at_the_consultation():
    red, _ = replay(days(SEASON), MEE, zone=Z, lead_hours=0)
    assert (red.issued_at, red.start) == (t(11, 11, 16), t(11, 11, 16))


def test_a_clean_season_issues_nothing_and_the_floor_is_the_lowest_threshold():
    assert MEE.floor == 150
    assert replay(days([150] * 60), MEE, zone=Z) == []  # 150 is not > 150
    assert len(replay(days([150] * 30 + [151, 151] + [150] * 30), MEE, zone=Z)) == 1


def test_hourly_rolling_windows_are_replayed_too():
    windows = tuple(
        DailyWindow(
            start=DAY0 + dt.timedelta(hours=h),
            aqi=220 if 240 <= h < 240 + 72 else 60,
        )
        for h in range(24 * 20)
    )
    (alert,) = replay(AqiSeries(step_hours=1, windows=windows), MEE, zone=Z)
    assert alert.level is AlertLevel.ORANGE
    assert alert.start == t(11, 11)


def test_the_comparison_counts_hits_misses_false_alarms_and_level_agreement():
    def r(level: AlertLevel, a: dt.datetime, b: dt.datetime) -> ReplayedAlert:
        return ReplayedAlert(level=level, start=a, end=b, issued_at=a)

    replayed = [
        r(AlertLevel.RED, t(11, 11), t(11, 14)),  # pairs with the actual red: same level
        r(AlertLevel.YELLOW, t(12, 1), t(12, 3)),  # pairs with the actual orange: other level
        r(AlertLevel.ORANGE, t(12, 20), t(12, 22)),  # nothing actual: a false alarm
    ]
    actual = [
        Actual(AlertLevel.RED, t(11, 10, 12), t(11, 15)),
        Actual(AlertLevel.ORANGE, t(12, 2), t(12, 5)),
        Actual(AlertLevel.YELLOW, t(12, 10), t(12, 12)),  # no replayed alert: a miss
        Actual(AlertLevel.YELLOW, t(11, 14), t(11, 16)),  # touches the red's end only: a miss
    ]
    c = compare(replayed, actual)
    assert (c.hits, c.misses, c.false_alarms, c.same_level) == (2, 2, 1, 1)
    assert c.pod == 0.5
    assert c.far == 1 / 3
    assert c.level_agreement == 0.5
    assert [a.start for a in c.missed] == [t(12, 10), t(11, 14)]
    assert [f.start for f in c.false] == [t(12, 20)]
    empty = compare([], [])
    assert (empty.pod, empty.far, empty.level_agreement) == (None, None, None)


def test_the_band_below_yellow_is_left_out_of_a_replay():
    """The band is taken on higher instruction, never from the forecast alone: a ruleset that
    defines it replays the same warnings as one that does not."""
    band = RULESETS["example-city-2024"]
    moderate = [80] * 5 + [160, 120, 110] + [80] * 5
    assert replay(days(moderate), band, zone=Z) == []
    assert [changes(a) for a in replay(days(SEASON), band, zone=Z)] == [
        changes(a) for a in replay(days(SEASON), MEE, zone=Z)
    ]
