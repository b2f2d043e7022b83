"""Writes every notice of an alert revision to a folder: bulletin or adjust/lift notice, one
dispatch order per enterprise, the public message, the SMS text and the CAP 1.2 message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from orchestrator import command_office as office
from orchestrator.command_office import RevisionView
from orchestrator.config_files import Approvals
from orchestrator.db.tables import notices
from orchestrator.emissions.model import CityProfile
from orchestrator.errors import OrchestratorError
from orchestrator.notices.alert_notices import (
    CAP_SEVERITY,
    HEALTH_ADVICE,
    RESPONSE,
    AdjustContext,
    BulletinContext,
    CapContext,
    DispatchOrderContext,
    Header,
    LiftContext,
    OrderLine,
    PublicContext,
    SmsContext,
    cn_time,
    mode_counts,
    sms_text,
)
from orchestrator.notices.render import html_to_pdf, render
from orchestrator.plans.dispatch import PlanMode
from orchestrator.plans.lifecycle import RevisionKind, RevisionStatus


class NotIssued(OrchestratorError):
    """Raised when notices are asked for an alert with no issued revision."""


@dataclass(frozen=True, slots=True)
class Written:
    folder: Path
    documents: list[Path]
    orders: int


def cap_identifier(region_code: str, cap: dict[str, str], issued_at: dt.datetime, seq: int) -> str:
    """GB/T 35965.1 layout: admin code, sector, unit, extension, Beijing time, sequence."""
    beijing = issued_at.astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{region_code}{cap['sector_code']}{cap['unit_code']}{cap['extension_code']}{beijing:%Y%m%d%H%M%S}{seq:04d}"


def _seq(document_number: str) -> int:
    return int(document_number.split("〕")[1].rstrip("号"))


def ensure_notices(
    engine: Engine,
    alert_id: int,
    *,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
) -> list[NoticeRecord]:
    """The notices of the alert's newest issued revision: rendered and stored once (one per
    revision, enterprise and kind), then always read back as stored."""
    views = office.revisions(engine, alert_id)
    done = [
        v for v in views if v.document_number and v.state.status is not RevisionStatus.WITHDRAWN
    ]
    if not done:
        raise NotIssued(f"预警{alert_id}尚未发布，没有可生成的通知")
    rev = done[-1]
    previous = done[-2] if len(done) > 1 else None
    st = rev.state
    assert rev.document_number is not None
    assert st.issued_at is not None
    header = Header(
        issuer=approvals.issuer,
        document_number=rev.document_number,
        region_name=city.region_name,
        issued_on=f"{st.issued_at.astimezone(zone):%Y}年{st.issued_at.astimezone(zone).month}月{st.issued_at.astimezone(zone).day}日",
    )
    records = _stored(engine, rev.revision_id)
    if not records:  # render once; what was stored is the record of what was sent
        records = _compose(
            engine,
            alert_id,
            rev,
            previous,
            header,
            env=env,
            city=city,
            approvals=approvals,
            zone=zone,
        )
        _store(engine, rev.revision_id, records, now=st.issued_at)
        records = _stored(engine, rev.revision_id)
    return records


def write_notices(
    engine: Engine,
    alert_id: int,
    out: Path,
    *,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
    pdf_base: Path | None = None,
) -> Written:
    """Write the stored notices of the alert's newest issued revision into ``out``.

    ``pdf_base`` (the templates folder) also writes the main document as PDF."""
    records = ensure_notices(engine, alert_id, env=env, city=city, approvals=approvals, zone=zone)
    out.mkdir(parents=True, exist_ok=True)
    documents: list[Path] = []
    orders = 0
    for r in records:
        path = out / r.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(r.body, encoding="utf-8")
        if r.kind == "order":
            orders += 1
        else:
            documents.append(path)
    if pdf_base is not None and documents:
        main = documents[0]
        target = out / f"{main.stem}.pdf"
        html_to_pdf([main.read_text(encoding="utf-8")], target, pdf_base)
        documents.append(target)
    return Written(folder=out, documents=documents, orders=orders)


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    kind: str  # bulletin, adjust, lift, order, public, sms, cap
    uscc: str  # "" for city-wide documents
    filename: str
    body: str


_ORDER = {"bulletin": 0, "adjust": 0, "lift": 0, "public": 1, "sms": 2, "cap": 3, "order": 4}


def _stored(engine: Engine, revision_id: int) -> list[NoticeRecord]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(notices.c.kind, notices.c.uscc, notices.c.filename, notices.c.body).where(
                notices.c.revision_id == revision_id
            )
        ).all()
    recs = [NoticeRecord(kind=k, uscc=u, filename=f, body=b) for k, u, f, b in rows]
    return sorted(recs, key=lambda r: (_ORDER[r.kind], r.uscc))


def _store(
    engine: Engine, revision_id: int, records: list[NoticeRecord], *, now: dt.datetime
) -> None:
    """Bulk insert; if another process stored them first, theirs stand (unique per kind)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(notices),
                [
                    {
                        "revision_id": revision_id,
                        "uscc": r.uscc,
                        "kind": r.kind,
                        "filename": r.filename,
                        "body": r.body,
                        "created_at": now,
                    }
                    for r in records
                ],
            )
    except IntegrityError:
        pass


def _compose(
    engine: Engine,
    alert_id: int,
    rev: RevisionView,
    previous: RevisionView | None,
    header: Header,
    *,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
) -> list[NoticeRecord]:
    """Render every notice of ``rev``."""
    st = rev.state
    assert rev.document_number is not None
    assert st.issued_at is not None
    start, end = cn_time(st.start, zone), (cn_time(st.end, zone) if st.end else "另行通知")
    records: list[NoticeRecord] = []

    def put(name: str, text: str) -> None:
        records.append(NoticeRecord(kind=name.split(".")[0], uscc="", filename=name, body=text))

    entries = (
        office.frozen_plan(engine, rev.revision_id) if st.kind is not RevisionKind.LIFT else []
    )
    if st.kind is RevisionKind.ISSUE:
        targets = rev.targets or {"species": {}}
        put(
            "bulletin.html",
            render(
                env,
                "notices/bulletin.html",
                BulletinContext(
                    header=header,
                    title=f"关于启动重污染天气{st.level.label}预警的通知",
                    addressees=approvals.notices["addressees"],
                    basis=f"{rev.reason}。"
                    if rev.reason and not rev.reason.endswith("。")
                    else rev.reason,
                    level_label=st.level.label,
                    response=RESPONSE[st.level],
                    start=start,
                    end=end,
                    enterprises=len(entries),
                    by_mode=mode_counts(entries),
                    reductions=tuple(
                        (name, f"{v['reduction_kg_d']:g}", f"{v['ratio']:.1%}")
                        for name, v in targets["species"].items()
                    ),
                    public_advice=HEALTH_ADVICE[st.level],
                ),
            ),
        )
    elif st.kind is RevisionKind.LIFT:
        assert previous is not None
        assert previous.document_number is not None
        put(
            "lift.html",
            render(
                env,
                "notices/lift.html",
                LiftContext(
                    header=header,
                    previous_number=previous.document_number,
                    level_label=previous.state.level.label,
                    lift_time=start,
                    criterion=f"{rev.reason}。"
                    if rev.reason and not rev.reason.endswith("。")
                    else rev.reason,
                ),
            ),
        )
    else:
        assert previous is not None
        assert previous.document_number is not None
        put(
            "adjust.html",
            render(
                env,
                "notices/adjust.html",
                AdjustContext(
                    header=header,
                    previous_number=previous.document_number,
                    action=st.kind.label,
                    level_label=st.level.label,
                    response=RESPONSE[st.level],
                    start=start,
                    end=end,
                    reason=f"{rev.reason}。"
                    if rev.reason and not rev.reason.endswith("。")
                    else rev.reason,
                ),
            ),
        )
    # one dispatch order per enterprise
    deadline = cn_time(st.issued_at + dt.timedelta(hours=approvals.notices["receipt_hours"]), zone)
    for e in entries:
        page = render(
            env,
            "notices/dispatch_order.html",
            DispatchOrderContext(
                header=header,
                enterprise=e["name"],
                uscc=e["uscc"],
                level_label=st.level.label,
                response=RESPONSE[st.level],
                start=start,
                end=end,
                mode=PlanMode(e["mode"]).label,
                lines=tuple(
                    OrderLine(
                        name=ln["name"],
                        measure=ln["measure"]["text"] if ln["measure"] else "—",
                        kind=ln["measure"]["kind"] if ln["measure"] else "",
                        check_method=ln["check_method"] or "现场检查",
                        meter_no=ln["meter_no"] or "—",
                    )
                    for ln in e["lines"]
                ),
                receipt_deadline=deadline,
                acknowledge_url=f"{approvals.notices['acknowledge_base_url']}/{alert_id}/{st.number}/{e['uscc']}",
                office_phone=approvals.notices["office_phone"],
            ),
        )
        records.append(
            NoticeRecord(
                kind="order", uscc=e["uscc"], filename=f"orders/{e['uscc']}.html", body=page
            )
        )
    action = st.kind.label
    put(
        "public.txt",
        render(
            env,
            "notices/public.txt",
            PublicContext(
                region_name=city.region_name,
                issuer=approvals.issuer,
                action=action,
                level_label=(
                    previous.state.level if st.kind is RevisionKind.LIFT and previous else st.level
                ).label,
                response=RESPONSE[st.level],
                start=start,
                end=end,
                advice=HEALTH_ADVICE[st.level]
                if st.kind is not RevisionKind.LIFT
                else "空气质量已好转，公众可恢复正常户外活动。",
            ),
        ),
    )
    sms = SmsContext(
        region_name=city.region_name,
        action=action,
        level_label=st.level.label,
        start=start,
        end=end,
        document_number=rev.document_number,
    )
    put("sms.txt", sms_text(sms, render(env, "notices/sms.txt", sms)) + "\n")
    put("cap.xml", render(env, "notices/cap.xml", _cap(rev, previous, city, approvals, zone)))
    return records


def _cap(
    rev: RevisionView,
    previous: RevisionView | None,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
) -> CapContext:
    st = rev.state
    assert st.issued_at is not None
    assert rev.document_number is not None
    cap = approvals.cap
    identifier = cap_identifier(city.region_code, cap, st.issued_at, _seq(rev.document_number))
    references = None
    if (
        previous is not None
        and previous.state.issued_at is not None
        and previous.document_number is not None
    ):
        prev_id = cap_identifier(
            city.region_code, cap, previous.state.issued_at, _seq(previous.document_number)
        )
        references = (
            f"{cap['sender']},{prev_id},{previous.state.issued_at.astimezone(zone).isoformat()}"
        )
    level = previous.state.level if st.kind is RevisionKind.LIFT and previous else st.level
    msg_type = {RevisionKind.ISSUE: "Alert", RevisionKind.LIFT: "Cancel"}.get(st.kind, "Update")
    return CapContext(
        identifier=identifier,
        sender=cap["sender"],
        sent=st.issued_at.astimezone(zone).isoformat(timespec="seconds"),
        msg_type=msg_type,
        references=references,
        event="重污染天气",
        urgency="Expected" if st.kind is not RevisionKind.LIFT else "Past",
        severity=CAP_SEVERITY[level] if st.kind is not RevisionKind.LIFT else "Minor",
        certainty="Likely" if st.kind is not RevisionKind.LIFT else "Observed",
        effective=st.start.astimezone(zone).isoformat(timespec="seconds"),
        expires=st.end.astimezone(zone).isoformat(timespec="seconds") if st.end else None,
        sender_name=approvals.issuer,
        headline=f"{city.region_name}{st.kind.label}重污染天气{level.label}预警",
        description=rev.reason or f"{city.region_name}{st.kind.label}重污染天气{level.label}预警",
        instruction=HEALTH_ADVICE[level] if st.kind is not RevisionKind.LIFT else "预警已解除。",
        parameters=(
            ("预警等级", level.label),
            ("应急响应等级", f"{RESPONSE[level]}级"),
            ("文号", rev.document_number),
        ),
        area_desc=city.region_name,
        geocode=city.region_code,
    )
