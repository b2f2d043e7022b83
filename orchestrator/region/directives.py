"""The province's 调度令 (provincial dispatch order) as values (pure): what it says — the cities
and counties it binds, its level and window, the measures it adds and what it asks reported back
— its lifecycle under the four-eyes rule, and the floor it sets for each county it binds.

A 调度令 is drafted by the provincial office's duty officer, approved by its director (never by
the one who drafted it), issued, and lifted only by the province. While it is in force, no city
it binds may run a lower level in a county it covers: that is the floor, county by county (a
city named without counties is bound in every county).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.errors import InputInvalid
from orchestrator.region.model import RegionTree, Tier

MEASURE_MAX = 200
MEASURES_MAX = 30


class DirectiveStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ISSUED = "issued"
    LIFTED = "lifted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _STATUS_LABEL[self]


_STATUS_LABEL = {
    DirectiveStatus.DRAFT: "起草",
    DirectiveStatus.SUBMITTED: "待审批",
    DirectiveStatus.APPROVED: "已批准待发布",
    DirectiveStatus.ISSUED: "已发布",
    DirectiveStatus.LIFTED: "已解除",
    DirectiveStatus.WITHDRAWN: "已撤回",
}


class DirectiveAction(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"  # back to the drafter
    ISSUE = "issue"
    LIFT = "lift"

    @property
    def label(self) -> str:
        return _ACTION_LABEL[self]


_ACTION_LABEL = {
    DirectiveAction.SUBMIT: "提交审批",
    DirectiveAction.WITHDRAW: "撤回",
    DirectiveAction.APPROVE: "批准",
    DirectiveAction.REJECT: "退回",
    DirectiveAction.ISSUE: "发布",
    DirectiveAction.LIFT: "解除",
}


class ProvincialRole(StrEnum):
    """Who acts for the province."""

    DUTY = "province_duty"  # 省级值班人员: drafts, submits, issues
    DIRECTOR = "province_director"  # 省级指挥部办公室负责人: approves (and may draft)

    @property
    def label(self) -> str:
        return {"province_duty": "省级值班人员", "province_director": "省级负责人"}[self.value]


#: Who may take each action (the approver is never the drafter: see :func:`act`).
MAY: Mapping[DirectiveAction, frozenset[ProvincialRole]] = {
    DirectiveAction.SUBMIT: frozenset(ProvincialRole),
    DirectiveAction.WITHDRAW: frozenset(ProvincialRole),
    DirectiveAction.APPROVE: frozenset({ProvincialRole.DIRECTOR}),
    DirectiveAction.REJECT: frozenset({ProvincialRole.DIRECTOR}),
    DirectiveAction.ISSUE: frozenset(ProvincialRole),
    DirectiveAction.LIFT: frozenset({ProvincialRole.DIRECTOR}),
}

#: What each action does to a directive in each state (absent: not allowed then).
_NEXT: Mapping[DirectiveStatus, Mapping[DirectiveAction, DirectiveStatus]] = {
    DirectiveStatus.DRAFT: {
        DirectiveAction.SUBMIT: DirectiveStatus.SUBMITTED,
        DirectiveAction.WITHDRAW: DirectiveStatus.WITHDRAWN,
    },
    DirectiveStatus.SUBMITTED: {
        DirectiveAction.APPROVE: DirectiveStatus.APPROVED,
        DirectiveAction.REJECT: DirectiveStatus.DRAFT,
        DirectiveAction.WITHDRAW: DirectiveStatus.WITHDRAWN,
    },
    DirectiveStatus.APPROVED: {DirectiveAction.ISSUE: DirectiveStatus.ISSUED},
    DirectiveStatus.ISSUED: {DirectiveAction.LIFT: DirectiveStatus.LIFTED},
}


class DirectiveRefused(InputInvalid):
    """An action the directive's state, the person's role or the four-eyes rule forbids."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    name: str
    role: ProvincialRole


@dataclass(frozen=True, slots=True)
class Scope:
    """The cities a 调度令 binds (codes) and, where it names them, only some of their counties."""

    cities: tuple[str, ...]
    counties: tuple[str, ...] = ()

    def covers(self, tree: RegionTree, code: str) -> bool:
        """Whether ``code`` (a county, or a city as a whole) is bound: a named county, or a
        county of a named city of which no county is named."""
        region = tree.get(code)
        if region is None:
            return False
        if region.tier is Tier.CITY:
            return code in self.cities and not any(c[:4] == code[:4] for c in self.counties)
        if region.tier is not Tier.COUNTY or region.parent not in self.cities:
            return False
        named = [c for c in self.counties if c[:4] == code[:4]]
        return not named or code in named


@dataclass(frozen=True, slots=True, kw_only=True)
class Directive:
    """One 调度令 as the province keeps it."""

    id: int
    title: str  # 关于启动重污染天气橙色预警的调度令
    scope: Scope
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime  # a longer episode gets a new order (an extension), as provinces do
    measures: tuple[str, ...]  # what it adds to the cities' plans (驻厂监管 …)
    reason: str  # 会商研判 of the province
    report_within_hours: int  # 启动情况 reported within this many hours of issue
    daily_report_by: dt.time  # 落实情况 reported each day by this local time
    status: DirectiveStatus = DirectiveStatus.DRAFT
    drafted_by: str = ""
    approved_by: str = ""
    number: str = ""  # given on issue: 示省重污调〔2026〕3号
    issued_at: dt.datetime | None = None
    lifted_at: dt.datetime | None = None
    lift_reason: str = ""
    lift_number: str = ""  # the number of its lifting notice (the same sequence as orders)

    def in_force(self, at: dt.datetime) -> bool:
        if self.status is not DirectiveStatus.ISSUED:
            return False
        return self.start <= at < self.end


def problems(d: Directive, tree: RegionTree) -> list[str]:
    """What is wrong with a draft, in Chinese, each naming its field (empty: nothing)."""
    out: list[str] = []
    if not d.title.strip():
        out.append("标题：不能为空")
    if not d.reason.strip():
        out.append("依据：请填写省级会商研判意见")
    if d.level not in ALERT_LEVELS:
        out.append(f"预警级别：“{d.level}”不是黄色、橙色或红色")
    if d.end <= d.start:
        out.append("时段：结束时间应晚于开始时间")
    if not d.scope.cities:
        out.append("范围：至少一个市")
    province = tree.root.code if tree.root.tier is Tier.PROVINCE else None
    for code in d.scope.cities:
        city = tree.get(code)
        if city is None or city.tier is not Tier.CITY:
            out.append(f"范围：“{code}”不是本省的市")
    for code in d.scope.counties:
        county = tree.get(code)
        if county is None or county.tier is not Tier.COUNTY:
            out.append(f"范围：“{code}”不是本省的县（市、区）")
        elif county.parent not in d.scope.cities:
            out.append(f"范围：{county.name}（{code}）所在的市不在调度范围内")
    if province is None:
        out.append("范围：行政区划未配置省（config/regions.toml [province]）")
    if not 1 <= d.report_within_hours <= 72:
        out.append("启动情况报送时限：应为1至72小时")
    if len(d.measures) > MEASURES_MAX:
        out.append(f"措施：不能超过{MEASURES_MAX}条")
    for i, m in enumerate(d.measures, start=1):
        if not m.strip():
            out.append(f"措施第{i}条：不能为空")
        elif len(m) > MEASURE_MAX:
            out.append(f"措施第{i}条：不能超过{MEASURE_MAX}个字")
    return out


def allowed(d: Directive) -> tuple[DirectiveAction, ...]:
    """The actions its state allows next."""
    return tuple(_NEXT.get(d.status, {}))


def act(
    d: Directive,
    action: DirectiveAction,
    by: Actor,
    now: dt.datetime,
    *,
    number: str = "",
    reason: str = "",
) -> Directive:
    """``d`` after ``by`` takes ``action`` at ``now`` (``number``: given on issue, and to the
    lifting notice on lift; ``reason``: why it is lifted or sent back). Refused, in Chinese, when the state, the role or the four-eyes
    rule forbids it."""
    following = _NEXT.get(d.status, {}).get(action)
    if following is None:
        raise DirectiveRefused(f"调度令当前状态为“{d.status.label}”，不能{action.label}")
    if by.role not in MAY[action]:
        raise DirectiveRefused(f"{by.role.label}不能{action.label}调度令")
    if action in (DirectiveAction.APPROVE, DirectiveAction.REJECT) and by.name == d.drafted_by:
        raise DirectiveRefused("起草人不能审批本人起草的调度令（双人审核）")
    if action in (DirectiveAction.LIFT, DirectiveAction.REJECT) and not reason.strip():
        raise DirectiveRefused(f"{action.label}调度令须说明理由")
    if action in (DirectiveAction.ISSUE, DirectiveAction.LIFT) and not number:
        raise DirectiveRefused(f"{action.label}调度令须有文号")
    changes: dict[str, object] = {"status": following}
    if action is DirectiveAction.APPROVE:
        changes["approved_by"] = by.name
    elif action is DirectiveAction.REJECT:
        changes["approved_by"] = ""
    elif action is DirectiveAction.ISSUE:
        changes.update(number=number, issued_at=now)
    elif action is DirectiveAction.LIFT:
        changes.update(lifted_at=now, lift_reason=reason.strip(), lift_number=number)
    return replace(d, **changes)  # type: ignore[arg-type]


def floor(
    directives: Iterable[Directive], tree: RegionTree, code: str, at: dt.datetime
) -> Directive | None:
    """The strongest 调度令 in force at ``at`` that binds ``code`` (a county, or a city as a
    whole): the level below which that area may not run (None: no floor)."""
    binding = [d for d in directives if d.in_force(at) and d.scope.covers(tree, code)]
    return max(binding, key=lambda d: (d.level.rank, d.issued_at or d.start), default=None)


def order_for(d: Directive, tree: RegionTree, city: str, issuer: str) -> DirectiveOrder:
    """What ``city`` receives of an issued 调度令: the order with the counties it binds there
    (empty: the whole city)."""
    assert d.issued_at is not None
    return DirectiveOrder(
        ref=d.id,
        province=tree.root.code,
        issuer=issuer,
        number=d.number,
        title=d.title,
        level=d.level,
        start=d.start,
        end=d.end,
        counties=tuple(c for c in d.scope.counties if c[:4] == city[:4]),
        measures=d.measures,
        reason=d.reason,
        report_within_hours=d.report_within_hours,
        daily_report_by=d.daily_report_by,
        issued_at=d.issued_at,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectiveOrder:
    """A 调度令 as one city receives it (in a provincial installation from the province's
    database, in a city's own installation over the province's interface)."""

    ref: int  # the order's id at the province
    province: str
    issuer: str  # 示例省重污染天气应急指挥部办公室
    number: str
    title: str
    level: AlertLevel
    start: dt.datetime
    end: dt.datetime
    counties: tuple[str, ...]  # the city's counties it binds (empty: the whole city)
    measures: tuple[str, ...]
    reason: str
    report_within_hours: int
    daily_report_by: dt.time
    issued_at: dt.datetime

    def to_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "province": self.province,
            "issuer": self.issuer,
            "number": self.number,
            "title": self.title,
            "level": self.level.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "counties": list(self.counties),
            "measures": list(self.measures),
            "reason": self.reason,
            "report_within_hours": self.report_within_hours,
            "daily_report_by": self.daily_report_by.strftime("%H:%M"),
            "issued_at": self.issued_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DirectiveOrder:
        """The order from its JSON form; a malformed one is refused naming the field."""
        try:
            return cls(
                ref=int(str(data["ref"])),
                province=str(data["province"]),
                issuer=str(data["issuer"]),
                number=str(data["number"]),
                title=str(data["title"]),
                level=AlertLevel(str(data["level"])),
                start=_aware(str(data["start"])),
                end=_aware(str(data["end"])),
                counties=tuple(str(c) for c in _list(data["counties"])),
                measures=tuple(str(m) for m in _list(data["measures"])),
                reason=str(data["reason"]),
                report_within_hours=int(str(data["report_within_hours"])),
                daily_report_by=dt.time.fromisoformat(str(data["daily_report_by"])),
                issued_at=_aware(str(data["issued_at"])),
            )
        except KeyError as exc:
            raise InputInvalid(f"调度令缺少字段：{exc.args[0]}") from None
        except (TypeError, ValueError) as exc:
            raise InputInvalid(f"调度令字段有误：{exc}") from None


def _aware(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text)
    if t.tzinfo is None:
        raise ValueError(f"时间“{text}”缺少时区")
    return t


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError("应为列表")
    return value


class ReportKind(StrEnum):
    """What a city reports back on a 调度令."""

    START = "start"  # 启动情况: the city's alert issued (number, time, orders, receipts)
    DAILY = "daily"  # 落实情况: the day's roll-up
    LIFT_REQUEST = "lift_request"  # 提前解除申请

    @property
    def label(self) -> str:
        return {"start": "启动情况", "daily": "落实情况", "lift_request": "提前解除申请"}[
            self.value
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class CityReport:
    """One report-back of a city on a 调度令 (the newest of its kind and day counts)."""

    ref: int
    city: str
    kind: ReportKind
    day: dt.date | None  # the day of a daily report
    body: Mapping[str, object]
    reported_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CityStanding:
    """Where one city stands on one 调度令, as the province sees it."""

    city: str
    name: str
    forwarded_at: dt.datetime | None
    start: CityReport | None
    daily: CityReport | None  # the newest daily report
    lift_request: CityReport | None
    chased_at: dt.datetime | None

    @property
    def alert_issued_at(self) -> dt.datetime | None:
        if self.start is None or not self.start.body.get("issued_at"):
            return None
        return dt.datetime.fromisoformat(str(self.start.body["issued_at"]))


def start_due(d: Directive) -> dt.datetime:
    """When the cities' 启动情况 is due."""
    assert d.issued_at is not None
    return d.issued_at + dt.timedelta(hours=d.report_within_hours)


def lead_hours(d: Directive, standing: CityStanding) -> float | None:
    """Hours from the order's issue to the city's alert issue (None: not issued yet)."""
    at = standing.alert_issued_at
    if at is None or d.issued_at is None:
        return None
    return round((at - d.issued_at).total_seconds() / 3600, 1)


def overdue(
    d: Directive, standing: CityStanding, now: dt.datetime, zone: dt.tzinfo
) -> tuple[str, ...]:
    """What the city owes the province at ``now``, in words (empty: nothing)."""
    if d.status is not DirectiveStatus.ISSUED or d.issued_at is None:
        return ()
    out: list[str] = []
    if standing.alert_issued_at is None and now >= start_due(d):
        out.append(f"启动情况逾期（应于{start_due(d).astimezone(zone):%m月%d日%H:%M}前报送）")
    local = now.astimezone(zone)
    first = max(d.start, d.issued_at).astimezone(zone).date()
    due = dt.datetime.combine(local.date(), d.daily_report_by, tzinfo=zone)
    if local.date() >= first and now >= due and now < d.end:
        reported = standing.daily is not None and standing.daily.day == local.date()
        if not reported:
            out.append(f"{local:%m月%d日}落实情况未报送（应于{d.daily_report_by:%H:%M}前）")
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Received:
    """A 调度令 as the city keeps it: the order, what was drafted on receipt, and what followed."""

    order: DirectiveOrder
    received_at: dt.datetime
    hint_id: int | None
    alert_id: int | None
    note: str
    lifted_at: dt.datetime | None = None
    lift_reason: str = ""
    chased_at: dt.datetime | None = None
    lift_requested_at: dt.datetime | None = None
    lift_request: str = ""
    told_at: dt.datetime | None = None  # the city's duty officers told of it (None: not yet)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiftRequest:
    """A city's request (请示) to lift a 调度令 early: a document of its own, numbered in the
    city's yearly sequence, signed by whoever asked (签发人)."""

    province: str
    ref: int
    number: str
    reason: str
    requested_by: str
    requested_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Forwarding:
    """One city of an issued 调度令 at the province: when the order (and its lifting) reached it."""

    ref: int
    city: str
    forwarded_at: dt.datetime | None
    lift_forwarded_at: dt.datetime | None
    chased_at: dt.datetime | None
