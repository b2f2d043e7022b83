"""Fetching the consultation's inputs: forecast documents from a drop folder or over HTTP, and
station observations. Each fetch returns the raw data with its provenance, or raises
:class:`SourceFailed` with a message a duty officer can act on."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import TimeoutError as TimeoutErrorU3
from urllib3.util.retry import Retry

from orchestrator.alerts.readings import in_service_years, read_records
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


#: A forecast document larger than this is no forecast (a week of hourly values is ~100 KB).
MAX_DOCUMENT = 16 * 1024 * 1024


def _json(raw: bytes, where: str, what: str) -> Any:
    """``raw`` as JSON, or :class:`SourceFailed` naming ``where``: not JSON, nested too deep,
    holding a NUL (PostgreSQL text cannot store one)."""
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        detail = "嵌套层数过多" if isinstance(exc, RecursionError) else str(exc)
        raise SourceFailed(f"{where}: {what}不是有效的JSON（{detail}）") from None
    if "\x00" in text or "\\u0000" in text.lower():
        raise SourceFailed(f"{where}: {what}含有NUL字符")
    return data


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
    if len(raw) > MAX_DOCUMENT:
        raise SourceFailed(f"{url}: 返回内容超过{MAX_DOCUMENT // 1024 // 1024}MB")
    data = _json(raw, url, "返回内容")
    return Fetched(
        data=data,
        provenance=Provenance(
            source=source.name, kind="http", location=url, sha256=_sha(raw), fetched_at=now
        ),
    )


def _folder(source: SourceConfig, root: Path) -> Path:
    path = Path(str(source.get("path")))
    return path if path.is_absolute() else root / path


def _issued_at(data: Any, where: str, zone: ZoneInfo) -> dt.datetime | None:
    """A document's issue time: its ``issued_at`` (top level, or its first row's), else None;
    :class:`SourceFailed` for one that cannot be a time of this century."""
    text = data.get("issued_at") if isinstance(data, Mapping) else None
    if text is None:
        rows = data.get("rows", []) if isinstance(data, Mapping) else data
        first = rows[0] if isinstance(rows, list) and rows else None
        text = first.get("issued_at") if isinstance(first, Mapping) else None
    if not text:
        return None
    try:
        t = in_service_years(dt.datetime.fromisoformat(str(text)), f"{where}: issued_at")
    except ValueError:
        raise SourceFailed(f"{where}: issued_at不是有效的时间（“{text}”）") from None
    except InputInvalid as exc:
        raise SourceFailed(str(exc)) from None
    return t.replace(tzinfo=zone) if t.tzinfo is None else t.astimezone(zone)


def _read(path: Path) -> tuple[Any, bytes]:
    """A forecast file's data (a JSON document, or a CSV's records) and bytes, or
    :class:`SourceFailed` naming the file."""
    try:
        if path.stat().st_size > MAX_DOCUMENT:
            raise SourceFailed(f"{path}: 文件超过{MAX_DOCUMENT // 1024 // 1024}MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceFailed(f"{path}: 无法读取（{exc.strerror}）") from None
    if path.suffix.lower() == ".json":
        return _json(raw, str(path), "文件"), raw
    if b"\x00" in raw:
        raise SourceFailed(f"{path}: 文件含有NUL字符")
    try:
        _, records = read_records(path)
    except InputInvalid as exc:
        raise SourceFailed(str(exc)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceFailed(f"{path}: 不是有效的CSV（{exc}）") from None
    return [rec for _, rec in records], raw


def _mtime(path: Path, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, zone)


def folder_candidates(
    source: SourceConfig, *, root: Path, now: dt.datetime, zone: ZoneInfo
) -> Iterator[Fetched | SourceFailed]:
    """The drop folder's forecast files issued at or before ``now``, newest first; a file that
    cannot be read (not JSON or CSV, too large, a NUL, an issue time of no century of ours) is
    yielded as its :class:`SourceFailed`, so that one bad file never hides a good one."""
    folder = _folder(source, root)
    if not folder.is_dir():
        yield SourceFailed(f"{folder}: 预报文件夹不存在")
        return
    found: list[tuple[dt.datetime, str, Fetched]] = []
    for path in sorted(folder.glob(str(source.get("pattern", "*")))):
        if not path.is_file() or path.suffix.lower() not in (".json", ".csv"):
            continue
        try:
            data, raw = _read(path)
            issued = _issued_at(data, str(path), zone)
        except SourceFailed as failed:
            yield failed
            continue
        when = issued or _mtime(path, zone)
        if when > now:
            continue  # issued later than the consultation it would feed
        fetched = Fetched(
            data=data,
            provenance=Provenance(
                source=source.name,
                kind="folder",
                location=str(path),
                sha256=_sha(raw),
                fetched_at=now,
            ),
            issued_fallback=None if issued else when,
        )
        found.append((when, path.name, fetched))
    if not found:
        yield SourceFailed(f"{folder}: 没有{now:%Y-%m-%d %H:%M}以前发布的预报文件")
    for _, _, fetched in sorted(found, key=lambda f: (f[0], f[1]), reverse=True):
        yield fetched


def forecast_candidates(
    source: SourceConfig, *, root: Path, now: dt.datetime, zone: ZoneInfo
) -> Iterator[Fetched | SourceFailed]:
    """What the source offers, best first: its document (HTTP), or its files newest first
    (folder); each that cannot be read as its :class:`SourceFailed`."""
    if not source.enabled:
        yield SourceFailed(f"预报数据源“{source.name}”未配置地址（config/consultation.toml）")
    elif source.kind == "http":
        try:
            yield fetch_http(source, day=now.date(), now=now)
        except SourceFailed as failed:
            yield failed
    else:
        yield from folder_candidates(source, root=root, now=now, zone=zone)


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
