"""Rolling daily AQI from an hourly series: the AQI of the 24 h ending at every hour.

Vectorised with NumPy in scaled integers, so each window gives exactly what :func:`score` gives for
its means (the tests hold the two to each other). Validity follows the standard's ``validity``
rules (HJ 663): a 24 h mean needs ``min_hours_per_24h`` valid hours, an 8 h mean
``min_hours_per_8h`` of 8, the daily max 8 h ``min_8h_means_per_day`` of the 17 8 h means that lie
inside the window. A window is *complete* when every supplied pollutant is valid in it; only
complete windows get an AQI. Missing hours are counted and reported, never filled.

Time stamps mark the **start** of each hour; window ``j`` covers hours ``j .. j+23``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from orchestrator.aqi.model import (
    HOURLY_COLUMNS,
    INPUT_DECIMALS,
    AqiStandard,
    Breakpoints,
    Metric,
    Pollutant,
    select_standard,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

#: Hourly input columns and the metric of their daily value.
_MEAN_METRIC = {
    "pm25": Metric.PM25_24H,
    "pm10": Metric.PM10_24H,
    "so2": Metric.SO2_24H,
    "no2": Metric.NO2_24H,
    "co": Metric.CO_24H,
}
WINDOW_HOURS = 24
_O3_8H_MEANS_IN_DAY = WINDOW_HOURS - 8 + 1  # 17 moving means lie wholly inside a day


@dataclass(frozen=True, slots=True, kw_only=True)
class RollingDaily:
    """Window ``j`` starts ``start + j`` hours. ``aqi[j] == -1`` marks an incomplete window.

    ``iaqi[p][j]`` is pollutant ``p``'s IAQI (-1 where invalid); ``valid_hours[col][j]`` the number
    of valid hours of input column ``col`` in the window, for reporting what is missing.
    """

    start: dt.datetime
    standard_codes: tuple[str, ...]  # per window
    aqi: IntArray
    iaqi: Mapping[Pollutant, IntArray]
    valid_hours: Mapping[str, IntArray]
    complete: BoolArray

    def __len__(self) -> int:
        return int(self.aqi.shape[0])

    def window_start(self, j: int) -> dt.datetime:
        return self.start + dt.timedelta(hours=j)

    def primary_pollutants(self, j: int) -> tuple[Pollutant, ...]:
        a = int(self.aqi[j])
        if a <= 50:
            return ()
        return tuple(p for p in Pollutant if p in self.iaqi and int(self.iaqi[p][j]) == a)

    def all_primary_pollutants(self) -> list[tuple[Pollutant, ...]]:
        """:meth:`primary_pollutants` of every window, computed at once (one bit per
        pollutant whose IAQI is the AQI; one tuple per combination)."""
        order = [p for p in Pollutant if p in self.iaqi]
        mask = np.zeros(len(self), dtype=np.int64)
        for bit, p in enumerate(order):
            mask |= (self.iaqi[p] == self.aqi).astype(np.int64) << bit
        mask[self.aqi <= 50] = 0
        combos: dict[int, tuple[Pollutant, ...]] = {}
        out = []
        for m in mask.tolist():
            found = combos.get(m)
            if found is None:
                found = combos[m] = tuple(p for bit, p in enumerate(order) if m >> bit & 1)
            out.append(found)
        return out


def iaqi_array(bp: Breakpoints, n: IntArray, valid: BoolArray) -> IntArray:
    """Vectorised :func:`orchestrator.aqi.scoring.iaqi_scaled`: -1 where invalid or off-table."""
    c = np.asarray(bp.concentrations, dtype=np.int64)
    pts = np.asarray(bp.iaqi[: len(c)], dtype=np.int64)
    k = np.clip(np.searchsorted(c, n, side="right") - 1, 0, len(c) - 2)
    num = (pts[k + 1] - pts[k]) * (n - c[k])
    den = c[k + 1] - c[k]
    out = pts[k] + -(-num // den)
    above = n > c[-1]
    top = bp.iaqi[-1] if len(c) == len(bp.iaqi) else -1
    out = np.where(above, top, out)
    return np.where(valid, out, -1)


def _quantize_ratio(total: IntArray, count: IntArray, decimals: int) -> IntArray:
    """Half-to-even rounding of ``total / count`` (milli-units) to ``decimals`` decimals."""
    step = count * 10 ** (INPUT_DECIMALS - decimals)
    safe = np.where(step > 0, step, 1)
    q, r = np.divmod(total, safe)
    up = (2 * r > safe) | ((2 * r == safe) & (q % 2 == 1))
    out: IntArray = q + up.astype(np.int64)
    return out


def _window_sums(x: IntArray, ok: BoolArray, width: int) -> tuple[IntArray, IntArray]:
    """Sums and valid counts over every window of ``width`` hours (len(x) - width + 1 windows)."""
    cs = np.concatenate(([0], np.cumsum(np.where(ok, x, 0))))
    cn = np.concatenate(([0], np.cumsum(ok.astype(np.int64))))
    return cs[width:] - cs[:-width], cn[width:] - cn[:-width]


def _window_max(x: IntArray, ok: BoolArray, width: int) -> IntArray:
    if len(x) < width:
        return np.empty(0, dtype=np.int64)
    view = np.lib.stride_tricks.sliding_window_view(np.where(ok, x, -1), width)
    return np.asarray(view.max(axis=1), dtype=np.int64)


def _rolling_one(
    standard: AqiStandard, milli: Mapping[str, IntArray], ok: Mapping[str, BoolArray], n: int
) -> tuple[IntArray, dict[Pollutant, IntArray], BoolArray]:
    val = standard.validity
    bps = standard.breakpoints
    dec = standard.decimals
    complete = np.ones(n, dtype=np.bool_)
    iaqi: dict[Pollutant, IntArray] = {}
    for col, metric in _MEAN_METRIC.items():
        if col not in milli:
            continue
        total, count = _window_sums(milli[col], ok[col], WINDOW_HOURS)
        good = count >= val.min_hours_per_24h
        mean = _quantize_ratio(total, count, dec[metric.pollutant])
        iaqi[metric.pollutant] = iaqi_array(bps[metric], mean, good)
        complete &= good
    if "o3_1h" in milli:
        hourly = _quantize_ratio(milli["o3_1h"], np.ones_like(milli["o3_1h"]), dec[Pollutant.O3])
        o3ok = ok["o3_1h"]
        _, count1 = _window_sums(hourly, o3ok, WINDOW_HOURS)
        good1 = count1 >= val.min_hours_per_24h
        i1 = iaqi_array(bps[Metric.O3_1H], _window_max(hourly, o3ok, WINDOW_HOURS), good1)
        total8, count8 = _window_sums(milli["o3_1h"], o3ok, 8)
        good8 = count8 >= val.min_hours_per_8h
        mean8 = _quantize_ratio(total8, count8, dec[Pollutant.O3])
        # 8 h mean m ends at hour m+7; window j holds the means m = j .. j+16.
        _, nmeans = _window_sums(mean8, good8, _O3_8H_MEANS_IN_DAY)
        good_day8 = nmeans >= val.min_8h_means_per_day
        max8 = _window_max(mean8, good8, _O3_8H_MEANS_IN_DAY)
        scorable8 = good_day8 & (max8 <= standard.o3_8h_above)
        i8 = iaqi_array(bps[Metric.O3_8H], max8, scorable8)
        iaqi[Pollutant.O3] = np.maximum(i1, i8)
        complete &= good1 & good_day8
    aqi = np.full(n, -1, dtype=np.int64)
    for arr in iaqi.values():
        aqi = np.maximum(aqi, arr)
    aqi = np.where(complete, aqi, -1)
    return aqi, iaqi, complete


def rolling_daily(
    start: dt.datetime,
    columns: Mapping[str, Sequence[float] | FloatArray],
    standards: Sequence[AqiStandard],
    *,
    standard_id: str | None = None,
) -> RollingDaily:
    """Rolling daily AQI for a contiguous hourly series beginning at ``start`` (aware).

    ``columns`` maps :data:`HOURLY_COLUMNS` names to hourly values (NaN = missing). Each window is
    scored under ``standard_id`` if given, else under the standard in force on its start date.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    unknown = set(columns) - set(HOURLY_COLUMNS)
    if unknown:
        raise ValueError(f"unknown hourly columns: {sorted(unknown)}")
    arrays: dict[str, FloatArray] = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    lengths = {a.shape[0] for a in arrays.values()}
    if len(lengths) != 1:
        raise ValueError("all hourly columns must have the same length")
    hours = lengths.pop()
    n = max(hours - WINDOW_HOURS + 1, 0)
    ok = {k: ~np.isnan(a) for k, a in arrays.items()}
    for k, a in arrays.items():
        if np.any(a[ok[k]] < 0):
            raise ValueError(f"{k}: negative concentration")
    milli = {
        k: np.rint(np.where(ok[k], a, 0.0) * 10**INPUT_DECIMALS).astype(np.int64)
        for k, a in arrays.items()
    }

    segments = _standard_segments(start, n, standards, standard_id)
    aqi = np.full(n, -1, dtype=np.int64)
    complete = np.zeros(n, dtype=np.bool_)
    iaqi: dict[Pollutant, IntArray] = {}
    for std, lo, hi in segments:
        # windows lo .. hi-1 read hours lo .. hi+22: each standard scores only its own windows
        hours_of = slice(lo, hi + WINDOW_HOURS - 1)
        seg_aqi, seg_iaqi, seg_complete = _rolling_one(
            std,
            {k: a[hours_of] for k, a in milli.items()},
            {k: a[hours_of] for k, a in ok.items()},
            hi - lo,
        )
        aqi[lo:hi] = seg_aqi
        complete[lo:hi] = seg_complete
        for p, arr in seg_iaqi.items():
            iaqi.setdefault(p, np.full(n, -1, dtype=np.int64))[lo:hi] = arr
    codes: list[str] = []
    for s, lo, hi in segments:
        codes.extend([s.code] * (hi - lo))
    valid_hours = {
        k: _window_sums(np.zeros(hours, dtype=np.int64), o, WINDOW_HOURS)[1] for k, o in ok.items()
    }
    return RollingDaily(
        start=start,
        standard_codes=tuple(codes),
        aqi=aqi,
        iaqi=iaqi,
        valid_hours=valid_hours,
        complete=complete,
    )


def _standard_segments(
    start: dt.datetime, n: int, standards: Sequence[AqiStandard], standard_id: str | None
) -> list[tuple[AqiStandard, int, int]]:
    """``(standard, first window, end window)`` runs: windows take the standard of their start date."""
    if standard_id is not None:
        return [(select_standard(standards, standard_id=standard_id), 0, n)]
    if n == 0:
        return []
    start_utc = start.astimezone(dt.UTC)

    def first_window(day: dt.date) -> int:
        """The first window starting on or after ``day``'s midnight (city time)."""
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=start.tzinfo)
        return min(n, -(-int((midnight.astimezone(dt.UTC) - start_utc).total_seconds()) // 3600))

    # the standard in force changes only where one takes effect or one ends: look there only
    first_day = start.date()
    last_day = (start + dt.timedelta(hours=n - 1)).date()
    changes = sorted(
        {s.effective_from for s in standards}
        | {s.effective_to + dt.timedelta(days=1) for s in standards if s.effective_to is not None}
    )
    days = [first_day, *(d for d in changes if first_day < d <= last_day)]
    segments: list[tuple[AqiStandard, int, int]] = []
    for i, day in enumerate(days):
        std = select_standard(standards, on=day)
        lo = 0 if i == 0 else first_window(day)
        hi = first_window(days[i + 1]) if i + 1 < len(days) else n
        if lo >= hi:
            continue
        if segments and segments[-1][0] is std:
            segments[-1] = (std, segments[-1][1], hi)
        else:
            segments.append((std, lo, hi))
    return segments
