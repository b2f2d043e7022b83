"""The 调度令 between installations: a province's and a city's own, over the network.

The province publishes each order binding a city as a CAP 1.2 message (``msgType`` Alert while it
runs, Cancel once lifted, the order itself in a parameter so that it travels exactly), signed
with the province's key; the city fetches its feed, checks each signature before it reads a
byte of the message, and records what it applied in its message log. A report-back goes the
other way as signed JSON. Both sides apply the same rule to what arrives (:func:`judge`): a
message seen before is a duplicate (no effect, answered as before); one older than a message
already applied for the same subject is a replay or arrived out of order (refused, logged); a
message whose signature does not verify was tampered with (refused, logged).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from orchestrator.alerts.model import AlertLevel
from orchestrator.errors import InputInvalid
from orchestrator.region.directives import CityReport, DirectiveOrder, ReportKind

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
EVENT = "重污染天气调度令"
_NS = {"cap": CAP}
_SEVERITY = {AlertLevel.YELLOW: "Moderate", AlertLevel.ORANGE: "Severe", AlertLevel.RED: "Extreme"}


class Verdict(StrEnum):
    NEW = "new"  # apply it
    DUPLICATE = "duplicate"  # seen: no effect
    STALE = "stale"  # older than what was applied for its subject: replayed or out of order
    TAMPERED = "tampered"  # its signature does not verify

    @property
    def label(self) -> str:
        return {
            "new": "已受理",
            "duplicate": "重复消息，已忽略",
            "stale": "早于已受理的消息（重放或乱序），不予受理",
            "tampered": "签名验证未通过（内容被篡改或来源不明），不予受理",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Seen:
    """A message applied before, as the message log keeps it."""

    subject: str  # what it is about: an order (990000:3) or a report (990000:3:990100:daily:…)
    sent: dt.datetime
    digest: str  # SHA-256 of its signed bytes


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def judge(data: bytes, sent: dt.datetime, seen: Sequence[Seen]) -> Verdict:
    """What to do with a verified message about a subject, given what was applied for it."""
    if any(s.digest == digest(data) for s in seen):
        return Verdict.DUPLICATE
    if any(s.sent >= sent for s in seen):
        return Verdict.STALE
    return Verdict.NEW


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One message of a city's feed: the order, and whether (and why) it was lifted."""

    order: DirectiveOrder
    sent: dt.datetime
    lifted_at: dt.datetime | None
    lift_reason: str

    @property
    def subject(self) -> str:
        return f"{self.order.province}:{self.order.ref}"


def _z(t: dt.datetime) -> str:
    """A CAP dateTime: seconds, an explicit offset (never Z)."""
    return t.replace(microsecond=0).isoformat()


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP}}}{tag}")
    el.text = text
    return el


def order_cap(
    entry: FeedEntry, *, sender: str, city: str, city_name: str, county_names: Mapping[str, str]
) -> bytes:
    """The CAP 1.2 message of an order for ``city`` (UTF-8 bytes, the bytes that are signed)."""
    o = entry.order
    ET.register_namespace("", CAP)
    alert = ET.Element(f"{{{CAP}}}alert")
    _add(alert, "identifier", f"{o.province}-directive-{o.ref}-{city}")
    _add(alert, "sender", sender)
    _add(alert, "sent", _z(entry.sent))
    _add(alert, "status", "Actual")
    _add(alert, "msgType", "Cancel" if entry.lifted_at else "Alert")
    _add(alert, "scope", "Restricted")
    _add(alert, "restriction", f"仅限{city_name}重污染天气应急指挥部办公室")
    if entry.lifted_at:
        _add(
            alert, "references", f"{sender},{o.province}-directive-{o.ref}-{city},{_z(o.issued_at)}"
        )
    info = _add(alert, "info", "")
    info.text = None
    _add(info, "language", "zh-CN")
    _add(info, "category", "Env")
    _add(info, "event", EVENT)
    _add(info, "urgency", "Expected")
    _add(info, "severity", _SEVERITY.get(o.level, "Moderate"))
    _add(info, "certainty", "Likely")
    _add(info, "effective", _z(o.start))
    _add(info, "onset", _z(o.start))
    _add(info, "expires", _z(entry.lifted_at or o.end))
    _add(info, "senderName", o.issuer)
    _add(info, "headline", f"{o.number} {o.title}")
    _add(info, "description", o.reason)
    if o.measures:
        _add(info, "instruction", "；".join(o.measures))
    for name, value in (
        ("directive", json.dumps(o.to_json(), ensure_ascii=False, sort_keys=True)),
        ("lift_reason", entry.lift_reason),
    ):
        parameter = _add(info, "parameter", "")
        parameter.text = None
        _add(parameter, "valueName", name)
        _add(parameter, "value", value)
    area = _add(info, "area", "")
    area.text = None
    covered = [(c, county_names.get(c, c)) for c in o.counties] or [(city, city_name)]
    _add(area, "areaDesc", "、".join(name for _, name in covered))
    for code, _ in covered:
        geocode = _add(area, "geocode", "")
        geocode.text = None
        _add(geocode, "valueName", "GB/T 2260")
        _add(geocode, "value", code)
    body: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def read_cap(data: bytes) -> FeedEntry:
    """The entry a verified CAP message carries; a message of another shape is refused."""
    try:
        alert = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputInvalid(f"调度令消息不是有效的XML：{exc}") from None
    if alert.tag != f"{{{CAP}}}alert":
        raise InputInvalid("调度令消息不是CAP 1.2消息")

    def text(path: str, where: ET.Element = alert) -> str:
        found = where.find(path, _NS)
        if found is None or found.text is None:
            raise InputInvalid(f"调度令消息缺少{path.removeprefix('cap:')}")
        return found.text

    info = alert.find("cap:info", _NS)
    if info is None or text("cap:event", info) != EVENT:
        raise InputInvalid("调度令消息缺少info或事件不是重污染天气调度令")
    params = {
        text("cap:valueName", p): (p.findtext("cap:value", "", _NS))
        for p in info.findall("cap:parameter", _NS)
    }
    if "directive" not in params:
        raise InputInvalid("调度令消息缺少directive参数")
    try:
        order = DirectiveOrder.from_json(json.loads(params["directive"]))
        sent = dt.datetime.fromisoformat(text("cap:sent"))
    except ValueError as exc:
        raise InputInvalid(f"调度令消息有误：{exc}") from None
    cancel = text("cap:msgType") == "Cancel"
    lifted_at = dt.datetime.fromisoformat(text("cap:expires", info)) if cancel else None
    return FeedEntry(order, sent, lifted_at, params.get("lift_reason", ""))


@dataclass(frozen=True, slots=True)
class Signed:
    """Bytes and their signature, as they travel."""

    data: bytes
    signature: str

    def to_json(self) -> dict[str, str]:
        return {"data": self.data.decode("utf-8"), "signature": self.signature}

    @classmethod
    def from_json(cls, value: object) -> Signed:
        if not isinstance(value, Mapping):
            raise InputInvalid("消息应为含data和signature的对象")
        data, signature = value.get("data"), value.get("signature")
        if not isinstance(data, str) or not isinstance(signature, str):
            raise InputInvalid("消息缺少data或signature")
        return cls(data.encode("utf-8"), signature)


def report_bytes(province: str, report: CityReport) -> bytes:
    """A report-back as signed: canonical JSON (sorted keys, UTF-8)."""
    return json.dumps(
        {
            "province": province,
            "ref": report.ref,
            "city": report.city,
            "kind": report.kind.value,
            "day": report.day.isoformat() if report.day else None,
            "body": dict(report.body),
            "reported_at": report.reported_at.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")


def read_report(data: bytes) -> tuple[str, CityReport]:
    """(the province it is for, the report) of verified report-back bytes."""
    try:
        d = json.loads(data)
        reported_at = dt.datetime.fromisoformat(str(d["reported_at"]))
        if reported_at.tzinfo is None:
            raise ValueError("reported_at缺少时区")
        body = d["body"]
        if not isinstance(body, dict):
            raise ValueError("body应为对象")
        return str(d["province"]), CityReport(
            ref=int(d["ref"]),
            city=str(d["city"]),
            kind=ReportKind(str(d["kind"])),
            day=dt.date.fromisoformat(d["day"]) if d["day"] else None,
            body=body,
            reported_at=reported_at,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputInvalid(f"上报消息有误：{exc}") from None


def report_subject(province: str, report: CityReport) -> str:
    day = report.day.isoformat() if report.day else ""
    return f"{province}:{report.ref}:{report.city}:{report.kind.value}:{day}"
