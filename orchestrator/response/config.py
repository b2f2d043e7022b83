"""The command office's configuration (``config/approval.toml`` with the city of
``config/city.toml``) as values: who issues for which area, the approval policy, the people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from orchestrator.alerts.model import AlertLevel
from orchestrator.errors import InputInvalid
from orchestrator.response.lifecycle import ApprovalPolicy
from orchestrator.response.model import Person, Role


class UnknownPerson(InputInvalid):
    """Raised when a name given to act on an alert is not among the configured people."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CapSender:
    """The CAP 1.2 sender and the GB/T 35965.1 identifier parts the provincial early-warning
    platform assigns (sector, unit, extension)."""

    sender: str
    sector_code: str
    unit_code: str
    extension_code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Office:
    """Who issues for which area: the command office's identity, on every document, message and
    page — the area it serves, its name and document code, its phone, the addressees of its
    bulletins, where its enterprises acknowledge and how long they have to."""

    region_code: str
    region_name: str
    issuer: str  # 示例市重污染天气应急指挥部办公室
    code: str  # document code: numbers read {code}〔YYYY〕N号
    phone: str
    addressees: str
    acknowledge_base: str  # the enterprises' pages (their signed token is appended)
    receipt_hours: int  # enterprises acknowledge within this many hours of issue
    cap: CapSender
    # what the 不利气象条件应对 notice asks of member units and counties (no list measures apply)
    local_measures: tuple[str, ...] = ()
    copy_to: str = ""  # 版记: 抄送机关 ("" none)
    printed_by: str = ""  # 版记: 印发机关 ("" the issuer)
    # a dispatch order's own number: {code} {year} {seq} (its notice's) {index} (its place)
    order_number: str = "{code}〔{year}〕{seq}-{index}号"
    # a unit's task notice's number: {code} {year} {seq} (its notice's) {index} (its place)
    task_number: str = "{code}〔{year}〕{seq}-任{index}号"
    # a recurring control's notice's number: {code} {year} {round} {index}
    control_number: str = "{code}〔{year}〕管{round}-{index}号"
    # a coverage check task's number: {code} {year} {run} (the coverage run) {index}
    check_number: str = "{code}〔{year}〕核{run}-{index}号"
    # a request (请示) to the province, its own yearly sequence: {code} {year} {seq}
    request_number: str = "{code}〔{year}〕请{seq}号"

    def document_number(self, year: int, seq: int) -> str:
        return f"{self.code}〔{year}〕{seq}号"

    @property
    def check_base(self) -> str:
        """The units' check-task pages (核查任务; their signed token is appended): beside the
        enterprises' pages (``…/ack`` → ``…/check``)."""
        parts = urlsplit(self.acknowledge_base)
        parent = parts.path.rstrip("/").rpartition("/")[0]
        return urlunsplit((parts.scheme, parts.netloc, f"{parent}/check", "", ""))

    def check_number_of(self, year: int, coverage_id: int, index: int) -> str:
        """The number of the ``index``-th check task (from 1) of coverage run ``coverage_id``."""
        return self.check_number.format(code=self.code, year=year, run=coverage_id, index=index)

    def request_number_of(self, year: int, seq: int) -> str:
        """The number of the office's ``seq``-th request (请示) to the province in ``year``."""
        return self.request_number.format(code=self.code, year=year, seq=seq)

    def control_number_of(self, year: int, round_id: int, index: int) -> str:
        """The number of the ``index``-th notice (from 1) of control round ``round_id``."""
        return self.control_number.format(code=self.code, year=year, round=round_id, index=index)

    def order_number_of(self, document_number: str, index: int) -> str:
        """The number of the ``index``-th dispatch order (from 1) of the notice numbered
        ``document_number`` (``{code}〔{year}〕{seq}号``)."""
        year, _, rest = document_number.partition("〔")[2].partition("〕")
        return self.order_number.format(
            code=self.code, year=year, seq=rest.removesuffix("号"), index=index
        )

    def task_number_of(self, document_number: str, index: int) -> str:
        """The number of the ``index``-th task notice (from 1) of the notice numbered
        ``document_number``."""
        year, _, rest = document_number.partition("〔")[2].partition("〕")
        return self.task_number.format(
            code=self.code, year=year, seq=rest.removesuffix("号"), index=index
        )

    def receipt_deadline(self, issued_at: dt.datetime) -> dt.datetime:
        return issued_at + dt.timedelta(hours=self.receipt_hours)


def _numbering(key: str, pattern: str, fields: tuple[str, ...]) -> str:
    """A number pattern, checked: only ``fields``, and a number of its own for each document
    (it holds the last of ``fields``: ``{index}`` one per enterprise or unit, ``{seq}`` one per
    document of a yearly sequence)."""
    sample = dict.fromkeys(fields, 1)
    last = fields[-1]
    try:
        first = pattern.format(**sample)
    except (KeyError, IndexError, ValueError) as exc:
        named = "".join(f"{{{f}}}" for f in fields)
        raise ValueError(f"notices.{key}: “{pattern}”只能使用{named}") from exc
    if f"{{{last}}}" not in pattern or first == pattern.format(**{**sample, last: 2}):
        each = "每家企业一个编号" if last == "index" else "每份文件一个编号"
        raise ValueError(f"notices.{key}: “{pattern}”须含{{{last}}}，{each}")
    return pattern


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseConfig:
    """The office, the approval policy and the people who may act."""

    office: Office
    policy: ApprovalPolicy
    people: Mapping[str, Person]

    def person(self, name: str) -> Person:
        try:
            return self.people[name.strip()]
        except KeyError:
            known = "、".join(self.people)
            raise UnknownPerson(
                f"“{name}”不在 config/approval.toml 的人员名单中（现有：{known}）"
            ) from None

    def approver_for(self, level: AlertLevel) -> Person | None:
        """The first configured person whose role approves ``level`` exactly (drills)."""
        role = self.policy.role_for(level)
        return next((p for p in self.people.values() if p.role is role), None)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, region_code: str, region_name: str, source: str
    ) -> ResponseConfig:
        """Checked values; a missing or bad key raises ``ValueError`` naming ``source``."""
        try:
            people = [Person(name=str(p["name"]), role=Role(p["role"])) for p in data["people"]]
            notices = data["notices"]
            cap = data["cap"]
            office = Office(
                region_code=region_code,
                region_name=region_name,
                issuer=str(data["issuer"]),
                code=str(data["issuer_code"]),
                phone=str(notices["office_phone"]),
                addressees=str(notices["addressees"]),
                acknowledge_base=str(notices["acknowledge_base_url"]).rstrip("/"),
                receipt_hours=int(notices["receipt_hours"]),
                local_measures=tuple(str(m) for m in notices.get("adverse_measures", ())),
                copy_to=str(notices.get("copy_to", "")),
                printed_by=str(notices.get("printed_by", "")) or str(data["issuer"]),
                order_number=_numbering(
                    "order_number",
                    str(notices.get("order_number", "{code}〔{year}〕{seq}-{index}号")),
                    ("code", "year", "seq", "index"),
                ),
                task_number=_numbering(
                    "task_number",
                    str(notices.get("task_number", "{code}〔{year}〕{seq}-任{index}号")),
                    ("code", "year", "seq", "index"),
                ),
                control_number=_numbering(
                    "control_number",
                    str(notices.get("control_number", "{code}〔{year}〕管{round}-{index}号")),
                    ("code", "year", "round", "index"),
                ),
                check_number=_numbering(
                    "check_number",
                    str(notices.get("check_number", "{code}〔{year}〕核{run}-{index}号")),
                    ("code", "year", "run", "index"),
                ),
                request_number=_numbering(
                    "request_number",
                    str(notices.get("request_number", "{code}〔{year}〕请{seq}号")),
                    ("code", "year", "seq"),
                ),
                cap=CapSender(
                    sender=str(cap["sender"]),
                    sector_code=str(cap["sector_code"]),
                    unit_code=str(cap["unit_code"]),
                    extension_code=str(cap["extension_code"]),
                ),
            )
            policy = ApprovalPolicy(
                required={AlertLevel(k): Role(v) for k, v in data["required_role"].items()},
                lead_time_hours=int(data.get("lead_time_hours", 24)),
            )
        except KeyError as exc:
            raise ValueError(f"{source}: missing key {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source}: {exc}") from None
        return cls(office=office, policy=policy, people={p.name: p for p in people})
