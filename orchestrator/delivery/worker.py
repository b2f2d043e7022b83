"""The delivery worker: puts issued notices into the outbox, chases overdue acknowledgements,
and sends what is due, in one or more threads; any number of workers may run against one
PostgreSQL outbox (``orchestrator deliver``)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment
from markupsafe import escape
from sqlalchemy import Engine, bindparam, or_, select

from orchestrator.alerts.model import AlertLevel
from orchestrator.clock import Clock
from orchestrator.db.tables import (
    alert_revisions,
    control_round_entries,
    control_rounds,
    deliveries,
    notices,
    order_frames,
)
from orchestrator.delivery import outbox
from orchestrator.delivery.channels import (
    Channel,
    FolderChannel,
    HttpClient,
    Message,
    SendError,
    make_channel,
)
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.links import LinkSigner
from orchestrator.notices.alert_notices import (
    RESPONSE,
    ControlMessageContext,
    CountyReportContext,
    OrderMessageContext,
    cn_time,
)
from orchestrator.notices.render import html_to_pdf, render
from orchestrator.plans.lifecycle import RevisionKind


@dataclass(frozen=True, slots=True)
class RevisionFacts:
    alert_id: int
    kind: RevisionKind
    level: AlertLevel
    start: dt.datetime
    issued_at: dt.datetime
    document_number: str
    prefix: str
    suffix: str


@dataclass(frozen=True, slots=True)
class RoundFacts:
    name: str  # the control's name
    title: str
    period: str
    issued_at: dt.datetime
    deadline: dt.datetime


@dataclass
class Stats:
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: str) -> None:
        with self.lock:
            self.counts[status] += 1

    def total(self) -> int:
        return self.counts.total()


class DeliveryWorker:
    def __init__(
        self,
        engine: Engine,
        *,
        config: DeliveryConfig,
        env: Environment,
        links: LinkSigner,
        clock: Clock,
        zone: ZoneInfo,
        region_name: str,
        acknowledge_base: str,
        office_phone: str,
        receipt_hours: float,
        root: Path,
        pdf_base: Path | None,
        name: str | None = None,
        batch: int = 20,
    ):
        self.engine, self.config, self.env, self.links = engine, config, env, links
        self.clock, self.zone, self.region_name = clock, zone, region_name
        self.acknowledge_base, self.office_phone = acknowledge_base, office_phone
        self.receipt_hours, self.root, self.pdf_base = receipt_hours, root, pdf_base
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.batch = batch
        self._facts: dict[int, RevisionFacts] = {}
        self._rounds: dict[int, RoundFacts] = {}

    # --- composing --------------------------------------------------------------------------

    def facts(self, revision_id: int) -> RevisionFacts:
        found = self._facts.get(revision_id)
        if found is None:
            r = alert_revisions.c
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(
                        r.alert_id, r.kind, r.level, r.start_at, r.issued_at, r.document_number
                    ).where(r.id == revision_id)
                ).one()
                frame = conn.execute(
                    select(order_frames.c.prefix, order_frames.c.suffix).where(
                        order_frames.c.revision_id == revision_id
                    )
                ).first()
            prefix, suffix = frame if frame is not None else ("", "")
            found = self._facts[revision_id] = RevisionFacts(
                row.alert_id,
                RevisionKind(row.kind),
                AlertLevel(row.level),
                row.start_at,
                row.issued_at,
                row.document_number,
                prefix,
                suffix,
            )
        return found

    def round_facts(self, round_id: int) -> RoundFacts:
        found = self._rounds.get(round_id)
        if found is None:
            c = control_rounds.c
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(c.title, c.issued_at, c.receipt_deadline, c.record).where(
                        c.id == round_id
                    )
                ).one()
            found = self._rounds[round_id] = RoundFacts(
                name=row.record["control"]["name"],
                title=row.title,
                period=row.record["period"]["label"],
                issued_at=row.issued_at,
                deadline=row.receipt_deadline,
            )
        return found

    def link(self, subject: outbox.Subject, uscc: str) -> str:
        if subject.round_id is not None:
            issued = self.round_facts(subject.round_id).issued_at
            token = self.links.round_token(subject.round_id, uscc, self.links.expiry(issued))
        else:
            assert subject.revision_id is not None
            f = self.facts(subject.revision_id)
            token = self.links.token(f.alert_id, uscc, self.links.expiry(f.issued_at))
        return f"{self.acknowledge_base}/{token}"

    def _action(self, f: RevisionFacts) -> str:
        start = cn_time(f.start, self.zone)
        if f.kind is RevisionKind.LIFT:
            return f"自{start}起解除重污染天气预警，可按应急响应指令恢复生产"
        if f.kind is RevisionKind.ISSUE:
            return f"自{start}起启动{f.level.label}预警（{RESPONSE[f.level]}级应急响应）"
        return f"预警{f.kind.label}为{f.level.label}预警（{RESPONSE[f.level]}级应急响应），自{start}起执行"

    def parts(self, jobs: list[outbox.Job]) -> dict[tuple[str, str], str]:
        """The stored order parts (control notices: the whole notice) of the claimed orders,
        in one query per subject, keyed by (subject key, USCC)."""
        wanted: dict[outbox.Subject, list[str]] = {}
        for j in jobs:
            if j.kind == "order":
                wanted.setdefault(j.subject, []).append(j.recipient)
        out: dict[tuple[str, str], str] = {}
        with self.engine.connect() as conn:
            for subject, usccs in wanted.items():
                if subject.round_id is not None:
                    query, params = _ROUND_PARTS, {"round_id": subject.round_id, "usccs": usccs}
                else:
                    query, params = (
                        _ORDER_PARTS,
                        {"revision_id": subject.revision_id, "usccs": usccs},
                    )
                for uscc, body in conn.execute(query, params):
                    out[(subject.key, uscc)] = body
        return out

    def compose(self, job: outbox.Job, part: str | None = None) -> Message:
        """The message of a delivery (``part``: its order's stored part, if already read)."""
        subject = job.subject
        if job.kind == "report":
            html_text = job.payload or ""
            title = self._document(subject)
            subject_line = f"关于督促企业签收{title}的通知"
            return _message(
                job,
                subject=subject_line,
                text=html_text.splitlines()[0] if html_text else subject_line,
                html=_text_page(subject_line, html_text),
                link="",
                filename=f"report-{job.county}.html",
            )
        if part is None:
            part = self.parts([job])[(subject.key, job.recipient)]
        link = self.link(subject, job.recipient)
        if subject.round_id is not None:
            r = self.round_facts(subject.round_id)
            text = render(
                self.env,
                "controls/message.txt",
                ControlMessageContext(
                    region_name=self.region_name,
                    enterprise=job.recipient_name,
                    name=r.name,
                    title=r.title,
                    period=r.period,
                    receipt_deadline=cn_time(r.deadline, self.zone),
                    link=link,
                ),
            ).strip()
            return _message(
                job,
                subject=f"{self.region_name}{r.title}",
                text=text,
                html=part,
                link=link,
                filename=f"notices/{job.recipient}.html",
            )
        f = self.facts(_revision(subject))
        text = render(
            self.env,
            "notices/order_message.txt",
            OrderMessageContext(
                region_name=self.region_name,
                enterprise=job.recipient_name,
                document_number=f.document_number,
                action=self._action(f),
                receipt_deadline=cn_time(
                    f.issued_at + dt.timedelta(hours=self.receipt_hours), self.zone
                ),
                link=link,
            ),
        ).strip()
        return _message(
            job,
            subject=f"{self.region_name}重污染天气应急响应指令（{f.document_number}）",
            text=text,
            html=f.prefix + part + f.suffix,
            link=link,
            filename=f"orders/{job.recipient}.html",
        )

    def _document(self, subject: outbox.Subject) -> str:
        """The notice a county is told its enterprises have not signed."""
        if subject.round_id is not None:
            return f"《{self.round_facts(subject.round_id).title}》"
        return f"重污染天气应急响应指令（{self.facts(_revision(subject)).document_number}）"

    def county_report(
        self, subject: outbox.Subject, county: str, firms: list[tuple[str, str]]
    ) -> str:
        topic = (
            self.round_facts(subject.round_id).name
            if subject.round_id is not None
            else "重污染天气应急"
        )
        return render(
            self.env,
            "notices/county_report.txt",
            CountyReportContext(
                region_name=self.region_name,
                topic=topic,
                county=county,
                as_of=cn_time(self.clock.now(), self.zone),
                document=self._document(subject),
                firms=tuple(firms),
                office_phone=self.office_phone,
            ),
        )

    # --- the loop ---------------------------------------------------------------------------

    def housekeeping(self) -> tuple[int, int]:
        """Enqueue newly issued notices and escalate overdue ones: (deliveries added,
        enterprises escalated)."""
        now = self.clock.now()
        added = outbox.enqueue_issued(self.engine, self.config, now)
        escalated = outbox.escalate(
            self.engine,
            self.config,
            now,
            receipt_hours=self.receipt_hours,
            report=self.county_report,
        )
        return added, sum(e.enterprises for e in escalated)

    def channels(self) -> dict[str, Channel]:
        """This thread's channels (their HTTP client keeps its connections alive)."""
        timeout = self.config.retry.timeout_seconds
        http = HttpClient(timeout)
        pdf = self._pdf if self.pdf_base is not None else None
        return {
            name: make_channel(c, root=self.root, http=http, timeout=timeout, pdf=pdf)
            for name, c in self.config.channels.items()
        }

    def _pdf(self, html: str) -> bytes:
        assert self.pdf_base is not None
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "notice.pdf"
            html_to_pdf([html], target, self.pdf_base)
            return target.read_bytes()

    def send(self, job: outbox.Job, channels: dict[str, Channel], part: str | None = None) -> str:
        """Send one claimed delivery and record the outcome; returns the new status."""
        try:
            message = self.compose(job, part)
            delivered = channels[job.channel].send(message)
        except SendError as exc:
            return outbox.record_failure(
                self.engine,
                job,
                self.name,
                self.clock.now(),
                error=str(exc),
                permanent=exc.permanent,
                config=self.config,
            )
        except Exception as exc:  # a bug or bad data must not stop the other deliveries
            return outbox.record_failure(
                self.engine,
                job,
                self.name,
                self.clock.now(),
                error=f"{type(exc).__name__}: {exc}",
                permanent=False,
                config=self.config,
            )
        ok = outbox.record_success(
            self.engine, job, self.name, self.clock.now(), delivered=delivered
        )
        return ("delivered" if delivered else "sent") if ok else ""

    def drain(
        self,
        threads: int = 1,
        stop: threading.Event | None = None,
        on_sent: Callable[[outbox.Job, str], None] | None = None,
    ) -> Stats:
        """Send everything due now, in ``threads`` threads, until nothing is due (or ``stop``)."""
        stats = Stats()
        halt = stop or threading.Event()

        def loop() -> None:
            channels = self.channels()
            while not halt.is_set():
                jobs = outbox.claim(
                    self.engine,
                    self.name,
                    self.clock.now(),
                    limit=self.batch,
                    lease_seconds=self.config.retry.lease_seconds,
                )
                if not jobs:
                    return
                parts = self.parts(jobs)
                for job in jobs:
                    status = self.send(job, channels, parts.get((job.subject.key, job.recipient)))
                    stats.add(status or "lost")
                    if on_sent is not None:
                        on_sent(job, status)

        if threads <= 1:
            loop()
            return stats
        pool = [threading.Thread(target=loop, name=f"deliver-{i}") for i in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        return stats

    def run(
        self, threads: int, stop: threading.Event, poll_seconds: float = 5.0
    ) -> None:  # pragma: no cover - the loop of drain + housekeeping, exercised through the CLI
        while not stop.is_set():
            self.housekeeping()
            self.drain(threads, stop)
            stop.wait(poll_seconds)

    def dry_run(self, folder: Path) -> int:
        """Write what is due to ``folder`` as the folder channel would, changing nothing."""
        d = deliveries.c
        now = self.clock.now()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*outbox._JOB_COLUMNS)
                .where(or_(*(c for c, _ in outbox._claimable(now))))
                .order_by(d.id)
            ).all()
        sink = FolderChannel(folder)
        for row in rows:
            sink.send(self.compose(outbox.Job(**row._mapping)))
        return len(rows)


def _revision(subject: outbox.Subject) -> int:
    assert subject.revision_id is not None
    return subject.revision_id


def _message(job: outbox.Job, **content: str) -> Message:
    s = job.subject
    return Message(
        key=job.key,
        kind=job.kind,
        folder=f"round-{s.round_id}" if s.round_id is not None else f"revision-{s.revision_id}",
        recipient=job.recipient,
        recipient_name=job.recipient_name,
        county=job.county,
        address=job.address,
        **content,
    )


_ORDER_PARTS = select(notices.c.uscc, notices.c.body).where(
    notices.c.revision_id == bindparam("revision_id"),
    notices.c.kind == "order",
    notices.c.uscc.in_(bindparam("usccs", expanding=True)),
)


_ROUND_PARTS = select(control_round_entries.c.uscc, control_round_entries.c.body).where(
    control_round_entries.c.round_id == bindparam("round_id"),
    control_round_entries.c.uscc.in_(bindparam("usccs", expanding=True)),
)


def _text_page(title: str, text: str) -> str:
    body = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
