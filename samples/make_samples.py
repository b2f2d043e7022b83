"""Regenerates the sample files (deterministic). Run: python samples/make_samples.py"""

import csv
import datetime as dt
import itertools
import json
import math
from pathlib import Path

HERE = Path(__file__).parent


def hourly() -> None:
    # A winter week in a fictional city: clean start, a PM2.5 build-up over 5–7 January, wind on
    # the 8th. Two hours of PM2.5 are missing (instrument calibration) to show how gaps are reported.
    start = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    rows = []
    for h in range(8 * 24):
        t = start + dt.timedelta(hours=h)
        day = h / 24
        build = 230 * math.exp(-(((day - 5.6) / 1.5) ** 2))  # episode peak late on the 6th
        diurnal = 18 * math.sin(2 * math.pi * ((h % 24) - 8) / 24)
        pm25 = max(8.0, 40 + build + diurnal)
        o3 = max(4.0, 55 - build / 6 + 30 * math.sin(2 * math.pi * ((h % 24) - 9) / 24))
        rows.append(
            {
                "time": t.replace(tzinfo=None).isoformat(timespec="minutes"),
                "city": "示例市",
                "pm25": "" if h in (100, 101) else f"{pm25:.0f}",
                "pm10": f"{pm25 * 1.35 + 12:.0f}",
                "so2": f"{14 + build / 20:.0f}",
                "no2": f"{38 + build / 5 + diurnal / 2:.0f}",
                "co": f"{0.8 + build / 180:.1f}",
                "o3_1h": f"{o3:.0f}",
                "dust": "false",
            }
        )
    with (HERE / "observed_hourly.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


# The consultation's 7-day forecast issued on 4 January: two days above 200 -> orange (mee-2024).
FORECAST_0104 = [
    ("2026-01-05", 128, "PM2.5"),
    ("2026-01-06", 176, "PM2.5"),
    ("2026-01-07", 226, "PM2.5"),
    ("2026-01-08", 243, "PM2.5"),
    ("2026-01-09", 171, "PM2.5"),
    ("2026-01-10", 96, "PM10"),
    ("2026-01-11", 62, "PM2.5"),
]
# The one issued the day before: the build-up seen, but lighter -> yellow.
FORECAST_0103 = [
    ("2026-01-04", 92, "PM2.5"),
    ("2026-01-05", 118, "PM2.5"),
    ("2026-01-06", 162, "PM2.5"),
    ("2026-01-07", 208, "PM2.5"),
    ("2026-01-08", 141, "PM2.5"),
    ("2026-01-09", 140, "PM2.5"),
    ("2026-01-10", 88, "PM10"),
]
# HJ 633-2012 PM2.5 24 h breakpoints (IAQI, µg/m³), to give each forecast day a consistent mean.
_PM25 = [(0, 0), (50, 35), (100, 75), (150, 115), (200, 150), (300, 250), (400, 350), (500, 500)]


def _pm25_of(aqi: int) -> float:
    for (i0, c0), (i1, c1) in itertools.pairwise(_PM25):
        if aqi <= i1:
            return round(c0 + (aqi - i0) * (c1 - c0) / (i1 - i0))
    return 500.0


def daily() -> None:
    with (HERE / "forecast_daily.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["time", "city", "aqi", "primary_pollutants"])
        for d, a, p in FORECAST_0104:
            w.writerow([d, "示例市", a, p])


def forecast_documents() -> None:
    # The same forecasts as documents in the forecast schema, in the sample drop folder that the
    # default consultation source reads (config/consultation.toml [sources.sample]).
    weather = {
        "2026-01-03T08:00:00+08:00": "受弱高压控制，近地面风速小，逆温逐步增强，扩散条件转差。",
        "2026-01-04T08:00:00+08:00": (
            "5日起受均压场控制，近地面以偏南风为主，风速1～2米/秒，夜间逆温强、混合层高度低于"
            "500米，相对湿度升至70%以上，7—8日扩散条件最差；10日起冷空气南下，扩散条件明显转好。"
        ),
    }
    folder = HERE / "forecasts"
    folder.mkdir(exist_ok=True)
    for issued, days in (
        ("2026-01-03T08:00:00+08:00", FORECAST_0103),
        ("2026-01-04T08:00:00+08:00", FORECAST_0104),
    ):
        doc = {
            "city": "示例市",
            "issued_at": issued,
            "producer": "示例市环境监测中心站、示例市气象台",
            "meteorology": weather[issued],
            "daily": [
                {
                    "date": d,
                    "aqi": a,
                    "aqi_low": max(0, a - 20),
                    "aqi_high": min(500, a + 20),
                    "primary_pollutants": [p],
                    "pm25": _pm25_of(a) if p == "PM2.5" else None,
                    "dust": False,
                }
                for d, a, p in days
            ],
        }
        name = f"forecast_{issued[:10]}T{issued[11:13]}.json"
        (folder / name).write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def stations() -> None:
    # Four monitoring stations of the city, hour by hour, around the city series of
    # observed_hourly.csv; 高新区站 lost three hours on 3 January (its mean still counts: 3 of 4).
    with (HERE / "observed_hourly.csv").open(encoding="utf-8") as fh:
        city = list(csv.DictReader(fh))
    factors = {"市监测站": 1.0, "城东站": 1.08, "城西站": 0.93, "高新区站": 0.99}
    rows = []
    for rec in city:
        for station, f in factors.items():
            if station == "高新区站" and rec["time"] in (
                "2026-01-03T10:00",
                "2026-01-03T11:00",
                "2026-01-03T12:00",
            ):
                continue
            row = {"station": station, "city": "示例市", "time": rec["time"]}
            for col, out in (("pm25", "pm25"), ("pm10", "pm10"), ("so2", "so2"), ("no2", "no2")):
                row[out] = f"{float(rec[col]) * f:.0f}" if rec[col] else ""
            row["co"] = f"{float(rec['co']) * f:.1f}"
            row["o3"] = f"{float(rec['o3_1h']) * (2 - f):.0f}"
            rows.append(row)
    folder = HERE / "stations"
    folder.mkdir(exist_ok=True)
    with (folder / "stations_hourly.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def electricity() -> None:
    # Hourly meter readings of three lines of the sample list, 30 December to 7 January: a day
    # shift pattern, and from the orange alert (6 January 0:00) the cement clinker line cut by
    # about 25 % (ordered: 20 %), the foundry's cupola by 35 % (30 %), and the glass line barely
    # at all (ordered: 50 %) — the suspect the compliance check should find.
    meters = {"DB0000020": (1200.0, 0.75), "DB0000030": (400.0, 0.62), "DB0000060": (900.0, 0.95)}
    start = dt.datetime(2025, 12, 30, 0, 0)  # noqa: DTZ001 - naive on purpose: city time in the file
    alert = dt.datetime(2026, 1, 6, 0, 0)  # noqa: DTZ001
    rows = []
    for h in range(9 * 24):
        t = start + dt.timedelta(hours=h)
        shift = 1.0 + 0.1 * math.sin(2 * math.pi * (t.hour - 6) / 24)
        for meter, (base, cut) in meters.items():
            kwh = base * shift * (cut if t >= alert else 1.0)
            rows.append(
                {"meter_no": meter, "hour": t.isoformat(timespec="minutes"), "kwh": f"{kwh:.1f}"}
            )
    with (HERE / "electricity_hourly.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["meter_no", "hour", "kwh"])
        w.writeheader()
        w.writerows(rows)


def loads() -> None:
    # Hourly loads (% of the design load) of two heat-led units of the sample list, 4 to 8
    # January: capped at 80 % during the orange alert (6 January 0:00 on), 示例市宏兴热电's unit
    # eases to about 78 %, 示例市泰盛热电's 1# unit stays at full load — the seen case the
    # compliance check must find.
    units = {
        ("91999905MA0000023R", "1#机组"): (96.0, 78.0),
        ("91999906MA0000010X", "1#机组"): (98.0, 100.0),
    }
    start = dt.datetime(2026, 1, 4, 0, 0)  # noqa: DTZ001 - naive on purpose: city time in the file
    alert = dt.datetime(2026, 1, 6, 0, 0)  # noqa: DTZ001
    rows = []
    for h in range(4 * 24):
        t = start + dt.timedelta(hours=h)
        wave = 1.5 * math.sin(2 * math.pi * (t.hour - 6) / 24)
        for (uscc, line), (before, during) in units.items():
            load = (during if t >= alert else before) + (0.0 if t >= alert else wave)
            rows.append(
                {
                    "uscc": uscc,
                    "line": line,
                    "hour": t.isoformat(timespec="minutes"),
                    "load": f"{min(load, 100.0):.1f}",
                    "unit": "%",
                }
            )
    with (HERE / "load_hourly.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["uscc", "line", "hour", "load", "unit"])
        w.writeheader()
        w.writerows(rows)


def cems() -> None:
    # Hourly CEMS readings (折算浓度 mg/m³, 标干流量 m³/h) of two outlets of the sample list, 30
    # December to 7 January: 示例市通鑫水泥's kiln tail NOx falls to about 70 % of its rate from
    # the orange alert on (6 January 0:00; ordered: limit 20 %), 示例市瑞盛钢铁's sinter head SO2
    # barely moves (ordered: stop) — the outlet the inspection score should flag.
    outlets = {
        ("91999900MA0000002C", "DA001窑尾", "NOx"): (280.0, 420000.0, 0.70),
        ("91999901MA0000013Y", "DA002烧结机头", "SO2"): (35.0, 900000.0, 0.95),
    }
    start = dt.datetime(2025, 12, 30, 0, 0)  # noqa: DTZ001 - naive on purpose: city time in the file
    alert = dt.datetime(2026, 1, 6, 0, 0)  # noqa: DTZ001
    rows = []
    for h in range(9 * 24):
        t = start + dt.timedelta(hours=h)
        wave = 1.0 + 0.05 * math.sin(2 * math.pi * (t.hour - 6) / 24)
        for (uscc, outlet, pollutant), (conc, flow, cut) in outlets.items():
            factor = cut if t >= alert else 1.0
            rows.append(
                {
                    "uscc": uscc,
                    "outlet": outlet,
                    "pollutant": pollutant,
                    "hour": t.isoformat(timespec="minutes"),
                    "concentration": f"{conc * wave * factor:.1f}",
                    "flow": f"{flow:.0f}",
                }
            )
    with (HERE / "cems_hourly.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def gate() -> None:
    # Gate camera records of two sites whose orange measures ban 国四-and-below heavy trucks:
    # 示例市鑫祥铸造 lets a 国四 truck in on 6 January (the score should say so), 示例市通鑫水泥
    # only 国五 and 国六 trucks (nothing to say).
    rows = [
        ("91999904MA00000039", "示A12345", "国四", "2026-01-06T08:12:30"),
        ("91999904MA00000039", "示A12345", "国四", "2026-01-06T10:47:05"),
        ("91999904MA00000039", "示B20261", "国六", "2026-01-06T09:03:11"),
        ("91999904MA00000039", "示C30001", "国四", "2026-01-05T16:20:00"),  # before the alert
        ("91999900MA0000002C", "示D88888", "国五", "2026-01-06T07:40:00"),
        ("91999900MA0000002C", "示E66666", "国六", "2026-01-06T14:05:42"),
    ]
    with (HERE / "gate_passages.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["uscc", "plate", "stage", "time"])
        w.writerows(rows)


# A heating season of daily AQI (1 Oct 2025 – 31 Mar 2026) with four episodes, and the alerts the
# city actually issued: `orchestrator replay` compares the two.
EPISODES = {  # first day: daily AQI from then on
    dt.date(2025, 11, 10): (165, 210, 235, 180),  # orange
    dt.date(2025, 12, 20): (190, 260, 320, 305, 240, 170),  # red
    dt.date(2026, 1, 15): (160, 175),  # yellow
    dt.date(2026, 2, 5): (170, 185, 160),  # orange, which the city did not issue
}
ISSUED = [  # level, start, end: what the city issued (one alert the data do not bear out)
    ("orange", "2025-11-10T00:00", "2025-11-14T00:00"),
    ("red", "2025-12-20T12:00", "2025-12-26T00:00"),
    ("orange", "2026-01-15T00:00", "2026-01-17T00:00"),
    ("yellow", "2026-03-02T00:00", "2026-03-04T00:00"),
]


def season() -> None:
    values: dict[dt.date, int] = {}
    for first, aqis in EPISODES.items():
        for i, aqi in enumerate(aqis):
            values[first + dt.timedelta(days=i)] = aqi
    day, rows = dt.date(2025, 10, 1), []
    while day <= dt.date(2026, 3, 31):
        quiet = 62 + 28 * math.sin(2 * math.pi * (day.toordinal() % 9) / 9)  # 34–90
        aqi = values.get(day, round(quiet))
        rows.append({"time": day.isoformat(), "city": "示例市", "aqi": aqi})
        day += dt.timedelta(days=1)
    with (HERE / "season_daily.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with (HERE / "season_alerts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["level", "start", "end"])
        w.writerows(ISSUED)


# The drill scenario's forecasts (samples/drill): one issued each morning, the episode growing
# from orange to red, then waning to yellow and clearing, so that a drill walks through issue,
# upgrade, downgrade and lift.
DRILL = {
    "2026-01-03": [110, 165, 185, 195, 140, 100, 80],
    "2026-01-04": [215, 290, 320, 240, 130, 90, 80],
    "2026-01-05": [300, 330, 260, 170, 110, 80, 70],
    "2026-01-06": [280, 190, 120, 90, 80, 70, 70],
    "2026-01-07": [150, 110, 85, 80, 70, 70, 65],
}
DRILL_WEATHER = {
    "2026-01-03": "受弱高压控制，近地面风速小，逆温逐步增强，5日起扩散条件转差。",
    "2026-01-04": "静稳形势加强，6—7日混合层高度低于400米，相对湿度80%以上，扩散条件极差。",
    "2026-01-05": "静稳天气持续，7日夜间起偏北风逐渐增强。",
    "2026-01-06": "7日夜间冷空气影响，偏北风4～5级，8日起扩散条件明显转好。",
    "2026-01-07": "冷空气过境，偏北风3～4级，空气质量以良为主。",
}


def drill() -> None:
    folder = HERE / "drill" / "forecasts"
    folder.mkdir(parents=True, exist_ok=True)
    for issued, aqis in DRILL.items():
        first = dt.date.fromisoformat(issued) + dt.timedelta(days=1)
        doc = {
            "city": "示例市",
            "issued_at": f"{issued}T08:00:00+08:00",
            "producer": "示例市环境监测中心站、示例市气象台（演练）",
            "meteorology": DRILL_WEATHER[issued],
            "daily": [
                {
                    "date": (first + dt.timedelta(days=i)).isoformat(),
                    "aqi": a,
                    "aqi_low": max(0, a - 20),
                    "aqi_high": min(500, a + 20),
                    "primary_pollutants": ["PM2.5"],
                    "pm25": _pm25_of(a),
                    "dust": False,
                }
                for i, a in enumerate(aqis)
            ],
        }
        (folder / f"forecast_{issued}T08.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    hourly()
    daily()
    forecast_documents()
    stations()
    electricity()
    loads()
    cems()
    gate()
    season()
    drill()
