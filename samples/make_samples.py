"""Regenerates the sample files (deterministic). Run: python samples/make_samples.py"""

import csv
import datetime as dt
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


def daily() -> None:
    # The consultation's 7-day forecast issued on 4 January: two days above 200 -> orange (mee-2024).
    days = [
        ("2026-01-05", 128, "PM2.5"),
        ("2026-01-06", 176, "PM2.5"),
        ("2026-01-07", 226, "PM2.5"),
        ("2026-01-08", 243, "PM2.5"),
        ("2026-01-09", 171, "PM2.5"),
        ("2026-01-10", 96, "PM10"),
        ("2026-01-11", 62, "PM2.5"),
    ]
    with (HERE / "forecast_daily.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["time", "city", "aqi", "primary_pollutants"])
        for d, a, p in days:
            w.writerow([d, "示例市", a, p])


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


if __name__ == "__main__":
    hourly()
    daily()
    electricity()
