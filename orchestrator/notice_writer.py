"""Every notice of an issued alert revision, rendered once and stored: the bulletin or
adjust/lift notice, one dispatch order per enterprise, the public message, the SMS text and the
CAP 1.2 message; and writing them to a folder.

Dispatch orders are many (one per enterprise: 100,000 in a large province's list); they are
rendered by worker processes, chunk by chunk, while this process stores the chunks already done,
all in one transaction (bench/dispatch)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from jinja2 import Environment
from sqlalchemy import Connection, Engine, Text, cast, func, insert, select
from sqlalchemy.exc import IntegrityError

from orchestrator import command_office as office
from orchestrator.alerts.model import AlertLevel
from orchestrator.command_office import PlanSource, RevisionView
from orchestrator.config_files import Approvals
from orchestrator.db import lists as list_repo
from orchestrator.db.bulk import insert_rows, paused_gc
from orchestrator.db.database import make_engine
from orchestrator.db.tables import notices, order_frames
from orchestrator.emissions.model import CityProfile
from orchestrator.emissions.targets import check_reduction, species_json
from orchestrator.errors import OrchestratorError
from orchestrator.links import LinkSigner
from orchestrator.notices.alert_notices import (
    CAP_SEVERITY,
    HEALTH_ADVICE,
    RESPONSE,
    AdjustContext,
    BulletinContext,
    CapContext,
    Header,
    LiftContext,
    OrderFrame,
    PublicContext,
    SmsContext,
    cn_time,
    mode_counts,
    sms_text,
)
from orchestrator.notices.render import (
    NoticeEnvironment,
    frame_of,
    html_to_pdf,
    make_environment,
    render,
    render_many,
    render_parts,
)
from orchestrator.plans.lifecycle import RevisionKind, RevisionState, RevisionStatus


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


# orders; fewer are rendered in-process (a worker pool takes ≈ 0.5 s to start)
PARALLEL_FROM = 2_000
CHUNK = 2_000  # orders a worker renders per task, and rows per insert


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    kind: str  # bulletin, adjust, lift, order, public, sms, cap
    uscc: str  # "" for city-wide documents
    filename: str
    body: str


@dataclass(frozen=True, slots=True)
class NoticeSet:
    """The stored notices of one issued revision: its city-wide documents (main document first,
    then public message, SMS, CAP) and how many dispatch orders (read with :func:`orders`)."""

    revision_id: int
    documents: list[NoticeRecord]
    orders: int

    def __len__(self) -> int:
        return len(self.documents) + self.orders


def ensure_notices(
    engine: Engine,
    alert_id: int,
    *,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
    links: LinkSigner,
    workers: int | None = None,
) -> NoticeSet:
    """The notices of the alert's newest issued revision: rendered and stored once (one per
    revision, enterprise and kind, in one transaction), then always read back as stored.

    Dispatch orders are rendered by ``workers`` processes (default: one per CPU from
    :data:`PARALLEL_FROM` orders on, else in this process)."""
    rev, previous = _newest_issued(engine, alert_id)
    if not _count(engine, rev.revision_id):  # render once; what was stored is what was sent
        _render_and_store(
            engine,
            alert_id,
            rev,
            previous,
            env=env,
            city=city,
            approvals=approvals,
            zone=zone,
            links=links,
            workers=workers,
        )
    with engine.connect() as conn:
        rows = conn.execute(
            select(notices.c.kind, notices.c.uscc, notices.c.filename, notices.c.body).where(
                notices.c.revision_id == rev.revision_id, notices.c.kind != "order"
            )
        ).all()
    documents = sorted((NoticeRecord(*r) for r in rows), key=lambda r: _ORDER[r.kind])
    return NoticeSet(rev.revision_id, documents, _count(engine, rev.revision_id, "order"))


def orders(
    engine: Engine, revision_id: int, uscc: Collection[str] = (), batch: int = 1_000
) -> Iterator[NoticeRecord]:
    """The stored dispatch orders of a revision (only those of ``uscc`` if given), by USCC,
    streamed ``batch`` rows at a time."""
    query = (
        select(notices.c.kind, notices.c.uscc, notices.c.filename, notices.c.body)
        .where(notices.c.revision_id == revision_id, notices.c.kind == "order")
        .order_by(notices.c.uscc)
    )
    if uscc:
        query = query.where(notices.c.uscc.in_(sorted(uscc)))
    with engine.connect() as conn:
        frame = conn.execute(
            select(order_frames.c.prefix, order_frames.c.suffix).where(
                order_frames.c.revision_id == revision_id
            )
        ).first()
        prefix, suffix = frame if frame is not None else ("", "")
        for kind, u, filename, part in conn.execution_options(yield_per=batch).execute(query):
            yield NoticeRecord(kind, u, filename, prefix + part + suffix)


def write_notices(
    engine: Engine,
    alert_id: int,
    out: Path,
    *,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
    links: LinkSigner,
    pdf_base: Path | None = None,
    pdf: bool = True,
    orders_pdf: bool = False,
    uscc: Collection[str] = (),
) -> Written:
    """Write the stored notices of the alert's newest issued revision into ``out``: the
    documents, and the dispatch orders under ``orders/`` (only those of ``uscc`` if given).

    With ``pdf_base`` (the templates folder, for stylesheets and fonts) PDFs are written too:
    the main document if ``pdf``, the written orders as one batched ``orders.pdf`` for printing
    if ``orders_pdf`` (≈ 0.1 s a page)."""
    found = ensure_notices(
        engine, alert_id, env=env, city=city, approvals=approvals, zone=zone, links=links
    )
    unknown = set(uscc) - _order_usccs(engine, found.revision_id, uscc)
    if unknown:
        raise NotIssued(f"本次预警没有发给以下企业的应急响应指令：{'、'.join(sorted(unknown))}")
    out.mkdir(parents=True, exist_ok=True)
    documents: list[Path] = []
    for r in found.documents:
        path = out / r.filename
        path.write_text(r.body, encoding="utf-8")
        documents.append(path)
    (out / "orders").mkdir(exist_ok=True)
    written = 0
    pages: list[str] = []
    for r in orders(engine, found.revision_id, uscc):
        (out / r.filename).write_text(r.body, encoding="utf-8")
        written += 1
        if orders_pdf:
            pages.append(r.body)
    if pdf_base is not None and pdf and documents:
        main = found.documents[0]
        target = out / f"{Path(main.filename).stem}.pdf"
        html_to_pdf([main.body], target, pdf_base)
        documents.append(target)
    if pdf_base is not None and pages:
        html_to_pdf(pages, out / "orders.pdf", pdf_base)
        documents.append(out / "orders.pdf")
    return Written(folder=out, documents=documents, orders=written)


_ORDER = {"bulletin": 0, "adjust": 0, "lift": 0, "public": 1, "sms": 2, "cap": 3}


def _newest_issued(engine: Engine, alert_id: int) -> tuple[RevisionView, RevisionView | None]:
    views = office.revisions(engine, alert_id)
    done = [
        v for v in views if v.document_number and v.state.status is not RevisionStatus.WITHDRAWN
    ]
    if not done:
        raise NotIssued(f"预警{alert_id}尚未发布，没有可生成的通知")
    return done[-1], (done[-2] if len(done) > 1 else None)


def _order_usccs(engine: Engine, revision_id: int, uscc: Collection[str]) -> set[str]:
    """Which of ``uscc`` have a stored order (their USCCs only, not the orders)."""
    if not uscc:
        return set()
    with engine.connect() as conn:
        return set(
            conn.execute(
                select(notices.c.uscc).where(
                    notices.c.revision_id == revision_id,
                    notices.c.kind == "order",
                    notices.c.uscc.in_(sorted(uscc)),
                )
            ).scalars()
        )


def _count(engine: Engine, revision_id: int, kind: str | None = None) -> int:
    query = select(func.count()).select_from(notices).where(notices.c.revision_id == revision_id)
    if kind is not None:
        query = query.where(notices.c.kind == kind)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def _render_and_store(
    engine: Engine,
    alert_id: int,
    rev: RevisionView,
    previous: RevisionView | None,
    *,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
    links: LinkSigner,
    workers: int | None,
) -> None:
    """Render every notice of ``rev`` and store them in one transaction; if another process
    stored them first, theirs stand (unique per revision, enterprise and kind)."""
    st = rev.state
    assert st.issued_at is not None
    now = st.issued_at

    def store(conn: Connection, records: Iterable[tuple[str, str, str, str]]) -> None:
        insert_rows(
            conn,
            notices,
            ("kind", "uscc", "filename", "body"),
            records,
            constants={"revision_id": rev.revision_id, "created_at": now},
        )

    try:
        with (
            engine.begin() as conn,
            _OrderRenderer(
                engine, env, office.plan_size(conn, rev.revision_id), workers
            ) as renderer,
        ):
            source = PlanSource.of(conn, rev.revision_id)
            ids = list(
                conn.execute(
                    select(source.ordinal).where(source.where).order_by(source.ordinal)
                ).scalars()
            )
            chunks = [
                PlanChunk(rev.revision_id, ids[i], ids[min(i + CHUNK, len(ids)) - 1])
                for i in range(0, len(ids), CHUNK)
            ]
            by_mode = _by_mode(conn, source)
            header = _header(rev, approvals, city, zone)
            docs = _compose(
                alert_id,
                rev,
                previous,
                header,
                by_mode,
                env=env,
                city=city,
                approvals=approvals,
                zone=zone,
            )
            store(conn, ((r.kind, "", r.filename, r.body) for r in docs))
            frame = _order_frame(alert_id, rev, header, approvals, zone, links)
            outline = frame_of(env, ORDER_TEMPLATE, ORDER_BLOCK, frame.shared())
            if ids:  # stored once; each order's row then holds only its enterprise's part
                prefix, suffix = outline or ("", "")
                conn.execute(
                    insert(order_frames).values(
                        revision_id=rev.revision_id, prefix=prefix, suffix=suffix
                    )
                )
            varying = ORDER_BLOCK if outline else None
            for usccs, bodies in renderer.render(conn, chunks, frame, varying):
                store(
                    conn,
                    (
                        ("order", u, f"orders/{u}.html", b)
                        for u, b in zip(usccs, bodies, strict=True)
                    ),
                )
    except IntegrityError:
        pass


def _header(rev: RevisionView, approvals: Approvals, city: CityProfile, zone: ZoneInfo) -> Header:
    assert rev.document_number is not None
    assert rev.state.issued_at is not None
    issued = rev.state.issued_at.astimezone(zone)
    return Header(
        issuer=approvals.issuer,
        document_number=rev.document_number,
        region_name=city.region_name,
        issued_on=f"{issued.year}年{issued.month}月{issued.day}日",
    )


def _order_frame(
    alert_id: int,
    rev: RevisionView,
    header: Header,
    approvals: Approvals,
    zone: ZoneInfo,
    links: LinkSigner,
) -> OrderFrame:
    st = rev.state
    assert st.issued_at is not None
    return OrderFrame(
        header=header,
        level_label=st.level.label,
        response=RESPONSE[st.level],
        start=cn_time(st.start, zone),
        end=cn_time(st.end, zone) if st.end else "另行通知",
        receipt_deadline=cn_time(
            st.issued_at + dt.timedelta(hours=approvals.notices["receipt_hours"]), zone
        ),
        acknowledge_base=approvals.notices["acknowledge_base_url"],
        alert_id=alert_id,
        link_expires=links.expiry(st.issued_at),
        signer=links,
        office_phone=approvals.notices["office_phone"],
    )


ORDER_TEMPLATE = "notices/dispatch_order.html"
ORDER_BLOCK = "enterprise"  # the part of an order that names the enterprise


def render_orders(env: Environment, frame: OrderFrame, records: Iterable[str]) -> list[str]:
    """Whole dispatch orders from frozen plan records (JSON text), one per enterprise."""
    return render_many(
        env,
        ORDER_TEMPLATE,
        (frame.context(orjson.loads(r)) for r in records),
        varying=ORDER_BLOCK,
        shared=frame.shared(),
    )


@dataclass(frozen=True, slots=True)
class PlanChunk:
    """Frozen plan entries ``first``…``last`` (ordinals) of a revision: one task of rendering."""

    revision_id: int
    first: int
    last: int

    def read(self, conn: Connection) -> list[tuple[str, dict[str, Any]]]:
        """(USCC, plan entry) in plan order (records decoded here, by orjson, not per row by
        the driver: this runs in the render workers)."""
        source = PlanSource.of(conn, self.revision_id)
        t = source.table
        return [
            (uscc, source.entry(orjson.loads(record)))
            for uscc, record in conn.execute(
                select(t.c.uscc, cast(t.c.record, Text))
                .where(source.where, source.ordinal.between(self.first, self.last))
                .order_by(source.ordinal)
            )
        ]


def _order_parts(
    conn: Connection, chunk: PlanChunk, env: Environment, frame: OrderFrame, varying: str | None
) -> tuple[list[str], list[str]]:
    with paused_gc():  # thousands of acyclic objects a chunk: collections would cost 20 %
        plan = chunk.read(conn)
        contexts = (frame.context(entry) for _, entry in plan)
        return [u for u, _ in plan], render_parts(env, ORDER_TEMPLATE, contexts, varying)


class _OrderRenderer:
    """Renders chunks of dispatch orders in plan order: in worker processes when there are many
    (each reads its chunk of the frozen plan, committed at approval, through its own connection,
    while this process stores the chunks already done), else in this process.

    The workers are started on entering, so that they boot while this process prepares."""

    def __init__(self, engine: Engine, env: Environment, orders: int, workers: int | None):
        n = workers if workers is not None else (os.cpu_count() or 1)
        if workers is None and orders < PARALLEL_FROM:
            n = 1
        url = engine.url
        in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        self.engine, self.env = engine, env
        self.pool: ProcessPoolExecutor | None = None
        if n > 1 and not in_memory and isinstance(env, NoticeEnvironment):
            # forkserver: workers start from a clean process, never from a copy of one that may
            # hold threads (web server, scheduler) and their locks.
            mp = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(n, mp_context=mp)
            for _ in range(n):
                self.pool.submit(int)  # boot the workers now

    def __enter__(self) -> _OrderRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def render(
        self, conn: Connection, chunks: list[PlanChunk], frame: OrderFrame, varying: str | None
    ) -> Iterator[tuple[list[str], list[str]]]:
        """(USCCs, rendered parts) chunk by chunk, in plan order; in this process through
        ``conn``, the storing transaction's own connection."""
        if self.pool is None:
            for chunk in chunks:
                yield _order_parts(conn, chunk, self.env, frame, varying)
            return
        assert isinstance(self.env, NoticeEnvironment)
        yield from self.pool.map(
            _render_in_worker,
            repeat(self.engine.url.render_as_string(hide_password=False)),
            repeat((*self.env.folders, self.env.drill)),
            repeat(frame),
            repeat(varying),
            chunks,
        )


_worker_state: dict[tuple[str, tuple[Path, Path | None, bool]], tuple[Engine, Environment]] = {}


def _render_in_worker(
    url: str,
    folders: tuple[Path, Path | None, bool],
    frame: OrderFrame,
    varying: str | None,
    chunk: PlanChunk,
) -> tuple[list[str], list[str]]:
    state = _worker_state.get((url, folders))
    if state is None:
        state = _worker_state[(url, folders)] = (
            make_engine(url),
            make_environment(folders[0], folders[1], auto_reload=False, drill=folders[2]),
        )
    engine, env = state
    with engine.connect() as conn:
        return _order_parts(conn, chunk, env, frame, varying)


def _by_mode(conn: Connection, source: PlanSource) -> Counter[str]:
    """A plan's enterprises by mode (自主减排, …), as the bulletin counts them."""
    return Counter(
        dict(
            conn.execute(
                select(source.table.c.mode, func.count())
                .where(source.where)
                .group_by(source.table.c.mode)
            ).all()
        )
    )


def _bulletin(
    header: Header,
    rev: RevisionView,
    by_mode: Counter[str],
    *,
    approvals: Approvals,
    zone: ZoneInfo,
) -> BulletinContext:
    """The bulletin of an ISSUE revision (issued, or a draft being previewed)."""
    st = rev.state
    targets = rev.targets or {"species": {}}
    return BulletinContext(
        header=header,
        title=f"关于启动重污染天气{st.level.label}预警的通知",
        addressees=approvals.notices["addressees"],
        basis=f"{rev.reason}。" if rev.reason and not rev.reason.endswith("。") else rev.reason,
        level_label=st.level.label,
        response=RESPONSE[st.level],
        start=cn_time(st.start, zone),
        end=cn_time(st.end, zone) if st.end else "另行通知",
        enterprises=by_mode.total(),
        by_mode=mode_counts(by_mode),
        reductions=tuple(
            (name, f"{v['reduction_kg_d']:g}", f"{v['ratio']:.1%}")
            for name, v in targets["species"].items()
        ),
        public_advice=HEALTH_ADVICE[st.level],
    )


def preview_bulletin(
    engine: Engine,
    *,
    region: str,
    level: AlertLevel,
    start: dt.datetime,
    end: dt.datetime | None,
    reason: str,
    now: dt.datetime,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
) -> str:
    """The bulletin a draft would be issued with, under the list in force on its first day: its
    plan's enterprises and reductions, the number left for issue (``〔待编号〕``). Nothing is
    stored. Raises :class:`~orchestrator.db.lists.RevisionNotFound` with no list in force."""
    with engine.connect() as conn:
        number = list_repo.in_force(conn, region, start.astimezone(zone).date())
        plan_id, achieved = list_repo.level_plan(conn, region, number, level)
        source = PlanSource.of_list_plan(conn, plan_id)
        by_mode = _by_mode(conn, source)
    check = check_reduction(achieved, city)
    state = RevisionState(
        number=1,
        kind=RevisionKind.ISSUE,
        level=level,
        start=start,
        end=end,
        status=RevisionStatus.DRAFT,
        drafted_by="",
    )
    rev = RevisionView(
        0, 0, state, reason, None, number, {"met": check.met, "species": species_json(check)}
    )
    today = now.astimezone(zone)
    header = Header(
        issuer=approvals.issuer,
        document_number=f"{approvals.issuer_code}〔{today.year}〕（发布时编号）",
        region_name=city.region_name,
        issued_on=f"{today.year}年{today.month}月{today.day}日",
    )
    return render(
        env,
        "notices/bulletin.html",
        _bulletin(header, rev, by_mode, approvals=approvals, zone=zone),
    )


def _compose(
    alert_id: int,
    rev: RevisionView,
    previous: RevisionView | None,
    header: Header,
    by_mode: Counter[str],
    *,
    env: Environment,
    city: CityProfile,
    approvals: Approvals,
    zone: ZoneInfo,
) -> list[NoticeRecord]:
    """Render the city-wide documents of ``rev`` (``by_mode``: its plan's enterprises by mode)."""
    st = rev.state
    assert rev.document_number is not None
    assert st.issued_at is not None
    start, end = cn_time(st.start, zone), (cn_time(st.end, zone) if st.end else "另行通知")
    records: list[NoticeRecord] = []

    def put(name: str, text: str) -> None:
        records.append(NoticeRecord(kind=name.split(".")[0], uscc="", filename=name, body=text))

    if st.kind is RevisionKind.ISSUE:
        put(
            "bulletin.html",
            render(
                env,
                "notices/bulletin.html",
                _bulletin(header, rev, by_mode, approvals=approvals, zone=zone),
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
