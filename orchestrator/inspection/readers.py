"""The inspection evidence feeds: CEMS outlet readings (在线监测) and truck gate passages (门禁),
from a CSV file or an HTTP JSON source. Each error names ``file:row:column`` (or the URL and the
record); a file is read whole before anything is stored."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.errors import InputInvalid
from orchestrator.feeds.tabular import (
    csv_rows,
    hour_of,
    instant_of,
    json_records,
    quantity,
    text_of,
)
from orchestrator.inspection.model import CemsReading, GatePassage, Pollutant

_CEMS_HEADERS = {
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "outlet": "outlet",
    "排放口": "outlet",
    "pollutant": "pollutant",
    "污染物": "pollutant",
    "hour": "hour",
    "时间": "hour",
    "concentration": "concentration",
    "浓度": "concentration",
    "折算浓度": "concentration",
    "浓度(mg/m3)": "concentration",
    "浓度（mg/m3）": "concentration",
    "flow": "flow",
    "流量": "flow",
    "标干流量": "flow",
    "流量(m3/h)": "flow",
    "流量（m3/h）": "flow",
}
_CEMS_FIELDS = ("uscc", "outlet", "pollutant", "hour", "concentration", "flow")
_POLLUTANT = {
    "so2": Pollutant.SO2,
    "二氧化硫": Pollutant.SO2,
    "nox": Pollutant.NOX,
    "氮氧化物": Pollutant.NOX,
    "pm": Pollutant.PM,
    "颗粒物": Pollutant.PM,
    "烟尘": Pollutant.PM,
}

_GATE_HEADERS = {
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "plate": "plate",
    "号牌": "plate",
    "车牌号": "plate",
    "stage": "stage",
    "排放阶段": "stage",
    "time": "time",
    "时间": "time",
    "通行时间": "time",
}
_GATE_FIELDS = ("uscc", "plate", "stage", "time")


def _uscc(values: Mapping[str, Any], where: str) -> str:
    uscc = str(values.get("uscc") or "").strip().upper()
    if len(uscc) != 18 or not uscc.isalnum():
        raise InputInvalid(f"{where}: 统一社会信用代码应为18位字母或数字，实为“{uscc}”")
    return uscc


def _cems(
    values: Mapping[str, Any], where: str, columns: Mapping[str, str], zone: ZoneInfo
) -> CemsReading:
    def at(field: str) -> str:
        return f"{where}{columns[field]}"

    raw = str(values.get("pollutant") or "").strip()
    pollutant = _POLLUTANT.get(raw.lower().replace(" ", ""))
    if pollutant is None:
        raise InputInvalid(f"{at('pollutant')}: 污染物应为SO2、NOx或颗粒物，实为“{raw}”")
    return CemsReading(
        uscc=_uscc(values, at("uscc")),
        outlet=text_of(values, "outlet", at("outlet"), "排放口", 100),
        pollutant=pollutant,
        hour=hour_of(str(values.get("hour") or "").strip(), at("hour"), zone),
        concentration=quantity(values.get("concentration"), at("concentration"), "浓度"),
        flow=quantity(values.get("flow"), at("flow"), "流量"),
    )


def _gate(
    values: Mapping[str, Any], where: str, columns: Mapping[str, str], zone: ZoneInfo
) -> GatePassage:
    def at(field: str) -> str:
        return f"{where}{columns[field]}"

    return GatePassage(
        uscc=_uscc(values, at("uscc")),
        plate=text_of(values, "plate", at("plate"), "号牌", 20),
        stage=text_of(values, "stage", at("stage"), "排放阶段", 20),
        at=instant_of(str(values.get("time") or "").strip(), at("time"), zone),
    )


def read_cems_csv(path: Path, zone: ZoneInfo) -> list[CemsReading]:
    """Hourly CEMS readings of a CSV file (``uscc, outlet, pollutant, hour, concentration,
    flow``; Chinese headers 统一社会信用代码, 排放口, 污染物, 时间, 折算浓度, 标干流量 also taken)."""
    return [
        _cems(values, where, columns, zone)
        for where, values, columns in csv_rows(path, _CEMS_HEADERS, _CEMS_FIELDS)
    ]


def fetch_cems_json(
    url: str, zone: ZoneInfo, *, timeout: float = 30, headers: Mapping[str, str] | None = None
) -> list[CemsReading]:
    return [
        _cems(rec, where, names, zone)
        for where, rec, names in json_records(url, timeout, headers, "在线监测数据", _CEMS_FIELDS)
    ]


def read_gate_csv(path: Path, zone: ZoneInfo) -> list[GatePassage]:
    """Gate passages of a CSV file (``uscc, plate, stage, time``; Chinese headers 统一社会信用代码,
    号牌, 排放阶段, 通行时间 also taken), as the gate systems export them."""
    return [
        _gate(values, where, columns, zone)
        for where, values, columns in csv_rows(path, _GATE_HEADERS, _GATE_FIELDS)
    ]


def fetch_gate_json(
    url: str, zone: ZoneInfo, *, timeout: float = 30, headers: Mapping[str, str] | None = None
) -> list[GatePassage]:
    return [
        _gate(rec, where, names, zone)
        for where, rec, names in json_records(url, timeout, headers, "门禁数据", _GATE_FIELDS)
    ]
