"""Template contexts: the documented contract of every template in ``templates/`` — what it may
use, nothing more. Each is a frozen dataclass; templates format, they never decide policy (levels,
measures, numbers and times are decided here and in the core). Golden-file tests pin the output
of each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel, RegionalHint
from orchestrator.emissions.model import Enterprise, Line
from orchestrator.emissions.plans import PlanMode
from orchestrator.notices.links import LinkSigner

RESPONSE = {
    AlertLevel.ADVERSE: "",  # the band below the colours is no emergency response
    AlertLevel.YELLOW: "Ⅲ",
    AlertLevel.ORANGE: "Ⅱ",
    AlertLevel.RED: "Ⅰ",
    AlertLevel.BLUE: "Ⅳ",
}
# CAP 1.2 severity by level: yellow Moderate, orange Severe, red Extreme.
CAP_SEVERITY = {
    AlertLevel.ADVERSE: "Minor",
    AlertLevel.BLUE: "Minor",
    AlertLevel.YELLOW: "Moderate",
    AlertLevel.ORANGE: "Severe",
    AlertLevel.RED: "Extreme",
}
SMS_SEGMENT = 70
SMS_MAX_SEGMENTS = 3


def cn_time(t: dt.datetime, zone: ZoneInfo) -> str:
    """2026年1月6日0时 — the way notices write times."""
    t = t.astimezone(zone)
    minute = f"{t.minute}分" if t.minute else ""
    return f"{t.year}年{t.month}月{t.day}日{t.hour}时{minute}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """What every document carries: who issues it, its number and date."""

    issuer: str
    document_number: str
    region_name: str
    issued_on: str  # 2026年1月4日 (成文日期, and the 印发日期 of the 版记)
    copy_to: str = ""  # 版记: 抄送机关 ("" none)
    printed_by: str = ""  # 版记: 印发机关


#: The measures higher instructions add to an alert: (issuer, document number, measures) each.
Directed = tuple[tuple[str, str, tuple[str, ...]], ...]


def directed_by(
    hints: Iterable[RegionalHint], start: dt.datetime, end: dt.datetime | None
) -> Directed:
    """The measures of the hints (调度令 received, instructions recorded) whose window meets
    ``[start, end)``, in the order they were recorded."""
    return tuple(
        (h.issuer, h.document, h.measures)
        for h in hints
        if h.measures and h.end > start and (end is None or h.start < end)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class BulletinContext:
    """预警发布通知 (templates/notices/bulletin.html)."""

    header: Header
    title: str
    addressees: str
    basis: str
    level_label: str
    response: str
    start: str
    end: str  # a time or 另行通知
    enterprises: int
    by_mode: tuple[tuple[str, int], ...]  # (自主减排, 23), …
    reductions: tuple[tuple[str, str, str], ...]  # (SO2, 13.53 t/d, 21.1%)
    public_advice: str
    # 工作要求 by the responsibility matrix: (unit, its duties), none without a response network
    duties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    directed: Directed = ()  # what higher instructions (调度令) binding its window add
    area: str = ""  # an alert of named counties: 北山县、南川县 (the whole city: "")


@dataclass(frozen=True, slots=True, kw_only=True)
class BasisContext:
    """The basis of an alert notice (templates/notices/basis.txt), as an office writes it from
    the consultation's facts: who consulted when, what is forecast, which condition of which
    plan is met. The decision engine's trace is not here: it stays in the console and the
    audit log."""

    action: str  # issue / upgrade / downgrade / extend / lift
    consulted_on: str  # 1月4日
    consulted_by: str  # 市重污染天气应急指挥部办公室会同市气象局
    period: str  # 1月6日至1月8日 ("" for a lift)
    daily_aqi: tuple[int, ...]  # the forecast daily AQI of the deciding windows
    peak_category: str  # 重度污染 ("" when none)
    primary: str  # 细颗粒物（PM2.5） ("" when the forecast names none)
    condition: str  # 日AQI>200持续48小时 ("" when none)
    plan_title: str  # 示例市重污染天气应急预案
    plan_document: str  # 示政办发〔2024〕12号
    level_term: str  # 橙色预警 (the level reached; the level lifted for a lift)
    previous_term: str  # the level in force before an adjustment or lift ("" for a new alert)


@dataclass(frozen=True, slots=True, kw_only=True)
class AdverseContext:
    """不利气象条件应对通知 (templates/notices/adverse.html): the band below the colours, taken
    on higher instruction — no list measures, the negotiated reductions and local measures."""

    header: Header
    title: str
    addressees: str
    basis: str
    start: str
    end: str  # a time or 另行通知
    enterprises: int  # the enterprises that agreed a reduction
    local_measures: tuple[str, ...]
    public_advice: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderLine:
    name: str
    measure: str
    kind: str
    check_method: str
    meter_no: str
    limit: str = ""  # a 限产's output cap on its base (where the line's table makes it binding)


def output_cap(line: Mapping[str, Any]) -> str:
    """The output a plan record's line may not exceed under its 限产 ("" when its measure is no
    限产 or its capacities do not bind)."""
    m, base = line.get("measure"), line.get("base")
    if not m or not base or m.get("kind") != "limit" or m.get("value") is None:
        return ""
    value, unit, cut = float(base[0]), str(base[1]), float(m["value"])
    cap = round(value * (1 - cut / 100), 3)
    return (
        f"限产{cut:g}%后日产量不超过{cap:g}{unit}（基准{value:g}{unit}，"
        "取环评批复产能、许可产能、上年实际日均产量三者最小值）"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreedLine:
    """A negotiated reduction (协商减排) as its enterprise's order states it."""

    lines: str  # 1#机组、2#机组
    measure: str
    period: str  # 2026年1月6日0时至2026年1月9日0时
    reference: str
    agreed_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchOrderContext:
    """应急响应指令 to one enterprise (templates/notices/dispatch_order.html): a document of its
    own (``number``), carrying out the notice ``cites`` (its title and number)."""

    header: Header
    number: str  # the order's own number (config/approval.toml notices.order_number)
    cites: str  # 《关于启动重污染天气橙色预警的通知》（示重污应急〔2026〕1号）
    enterprise: str
    uscc: str
    level_title: str  # 重污染天气橙色预警, or 不利气象条件应对
    band: bool  # the 不利气象条件应对 band: no list measures, only what was agreed
    response: str
    start: str
    end: str
    mode: str
    lines: tuple[OrderLine, ...]
    receipt_deadline: str
    acknowledge_url: str
    office_phone: str
    negotiated: tuple[AgreedLine, ...] = ()  # agreed beyond the lines' measures
    area: str = ""  # an alert of named counties: 北山县、南川县 (the whole city: "")


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFrame:
    """What every dispatch order of one revision shares; :meth:`context` adds one enterprise's
    part from its frozen plan record (``orchestrator.emissions.plans.entry_record``)."""

    header: Header
    cites: str  # the notice the orders carry out: 《title》（number）
    numbering: Callable[[int], str]  # the order's own number by its place in the plan (from 1)
    level_title: str
    band: bool
    response: str
    start: str
    end: str
    receipt_deadline: str
    acknowledge_base: str  # the enterprise's signed token is appended
    alert_id: int
    link_expires: int  # Unix seconds
    signer: LinkSigner
    office_phone: str
    zone: ZoneInfo  # the negotiated reductions' periods are written in it
    area: str = ""  # an alert of named counties: 北山县、南川县 (the whole city: "")

    def shared(self) -> dict[str, Any]:
        """The order's fields that are the same for every enterprise (its frame)."""
        return {
            "header": self.header,
            "cites": self.cites,
            "level_title": self.level_title,
            "band": self.band,
            "response": self.response,
            "start": self.start,
            "end": self.end,
            "receipt_deadline": self.receipt_deadline,
            "office_phone": self.office_phone,
            "area": self.area,
        }

    def context(self, entry: dict[str, Any], index: int) -> DispatchOrderContext:
        """The ``index``-th order of the notice (from 1): ``entry``'s enterprise's."""
        return DispatchOrderContext(
            header=self.header,
            number=self.numbering(index),
            cites=self.cites,
            enterprise=entry["name"],
            uscc=entry["uscc"],
            level_title=self.level_title,
            band=self.band,
            response=self.response,
            start=self.start,
            end=self.end,
            mode=PlanMode(entry["mode"]).label,
            lines=tuple(
                OrderLine(
                    name=ln["name"],
                    measure=m["text"] if (m := ln["measure"]) else "—",
                    kind=m["kind"] if m else "",
                    check_method=ln["check_method"] or "现场检查",
                    meter_no=ln["meter_no"] or "—",
                    limit=output_cap(ln),
                )
                for ln in entry["lines"]
            ),
            receipt_deadline=self.receipt_deadline,
            acknowledge_url=f"{self.acknowledge_base}/"
            + self.signer.token(self.alert_id, entry["uscc"], self.link_expires),
            office_phone=self.office_phone,
            negotiated=tuple(
                AgreedLine(
                    lines="、".join(n["lines"]),
                    measure=n["measure"],
                    period=f"{cn_time(dt.datetime.fromisoformat(n['start']), self.zone)}至"
                    f"{cn_time(dt.datetime.fromisoformat(n['end']), self.zone)}",
                    reference=n["reference"],
                    agreed_by=n["agreed_by"],
                )
                for n in entry.get("negotiated", ())
            ),
            area=self.area,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRow:
    """One list item of a task notice: a site, a transport user or an enterprise."""

    name: str
    place: str  # 区县 (sites, users), 区县乡镇 (enterprises)
    detail: str  # site type, daily trips, grade
    measure: str
    before: str = ""  # an adjustment: its measure before


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDuty:
    text: str
    done: str  # what counts as done
    report: str  # the figure reported each day ("" none)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskContext:
    """应急响应任务单 to one unit of the response network (templates/notices/task.html): a
    document of its own (``number``) carrying out the notice ``cites``; on an adjustment what
    changed for the unit, on a lift the tasks that end."""

    header: Header
    number: str  # config/approval.toml notices.task_number
    title: str  # 重污染天气应急响应任务单, …（调整）, …任务解除通知
    unit: str  # 市住房和城乡建设局
    cites: str
    opening: str  # the sentence that says what the notice does, from when
    lifted: bool
    duties: tuple[TaskDuty, ...]  # in force now (a lift: those that end)
    duties_added: tuple[str, ...] = ()
    duties_ended: tuple[str, ...] = ()
    dust_sites: tuple[TaskRow, ...] = ()
    transport_users: tuple[TaskRow, ...] = ()
    enterprises: tuple[TaskRow, ...] = ()  # named, up to the matrix's limit
    enterprises_by_town: tuple[tuple[str, int], ...] = ()  # above it: (区县乡镇, count)
    enterprise_count: int = 0
    items_added: tuple[TaskRow, ...] = ()  # an adjustment
    items_removed: tuple[TaskRow, ...] = ()
    items_changed: tuple[TaskRow, ...] = ()
    remaining: tuple[str, ...] = ()  # a lift: what still applies
    report_by: str  # 16时
    receipt_deadline: str
    acknowledge_url: str
    office_phone: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustContext:
    """调整（升级/降级/延长）通知 (templates/notices/adjust.html)."""

    header: Header
    title: str  # 关于升级重污染天气预警的通知
    addressees: str
    previous_number: str
    previous_title: str  # what the previous notice started: 重污染天气黄色预警, 不利气象条件应对
    subject: str  # 重污染天气预警, or 不利气象条件应对 when neither side is a colour
    action: str  # 升级 / 降级 / 延长
    level_title: str  # 红色预警, or 不利气象条件应对
    response: str  # "" for the band
    start: str
    end: str
    reason: str
    directed: Directed = ()  # what higher instructions (调度令) binding its window add
    area: str = ""  # an alert of named counties: 北山县、南川县 (the whole city: "")


@dataclass(frozen=True, slots=True, kw_only=True)
class LiftContext:
    """解除通知 (templates/notices/lift.html): references the notice it ends, states the criterion
    and what still applies after it; only when nothing does may everyone resume."""

    header: Header
    title: str  # 关于解除重污染天气预警的通知, or 关于结束不利气象条件应对的通知
    addressees: str
    previous_number: str
    level_title: str  # what is lifted: 重污染天气黄色预警, or 不利气象条件应对
    band: bool  # lifting the 不利气象条件应对 band (结束, not 解除预警)
    lift_time: str
    criterion: str
    remaining: tuple[str, ...] = ()  # what still applies after the lift (hints, controls)
    area: str = ""  # an alert of named counties: 北山县、南川县 (the whole city: "")


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicContext:
    """Public message with health advice (templates/notices/public.txt)."""

    region_name: str
    issuer: str
    action: str
    level_title: str
    response: str  # "" for the band
    start: str
    end: str
    advice: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsContext:
    """SMS (templates/notices/sms.txt): at most three 70-character segments."""

    region_name: str
    action: str
    level_title: str
    band: bool
    start: str
    end: str
    document_number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CapContext:
    """OASIS CAP 1.2 message (templates/notices/cap.xml); identifier per GB/T 35965.1."""

    identifier: str
    sender: str
    sent: str
    msg_type: str  # Alert / Update / Cancel
    references: str | None  # "sender,identifier,sent" of the message this updates or cancels
    event: str
    urgency: str
    severity: str
    certainty: str
    effective: str
    expires: str | None
    sender_name: str
    headline: str
    description: str
    instruction: str
    parameters: tuple[tuple[str, str], ...]
    area_desc: str
    geocode: str


HEALTH_ADVICE = {
    AlertLevel.ADVERSE: "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外活动。",
    AlertLevel.YELLOW: "儿童、老年人及心脏病、呼吸系统疾病患者应减少户外活动；一般人群适量减少户外运动。",
    AlertLevel.ORANGE: "儿童、老年人及心脏病、呼吸系统疾病患者应留在室内，避免体力消耗；一般人群减少户外活动，外出时做好防护。",
    AlertLevel.RED: "儿童、老年人及心脏病、呼吸系统疾病患者应留在室内；一般人群避免户外活动；中小学、幼儿园停止户外活动。",
    AlertLevel.BLUE: "易感人群适当减少户外活动。",
}


_BULLETIN_MODES = {
    "list": "执行清单措施",
    "load_cap": "限负荷运行",
    "autonomous": "自主减排",
    "long_stopped": "保持停产",
}


def mode_counts(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """Enterprises per plan mode, as the bulletin lists them (modes with none left out)."""
    return tuple((label, counts[m]) for m, label in _BULLETIN_MODES.items() if counts.get(m))


def sms_text(ctx: SmsContext, rendered: str) -> str:
    """The rendered SMS, refused if it needs more than three segments."""
    text = rendered.strip()
    if len(text) > SMS_SEGMENT * SMS_MAX_SEGMENTS:
        raise ValueError(
            f"SMS text is {len(text)} characters, more than {SMS_MAX_SEGMENTS} segments"
        )
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderMessageContext:
    """Short form of a dispatch order for SMS and group robots
    (templates/notices/order_message.txt): what, where to read it, by when to sign."""

    region_name: str
    enterprise: str
    document_number: str
    action: str  # e.g. 自2026年1月6日0时起启动橙色预警（Ⅱ级应急响应）
    receipt_deadline: str
    link: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskMessageContext:
    """Short form of a unit's task notice for SMS and group robots
    (templates/notices/task_message.txt)."""

    region_name: str
    unit: str
    document_number: str
    action: str
    receipt_deadline: str
    link: str
    lifted: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlNoticeContext:
    """A recurring control's notice to one enterprise (templates/controls/notice.html)."""

    header: Header
    title: str
    enterprise: str
    uscc: str
    grade: str
    basis: str
    period: str
    window: str  # "" when the measures apply all day
    lines: tuple[Mapping[str, str], ...]  # name, industry, measure, check_method, meter_no
    requirements: tuple[str, ...]
    receipt_deadline: str
    acknowledge_url: str
    office_phone: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlMessageContext:
    """Short form of a recurring-control notice for SMS and group robots
    (templates/controls/message.txt)."""

    region_name: str
    enterprise: str
    name: str  # the control's name, e.g. 秋冬季错峰生产
    title: str
    period: str
    receipt_deadline: str
    link: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CountyReportContext:
    """Overdue acknowledgements reported to a county's contact
    (templates/notices/county_report.txt); the first line stands alone as an SMS."""

    region_name: str
    topic: str  # 重污染天气应急, or the control's name
    county: str
    as_of: str
    document: str  # 应急响应指令（number） or the control notice's title
    firms: tuple[tuple[str, str], ...]  # (USCC, name)
    office_phone: str


# --- 一厂一策 notice boards ------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardMeasure:
    level_label: str  # 黄色 / 橙色 / 红色
    text: str
    kind_label: str


def _board_measure(line: Line, level: AlertLevel) -> BoardMeasure:
    m = line.measure(level)
    if m is None:
        return BoardMeasure(level_label=level.label, text="—", kind_label="")
    return BoardMeasure(level_label=level.label, text=m.text, kind_label=m.kind.label)


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardLine:
    name: str
    industry: str
    measures: tuple[BoardMeasure, ...]
    check_method: str
    meter_no: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeBoardContext:
    """一厂一策公示牌 of one enterprise (template ``boards/notice_board.html``)."""

    region_name: str
    enterprise_name: str
    uscc: str
    county: str
    grade: str
    category: str
    permit_no: str
    contact: str
    phone: str
    lines: tuple[BoardLine, ...]
    revision: int
    effective_from: dt.date
    supervisor_phone: str = "12369"

    @classmethod
    def of(
        cls, e: Enterprise, *, region_name: str, revision: int, effective_from: dt.date
    ) -> NoticeBoardContext:
        return cls(
            region_name=region_name,
            enterprise_name=e.name,
            uscc=e.uscc,
            county=e.county,
            grade=e.grade.value,
            category=e.category.value,
            permit_no=e.permit_no or "—",
            contact=e.contact,
            phone=e.phone,
            lines=tuple(
                BoardLine(
                    name=ln.name,
                    industry=ln.industry,
                    measures=tuple(_board_measure(ln, lv) for lv in ALERT_LEVELS),
                    check_method=ln.check_method or "现场检查",
                    meter_no=ln.meter_no or "—",
                )
                for ln in e.lines
            ),
            revision=revision,
            effective_from=effective_from,
        )
