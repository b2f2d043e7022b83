"""Reading a table of records, wherever it comes from: a CSV file's rows (headers in English or
Chinese, the place of each value as ``file:row:column``) or an HTTP JSON source's records (a
list, or ``{"readings": [...]}``; the place as ``url: [i].field``), and the values every hourly
feed has — the hour (ISO 8601, whole hours, naive = city time) and a non-negative quantity.
Every error is an :class:`~orchestrator.errors.InputInvalid` naming its place."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from orchestrator.alerts.readings import in_service_years
from orchestrator.errors import InputInvalid

#: One record: (its place, ending in ``:`` or ``.``; its values by field; each field's column).
Row = tuple[str, dict[str, Any], Mapping[str, str]]


def csv_rows(path: Path, headers: Mapping[str, str], required: tuple[str, ...]) -> list[Row]:
    """A CSV file's rows as (``file:row:``, values by field, column numbers by field);
    ``headers`` maps each accepted header (lower case, no spaces) to its field. A missing column
    or an unreadable file names the file; blank rows are skipped."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputInvalid(f"{path}: 无法读取：{exc}") from exc
    if not rows:
        raise InputInvalid(f"{path}: 文件为空")
    header = [headers.get(h.strip().lower().replace(" ", ""), "") for h in rows[0]]
    missing = set(required) - set(header)
    if missing:
        raise InputInvalid(
            f"{path}:1: 缺少列：{'、'.join(sorted(missing))}（应有 {', '.join(required)}）"
        )
    columns = {name: str(header.index(name) + 1) for name in header if name}
    out: list[Row] = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        values = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h}
        out.append((f"{path}:{n}:", values, columns))
    return out


def json_records(
    url: str,
    timeout: float,
    headers: Mapping[str, str] | None,
    what: str,
    fields: tuple[str, ...],
) -> list[Row]:
    """An HTTP JSON source's records (a list, or ``{"readings": [...]}``) as (``url: [i].``,
    record, each field named as itself); an error names the URL and the record."""
    try:
        response = requests.get(url, timeout=timeout, headers=dict(headers or {}))
        response.raise_for_status()
        data = response.json()
    except requests.RequestException as exc:
        raise InputInvalid(f"{url}: 获取{what}失败：{exc}") from exc
    except ValueError as exc:
        raise InputInvalid(f"{url}: 返回的不是JSON") from exc
    records = data.get("readings") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InputInvalid(f"{url}: 应为读数列表，或含 readings 列表的对象")
    names = {f: f for f in fields}
    out: list[Row] = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputInvalid(f"{url}: [{i}]: 每条读数应为对象")
        out.append((f"{url}: [{i}].", rec, names))
    return out


def hour_of(raw: str, where: str, zone: ZoneInfo) -> dt.datetime:
    """A whole hour (UTC) from ISO 8601 text (naive: city time ``zone``)."""
    try:
        hour = in_service_years(dt.datetime.fromisoformat(raw), where)
    except ValueError:
        raise InputInvalid(
            f"{where}: 时间应为ISO 8601（如2026-01-05T08:00），实为“{raw}”"
        ) from None
    hour = hour.replace(tzinfo=zone) if hour.tzinfo is None else hour
    if hour.minute or hour.second or hour.microsecond:
        raise InputInvalid(f"{where}: 时间应为整点，实为“{raw}”")
    return hour.astimezone(dt.UTC)


def instant_of(raw: str, where: str, zone: ZoneInfo) -> dt.datetime:
    """A moment (UTC, to the second) from ISO 8601 text (naive: city time ``zone``)."""
    try:
        t = in_service_years(dt.datetime.fromisoformat(raw), where)
    except ValueError:
        raise InputInvalid(
            f"{where}: 时间应为ISO 8601（如2026-01-05T08:12:30），实为“{raw}”"
        ) from None
    return (t.replace(tzinfo=zone) if t.tzinfo is None else t).astimezone(dt.UTC)


def quantity(raw: object, where: str, what: str) -> float:
    """A reading's number: finite and not negative, or an error naming the place."""
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        raise InputInvalid(f"{where}: {what}应为数字，实为“{raw}”") from None
    if not math.isfinite(value) or value < 0:
        raise InputInvalid(f"{where}: {what}应为非负数，实为“{raw}”")
    return value


def text_of(values: Mapping[str, Any], field: str, where: str, what: str, most: int) -> str:
    """A required text field of at most ``most`` characters."""
    value = str(values.get(field) or "").strip()
    if not value or len(value) > most:
        raise InputInvalid(f"{where}: {what}为空或超过{most}个字符")
    return value
