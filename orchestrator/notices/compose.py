"""Every notice of an alert revision composed as its template context (pure): the main document
(bulletin, adjust or lift notice), the public message, the SMS, the CAP 1.2 message and the frame
every dispatch order of the revision shares. Rendering them is :mod:`orchestrator.notices.service`'s."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.alerts.model import AlertLevel, graded
from orchestrator.network.model import Matrix, UnitKind
from orchestrator.network.tasks import Item, ItemKind, TaskSheet, changes
from orchestrator.notices.contexts import (
    CAP_SEVERITY,
    HEALTH_ADVICE,
    RESPONSE,
    AdjustContext,
    AdverseContext,
    BulletinContext,
    CapContext,
    Directed,
    Header,
    LiftContext,
    OrderFrame,
    PublicContext,
    SmsContext,
    TaskContext,
    TaskDuty,
    TaskRow,
    cn_time,
    mode_counts,
)
from orchestrator.notices.links import LinkSigner
from orchestrator.notices.model import NoticeKind
from orchestrator.response.config import Office
from orchestrator.response.model import AlertRevision, RevisionKind, area_label

ORDER_TEMPLATE = "notices/dispatch_order.html"
ORDER_BLOCK = "enterprise"  # the part of an order that names the enterprise


@dataclass(frozen=True, slots=True)
class Document:
    """A city-wide document to render: its kind, file name, template and context."""

    kind: NoticeKind
    filename: str
    template: str
    context: Any


def cap_identifier(office: Office, issued_at: dt.datetime, seq: int) -> str:
    """GB/T 35965.1 layout: admin code, sector, unit, extension, Beijing time, sequence."""
    beijing = issued_at.astimezone(ZoneInfo("Asia/Shanghai"))
    cap = office.cap
    return (
        f"{office.region_code}{cap.sector_code}{cap.unit_code}{cap.extension_code}"
        f"{beijing:%Y%m%d%H%M%S}{seq:04d}"
    )


def _seq(document_number: str) -> int:
    return int(document_number.split("〕")[1].rstrip("号"))


def sentence(reason: str) -> str:
    return f"{reason}。" if reason and not reason.endswith("。") else reason


def header(rev: AlertRevision, office: Office, zone: ZoneInfo) -> Header:
    """The header of an issued revision's documents: issuer, number, date of issue."""
    assert rev.document_number is not None
    assert rev.state.issued_at is not None
    issued = rev.state.issued_at.astimezone(zone)
    return Header(
        issuer=office.issuer,
        document_number=rev.document_number,
        region_name=office.region_name,
        issued_on=f"{issued.year}年{issued.month}月{issued.day}日",
        copy_to=office.copy_to,
        printed_by=office.printed_by or office.issuer,
    )


def preview_header(office: Office, today: dt.date) -> Header:
    """The header of a bulletin previewed before issue: its number left for issue."""
    return Header(
        issuer=office.issuer,
        document_number=f"{office.code}〔{today.year}〕（发布时编号）",
        region_name=office.region_name,
        issued_on=f"{today.year}年{today.month}月{today.day}日",
        copy_to=office.copy_to,
        printed_by=office.printed_by or office.issuer,
    )


def addressees(office: Office, network: Matrix | None) -> str:
    """主送: from the response network when the city has one (its counties, then its member
    units by name), else the office's configured addressees."""
    if network is None:
        return office.addressees
    members = [u.name for u in network.units if u.kind is UnitKind.MEMBER]
    counties = any(u.kind is UnitKind.COUNTY for u in network.units)
    head = "各县（市、区）人民政府" if counties else ""
    return "，".join(x for x in (head, "、".join(members)) if x) or office.addressees


def work_duties(
    network: Matrix | None, level: AlertLevel
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """工作要求 by the responsibility matrix: each member unit's duties at ``level``, then those of
    every county and every township (as their kind's duties, once)."""
    if network is None or not level.colour:
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    for u in network.units:
        own = network.duties_of(u.id, level)
        if u.kind is UnitKind.MEMBER and own:
            out.append((u.name, tuple(d.text for d in own)))
    for kind, who in (
        (UnitKind.COUNTY, "各县（市、区）人民政府"),
        (UnitKind.TOWNSHIP, "各乡镇（街道）"),
    ):
        shared = tuple(
            dict.fromkeys(
                d.text
                for u in network.units
                if u.kind is kind
                for d in network.duties_of(u.id, level)
            )
        )
        if shared:
            out.append((who, shared))
    return tuple(out)


def bulletin(
    head: Header,
    rev: AlertRevision,
    by_mode: Mapping[str, int],
    office: Office,
    zone: ZoneInfo,
    network: Matrix | None = None,
    directed: Directed = (),
) -> BulletinContext:
    """The bulletin of an ISSUE revision (issued, or a draft being previewed); ``network``: the
    response network whose matrix gives its 主送 and 工作要求."""
    st = rev.state
    targets = rev.targets or {"species": {}}
    area = area_label(rev.counties, "")
    return BulletinContext(
        header=head,
        title=f"关于{f'在{area}' if area else ''}启动重污染天气{st.level.term}的通知",
        area=area,
        addressees=addressees(office, network),
        duties=work_duties(network, st.level),
        basis=sentence(rev.reason),
        level_label=st.level.label,
        response=RESPONSE[st.level],
        start=cn_time(st.start, zone),
        end=cn_time(st.end, zone) if st.end else "另行通知",
        enterprises=sum(by_mode.values()),
        by_mode=mode_counts(by_mode),
        reductions=tuple(
            (name, f"{v['reduction_kg_d'] / 1000:.2f}", f"{v['ratio']:.1%}")
            for name, v in targets["species"].items()
        ),
        public_advice=HEALTH_ADVICE[st.level],
        directed=directed,
    )


def adverse(
    head: Header, rev: AlertRevision, by_mode: Mapping[str, int], office: Office, zone: ZoneInfo
) -> AdverseContext:
    """The notice of the 不利气象条件应对 band (an ISSUE revision at the band): no list measures,
    the enterprises that agreed a reduction (``by_mode``: the band's plan holds only them) and the
    office's local measures."""
    st = rev.state
    return AdverseContext(
        header=head,
        title=f"关于开展{st.level.term}工作的通知",
        addressees=office.addressees,
        basis=sentence(rev.reason),
        start=cn_time(st.start, zone),
        end=cn_time(st.end, zone) if st.end else "另行通知",
        enterprises=sum(by_mode.values()),
        local_measures=office.local_measures,
        public_advice=HEALTH_ADVICE[st.level],
    )


def documents(
    rev: AlertRevision,
    previous: AlertRevision | None,
    head: Header,
    by_mode: Mapping[str, int],
    office: Office,
    zone: ZoneInfo,
    remaining: Sequence[str] = (),
    network: Matrix | None = None,
    directed: Directed = (),
) -> list[Document]:
    """The city-wide documents of an issued revision (``by_mode``: its plan's enterprises by
    mode; ``remaining``: for a lift, what still applies after it; ``directed``: what higher
    instructions binding its window add), main document first."""
    st = rev.state
    assert rev.document_number is not None
    start, end = cn_time(st.start, zone), (cn_time(st.end, zone) if st.end else "另行通知")
    out: list[Document] = []
    if st.kind is RevisionKind.ISSUE and not st.level.colour:
        out.append(
            Document(
                NoticeKind.ADVERSE,
                "adverse.html",
                "notices/adverse.html",
                adverse(head, rev, by_mode, office, zone),
            )
        )
    elif st.kind is RevisionKind.ISSUE:
        out.append(
            Document(
                NoticeKind.BULLETIN,
                "bulletin.html",
                "notices/bulletin.html",
                bulletin(head, rev, by_mode, office, zone, network, directed),
            )
        )
    elif st.kind is RevisionKind.LIFT:
        assert previous is not None
        assert previous.document_number is not None
        band = not previous.state.level.colour
        lift = LiftContext(
            header=head,
            title="关于结束不利气象条件应对的通知" if band else "关于解除重污染天气预警的通知",
            addressees=addressees(office, network),
            previous_number=previous.document_number,
            level_title=previous.state.level.full_term,
            band=band,
            lift_time=start,
            criterion=sentence(rev.reason),
            remaining=tuple(remaining),
            area=area_label(rev.counties, ""),
        )
        out.append(Document(NoticeKind.LIFT, "lift.html", "notices/lift.html", lift))
    else:
        assert previous is not None
        assert previous.document_number is not None
        subject = (
            "重污染天气预警"
            if st.level.colour or previous.state.level.colour
            else AlertLevel.ADVERSE.term
        )
        adjust = AdjustContext(
            header=head,
            title=f"关于{st.kind.label}{subject}的通知",
            addressees=addressees(office, network),
            previous_number=previous.document_number,
            previous_title=previous.state.level.full_term,
            subject=subject,
            action=st.kind.label,
            level_title=st.level.term,
            response=RESPONSE[st.level],
            start=start,
            end=end,
            reason=sentence(rev.reason),
            directed=directed,
            area=area_label(rev.counties, ""),
        )
        out.append(Document(NoticeKind.ADJUST, "adjust.html", "notices/adjust.html", adjust))
    lifted = st.kind is RevisionKind.LIFT
    shown = previous.state.level if lifted and previous else st.level
    public = PublicContext(
        region_name=office.region_name + area_label(rev.counties, ""),
        issuer=office.issuer,
        action=st.kind.label,
        level_title=shown.full_term,
        response=RESPONSE[shown],
        start=start,
        end=end,
        advice=HEALTH_ADVICE[st.level]
        if not lifted
        else "空气质量已好转，公众可恢复正常户外活动。",
    )
    out.append(Document(NoticeKind.PUBLIC, "public.txt", "notices/public.txt", public))
    sms = SmsContext(
        region_name=office.region_name + area_label(rev.counties, ""),
        action=st.kind.label,
        level_title=shown.full_term,
        band=not st.level.colour,
        start=start,
        end=end,
        document_number=rev.document_number,
    )
    out.append(Document(NoticeKind.SMS, "sms.txt", "notices/sms.txt", sms))
    out.append(
        Document(NoticeKind.CAP, "cap.xml", "notices/cap.xml", cap(rev, previous, office, zone))
    )
    return out


def cap(
    rev: AlertRevision, previous: AlertRevision | None, office: Office, zone: ZoneInfo
) -> CapContext:
    st = rev.state
    assert st.issued_at is not None
    assert rev.document_number is not None
    identifier = cap_identifier(office, st.issued_at, _seq(rev.document_number))
    references = None
    if (
        previous is not None
        and previous.state.issued_at is not None
        and previous.document_number is not None
    ):
        prev_id = cap_identifier(office, previous.state.issued_at, _seq(previous.document_number))
        references = (
            f"{office.cap.sender},{prev_id},{previous.state.issued_at.astimezone(zone).isoformat()}"
        )
    lifted = st.kind is RevisionKind.LIFT
    level = previous.state.level if lifted and previous else st.level
    msg_type = {RevisionKind.ISSUE: "Alert", RevisionKind.LIFT: "Cancel"}.get(st.kind, "Update")
    place = office.region_name + area_label(rev.counties, "")
    return CapContext(
        identifier=identifier,
        sender=office.cap.sender,
        sent=st.issued_at.astimezone(zone).isoformat(timespec="seconds"),
        msg_type=msg_type,
        references=references,
        event="重污染天气",
        urgency="Expected" if not lifted else "Past",
        severity=CAP_SEVERITY[level] if not lifted else "Minor",
        certainty="Likely" if not lifted else "Observed",
        effective=st.start.astimezone(zone).isoformat(timespec="seconds"),
        expires=st.end.astimezone(zone).isoformat(timespec="seconds") if st.end else None,
        sender_name=office.issuer,
        headline=f"{place}{st.kind.label}{level.full_term}",
        description=rev.reason or f"{place}{st.kind.label}{level.full_term}",
        instruction=HEALTH_ADVICE[level] if not lifted else f"{level.term}已解除。",
        parameters=(
            ("预警等级", level.label),
            *((("应急响应等级", f"{RESPONSE[level]}级"),) if RESPONSE[level] else ()),
            ("文号", rev.document_number),
        ),
        area_desc=place,
        geocode=office.region_code,
    )


def order_frame(
    rev: AlertRevision,
    head: Header,
    main: Document,
    office: Office,
    zone: ZoneInfo,
    links: LinkSigner,
) -> OrderFrame:
    """What every dispatch order of an issued revision shares: the notice ``main`` it carries
    out, cited by its title and number; each order its own number (``office.order_number``)."""
    st = rev.state
    assert st.issued_at is not None
    assert rev.document_number is not None
    return OrderFrame(
        header=head,
        cites=f"《{main.context.title}》（{rev.document_number}）",
        numbering=functools.partial(office.order_number_of, rev.document_number),
        level_title=st.level.full_term,
        band=not st.level.colour,
        response=RESPONSE[st.level],
        start=cn_time(st.start, zone),
        end=cn_time(st.end, zone) if st.end else "另行通知",
        receipt_deadline=cn_time(office.receipt_deadline(st.issued_at), zone),
        acknowledge_base=office.acknowledge_base,
        alert_id=rev.alert_id,
        link_expires=links.expiry(st.issued_at),
        signer=links,
        office_phone=office.phone,
        zone=zone,
        area=area_label(rev.counties, ""),
    )


TASK_TEMPLATE = "notices/task.html"


def _row(item: Item, before: str = "") -> TaskRow:
    place = f"{item.county}{item.town}" if item.kind is ItemKind.ENTERPRISE else item.county
    return TaskRow(name=item.name, place=place, detail=item.detail, measure=item.measure,
                   before=before)  # fmt: skip


def _by_town(items: Sequence[Item]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for i in items:
        counts[f"{i.county}{i.town}"] = counts.get(f"{i.county}{i.town}", 0) + 1
    return tuple(sorted(counts.items()))


def task(
    rev: AlertRevision,
    previous: AlertRevision | None,
    sheet: TaskSheet,
    before: TaskSheet | None,
    *,
    index: int,
    head: Header,
    main: Document,
    office: Office,
    zone: ZoneInfo,
    links: LinkSigner,
    listed: int,
    report_by: dt.time,
    remaining: Sequence[str] = (),
) -> TaskContext:
    """One unit's task notice of an issued revision: its duties and items at the level; on an
    adjustment what changed for it since ``before`` (its sheet under ``previous``); on a lift
    the duties that end, with what still applies."""
    st = rev.state
    assert st.issued_at is not None
    assert rev.document_number is not None
    start, end = cn_time(st.start, zone), (cn_time(st.end, zone) if st.end else "另行通知")
    cites = f"《{main.context.title}》（{rev.document_number}）"
    lifted = st.kind is RevisionKind.LIFT
    shown = before if lifted and before is not None else sheet
    level_title = graded(st.level, RESPONSE[st.level])
    if lifted:
        assert previous is not None
        title = "重污染天气应急响应任务解除通知"
        opening = (
            f"根据{cites}，全市自{start}起解除{previous.state.level.full_term}，终止应急响应。"
            "你单位下列应急任务自即日起停止执行"
            + ("，解除后仍然有效的要求见文末。" if remaining else "，转入常态化污染防治工作。")
        )
    elif st.kind is RevisionKind.ISSUE:
        title = "重污染天气应急响应任务单"
        opening = (
            f"根据{cites}，全市自{start}起启动{level_title}，预计持续至{end}。"
            "请你单位按以下任务组织落实："
        )
    else:
        assert previous is not None
        title = f"重污染天气应急响应任务单（{st.kind.label}）"
        was = graded(previous.state.level, RESPONSE[previous.state.level])
        what = "调整如下" if not sheet.empty else "全部停止执行"
        opening = (
            f"根据{cites}，全市自{start}起由{was}{st.kind.label}为{level_title}，"
            f"预计持续至{end}。你单位应急任务相应{what}："
        )
    diff = (
        changes(before, sheet) if st.kind not in (RevisionKind.ISSUE, RevisionKind.LIFT) else None
    )
    firms = shown.of_kind(ItemKind.ENTERPRISE) if not lifted else ()
    many = len(firms) > listed
    return TaskContext(
        header=head,
        number=office.task_number_of(rev.document_number, index),
        title=title,
        unit=sheet.unit.name,
        cites=cites,
        opening=opening,
        lifted=lifted,
        duties=tuple(TaskDuty(text=d.text, done=d.done, report=d.report) for d in shown.duties),
        duties_added=tuple(d.text for d in diff.duties_added) if diff and before else (),
        duties_ended=tuple(d.text for d in diff.duties_ended) if diff else (),
        dust_sites=tuple(_row(i) for i in shown.of_kind(ItemKind.DUST_SITE)) if not lifted else (),
        transport_users=tuple(_row(i) for i in shown.of_kind(ItemKind.TRANSPORT_USER))
        if not lifted
        else (),
        enterprises=() if many else tuple(_row(i) for i in firms),
        enterprises_by_town=_by_town(firms) if many else (),
        enterprise_count=len(firms),
        items_added=tuple(_row(i) for i in diff.items_added) if diff and before else (),
        items_removed=tuple(_row(i) for i in diff.items_removed) if diff else (),
        items_changed=tuple(_row(i, was) for i, was in diff.items_changed) if diff else (),
        remaining=tuple(remaining) if lifted else (),
        report_by=f"{report_by.hour}时" + (f"{report_by.minute}分" if report_by.minute else ""),
        receipt_deadline=cn_time(office.receipt_deadline(st.issued_at), zone),
        acknowledge_url=f"{office.acknowledge_base}/"
        + links.token(rev.alert_id, sheet.unit.uscc, links.expiry(st.issued_at)),
        office_phone=office.phone,
    )
