"""The forecast document parser and the input health gate (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestrator.consultation.config import Health
from orchestrator.consultation.forecast import Provenance, check_forecast, parse_document
from orchestrator.errors import InputInvalid
from tests.support.base import ZONE, at
from tests.support.consultation import DEFAULT, forecast_doc

NOW = at(4, 9)
HEALTH = Health(max_forecast_age_hours=30, min_forecast_days=3, max=DEFAULT.health.max)
PROV = Provenance(source="t", kind="http", location="http://x/f", sha256="0" * 64, fetched_at=NOW)


def parse(doc, **kw):
    return parse_document(doc, provenance=PROV, zone=ZONE, limits=HEALTH.max, **kw)


def codes(forecast, now=NOW, city="示例市"):
    return [i.code for i in check_forecast(forecast, now=now, city=city, health=HEALTH)]


def test_a_good_document_passes_the_gate_and_keeps_ranges_and_meteorology():
    doc = forecast_doc(at(4, 8), [128, 176, 226, 243], first=dt.date(2026, 1, 5))
    f = parse(doc)
    assert codes(f) == []
    assert [r.aqi for r in f.rows] == [128, 176, 226, 243]
    assert f.ranges[dt.date(2026, 1, 7)] == (211, 241)
    assert f.meteorology == "静稳天气"
    assert f.issued_at == at(4, 8)
    assert f.provenance.producer == "测试预报"


def test_a_range_without_a_point_value_decides_on_its_top():
    doc = forecast_doc(at(4, 8), [100, 100, 100], first=dt.date(2026, 1, 5))
    for item in doc["daily"]:
        del item["aqi"]
    assert [r.aqi for r in parse(doc).rows] == [115, 115, 115]


def test_a_stale_forecast_is_flagged_with_its_age():
    doc = forecast_doc(at(2, 8), [150] * 6, first=dt.date(2026, 1, 3))
    issues = check_forecast(parse(doc), now=NOW, city="示例市", health=HEALTH)
    assert [i.code for i in issues] == ["stale"]
    assert "已49小时" in issues[0].message
    assert all(i.degrades for i in issues)


def test_repeated_times_drop_both_rows_and_name_them():
    doc = forecast_doc(at(4, 8), [128, 176, 226, 243], first=dt.date(2026, 1, 5))
    doc["daily"].insert(2, dict(doc["daily"][1], aqi=300))
    f = parse(doc)
    assert "duplicate" in codes(f)
    assert dt.date(2026, 1, 6) not in {r.time.date() for r in f.rows}
    message = next(i.message for i in f.issues if i.code == "duplicate")
    assert "daily[2]" in message
    assert "daily[1]" in message


@pytest.mark.parametrize(
    ("value", "field", "text"),
    [
        (650, "aqi", "超出合理范围"),
        (-3, "aqi", "超出合理范围"),
        ("高", "aqi", "不是数值"),
        (5000, "pm25", "超出合理范围"),
    ],
)
def test_implausible_values_drop_the_row_and_say_where(value, field, text):
    doc = forecast_doc(at(4, 8), [128, 176, 226, 243], first=dt.date(2026, 1, 5))
    doc["daily"][2][field] = value
    f = parse(doc)
    assert len(f.rows) == 3
    issue = next(i for i in f.issues if i.code == "value")
    assert f"daily[2]:{field}" in issue.message
    assert text in issue.message


def test_missing_days_and_a_short_horizon_are_reported():
    doc = forecast_doc(at(4, 8), [128, 176, 226, 243, 200], first=dt.date(2026, 1, 5))
    del doc["daily"][1]  # 6 January missing
    found = check_forecast(parse(doc), now=NOW, city="示例市", health=HEALTH)
    assert {i.code for i in found} == {"horizon", "missing"}
    assert "1月6日" in next(i.message for i in found if i.code == "horizon")
    short = forecast_doc(at(4, 8), [128, 176], first=dt.date(2026, 1, 5))
    assert codes(parse(short)) == ["horizon"]


def test_another_citys_forecast_is_refused():
    doc = forecast_doc(at(4, 8), [128, 176, 226], first=dt.date(2026, 1, 5), city="别的市")
    assert codes(parse(doc)) == ["city"]


def test_hourly_forecasts_count_whole_days_and_give_the_pm25_peak():
    hours = [
        {"time": (at(4, 10) + dt.timedelta(hours=h)).isoformat(), "pm25": 60 + h % 24, "pm10": 90}
        for h in range(4 * 24)
    ]
    f = parse({"city": "示例市", "issued_at": at(4, 8).isoformat(), "hourly": hours})
    assert not f.daily
    assert len(f.rows) == 96
    assert max(f.hourly_pm25.values()) == 83
    assert codes(f) == []  # 5, 6 and 7 January complete
    del hours[40]
    broken = parse({"city": "示例市", "issued_at": at(4, 8).isoformat(), "hourly": hours})
    assert set(codes(broken)) == {"horizon", "missing"}  # one missing hour, per column


def test_records_in_the_assess_format_take_issued_at_from_a_column():
    rows = [
        {"time": f"2026-01-0{d}", "aqi": str(a), "issued_at": "2026-01-04T08:00"}
        for d, a in ((5, 128), (6, 176), (7, 226))
    ]
    f = parse(rows)
    assert f.daily
    assert f.issued_at == at(4, 8)
    assert codes(f) == []


def test_unreadable_documents_raise_with_the_place():
    with pytest.raises(InputInvalid, match="http://x/f: 预报数据须为"):
        parse("not a forecast")
    with pytest.raises(InputInvalid, match="预报数据为空"):
        parse({"daily": []})
    with pytest.raises(InputInvalid, match="daily须为对象数组"):
        parse({"daily": [1, 2]})
