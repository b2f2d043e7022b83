"""Fetching the consultation's inputs: forecast documents from a drop folder or over HTTP, and
station observations. Each fetch returns the raw data with its provenance, or raises
:class:`SourceFailed` with a message a duty officer can act on."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import TimeoutError as TimeoutErrorU3
from urllib3.util.retry import Retry

from orchestrator.alerts.readings import read_records
from orchestrator.consultation.config import SourceConfig
from orchestrator.consultation.forecast import Provenance
from orchestrator.errors import InputInvalid, OrchestratorError


class SourceFailed(OrchestratorError):
    """An input source could not be read (unreachable, refused, not JSON, …)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    data: Any
    provenance: Provenance
    issued_fallback: dt.datetime | None = None  # a file's modification time


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _session(source: SourceConfig) -> requests.Session:
    retry = Retry(
        total=int(source.get("retries", 2)),
        backoff_factor=float(source.get("backoff_seconds", 2)),
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def fetch_http(source: SourceConfig, *, day: dt.date, now: dt.datetime) -> Fetched:
    """GET the source's URL (``{date}`` = the consultation day) and parse its JSON."""
    url = str(source.get("url")).replace("{date}", day.isoformat())
    headers = {"Accept": "application/json"}
    token_env = str(source.get("token_env", ""))
    if token_env and os.environ.get(token_env):
        headers[str(source.get("auth_header", "Authorization"))] = os.environ[token_env]
    timeout = float(source.get("timeout_seconds", 10))
    try:
        with _session(source) as session:
            answer = session.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        # with retries, urllib3 wraps a timeout of the last attempt in MaxRetryError
        cause = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(exc, requests.Timeout) or isinstance(cause, TimeoutError | TimeoutErrorU3):
            raise SourceFailed(f"{url}: 请求超时（{timeout:g}秒）") from None
        reason = type(exc).__name__
        raise SourceFailed(f"{url}: 无法连接预报数据源（{reason}）") from None
    if answer.status_code >= 400:
        raise SourceFailed(f"{url}: 预报数据源返回HTTP {answer.status_code}")
    raw = answer.content
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceFailed(f"{url}: 返回内容不是有效的JSON（{exc}）") from None
    return Fetched(
        data=data,
        provenance=Provenance(
            source=source.name, kind="http", location=url, sha256=_sha(raw), fetched_at=now
        ),
    )


def _folder(source: SourceConfig, root: Path) -> Path:
    path = Path(str(source.get("path")))
    return path if path.is_absolute() else root / path


def _issued_at(path: Path, zone: ZoneInfo) -> dt.datetime | None:
    """A forecast file's issue time: its ``issued_at`` (JSON key or CSV column), else None."""
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            text = data.get("issued_at") if isinstance(data, Mapping) else None
            if text is None:
                items = data.get("rows", []) if isinstance(data, Mapping) else data
                text = items[0].get("issued_at") if items and isinstance(items[0], dict) else None
        else:
            header, records = read_records(path)
            text = records[0][1].get("issued_at") if records and "issued_at" in header else None
    except (OSError, ValueError, InputInvalid):
        return None
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return t.replace(tzinfo=zone) if t.tzinfo is None else t.astimezone(zone)


def _mtime(path: Path, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, zone)


def fetch_folder(source: SourceConfig, *, root: Path, now: dt.datetime, zone: ZoneInfo) -> Fetched:
    """The newest forecast file in the drop folder issued at or before ``now``."""
    folder = _folder(source, root)
    if not folder.is_dir():
        raise SourceFailed(f"{folder}: 预报文件夹不存在")
    candidates = []
    for path in sorted(folder.glob(str(source.get("pattern", "*")))):
        if not path.is_file() or path.suffix.lower() not in (".json", ".csv"):
            continue
        issued = _issued_at(path, zone)
        when = issued or _mtime(path, zone)
        if when <= now:
            candidates.append((when, path.name, path, issued))
    if not candidates:
        raise SourceFailed(f"{folder}: 没有{now:%Y-%m-%d %H:%M}以前发布的预报文件")
    when, _, path, issued = max(candidates)
    raw = path.read_bytes()
    if path.suffix.lower() == ".json":
        try:
            data: Any = json.loads(raw.decode("utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceFailed(f"{path}: 不是有效的JSON（{exc}）") from None
    else:
        try:
            _, records = read_records(path)
        except InputInvalid as exc:
            raise SourceFailed(str(exc)) from None
        data = [rec for _, rec in records]
    return Fetched(
        data=data,
        provenance=Provenance(
            source=source.name, kind="folder", location=str(path), sha256=_sha(raw), fetched_at=now
        ),
        issued_fallback=None if issued else when,
    )


def fetch_forecast(
    source: SourceConfig, *, root: Path, now: dt.datetime, zone: ZoneInfo
) -> Fetched:
    if not source.enabled:
        raise SourceFailed(f"预报数据源“{source.name}”未配置地址（config/consultation.toml）")
    if source.kind == "http":
        return fetch_http(source, day=now.date(), now=now)
    return fetch_folder(source, root=root, now=now, zone=zone)


def fetch_stations(
    source: SourceConfig, *, root: Path, now: dt.datetime, hours: int = 48
) -> tuple[list[tuple[str, dict[str, str]]], list[str], str]:
    """Station records of the ``hours`` before ``now``: (records, locations, sha256 of all)."""
    digest = hashlib.sha256()
    out: list[tuple[str, dict[str, str]]] = []
    locations: list[str] = []
    if source.kind == "http":
        fetched = fetch_http(source, day=now.date(), now=now)
        items = fetched.data.get("rows") if isinstance(fetched.data, Mapping) else fetched.data
        if not isinstance(items, list):
            raise SourceFailed(f"{fetched.provenance.location}: 监测数据须为对象数组")
        out = [
            (
                f"{fetched.provenance.location}:[{i}]",
                {str(k): "" if v is None else str(v) for k, v in item.items()},
            )
            for i, item in enumerate(items)
            if isinstance(item, Mapping)
        ]
        locations.append(fetched.provenance.location)
        digest.update(fetched.provenance.sha256.encode())
    else:
        folder = _folder(source, root)
        if not folder.is_dir():
            raise SourceFailed(f"{folder}: 监测数据文件夹不存在")
        for path in sorted(folder.glob(str(source.get("pattern", "*.csv")))):
            try:
                _, records = read_records(path)
            except InputInvalid as exc:
                raise SourceFailed(str(exc)) from None
            digest.update(path.read_bytes())
            locations.append(str(path))
            out.extend((f"{path}:{line}", rec) for line, rec in records)
    earliest = now - dt.timedelta(hours=hours + 1)

    def in_window(rec: Mapping[str, str]) -> bool:
        text = rec.get("time") or rec.get("时间") or ""
        try:
            t = dt.datetime.fromisoformat(text)
        except ValueError:
            return True  # let the parser name the bad cell
        t = t.replace(tzinfo=now.tzinfo) if t.tzinfo is None else t
        return earliest <= t and t + dt.timedelta(hours=1) <= now

    return [(w, r) for w, r in out if in_window(r)], locations, digest.hexdigest()
