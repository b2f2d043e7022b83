"""The delivery worker: puts issued notices into the outbox, chases overdue acknowledgements,
and sends what is due, in one or more threads; any number of workers may run against one
PostgreSQL outbox (``orchestrator deliver``)."""

from __future__ import annotations

import datetime as dt
import logging
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

from orchestrator.alerts.model import AlertLevel, graded
from orchestrator.clock import Clock
from orchestrator.delivery.channels import (
    Channel,
    FolderChannel,
    HttpClient,
    Message,
    SendError,
    make_channel,
)
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.model import (
    DeliveryStatus,
    Job,
    MessageKind,
    Reason,
    RoundFacts,
    Subject,
)
from orchestrator.delivery.outbox import Outbox
from orchestrator.delivery.ports import DeliveryUnitOfWork
from orchestrator.errors import Unavailable
from orchestrator.notices.contexts import (
    RESPONSE,
    ControlMessageContext,
    CountyReportContext,
    OrderMessageContext,
    TaskMessageContext,
    cn_time,
)
from orchestrator.notices.links import LinkSigner
from orchestrator.notices.render import html_to_pdf, render
from orchestrator.response.config import Office
from orchestrator.response.model import RevisionKind

log = logging.getLogger(__name__)

#: What ``send`` answers when the message went out but the database failed under its record.
UNRECORDED = "unrecorded"
#: Times a sending thread tries the database again (0.5, 1, 2, 4, 8 s apart) before giving up.
DB_RETRIES = 5


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
    """Puts issued notices in the outbox, chases what is overdue and sends what is due."""

    def __init__(
        self,
        uow: Callable[[], DeliveryUnitOfWork],
        *,
        outbox: Outbox,
        config: DeliveryConfig,
        env: Environment,
        links: LinkSigner,
        clock: Clock,
        office: Office,
        zone: ZoneInfo,
        root: Path,
        pdf_base: Path | None,
        name: str | None = None,
        batch: int = 20,
        sqlite: bool = False,
        complete_notices: Callable[[], int] | None = None,
    ):
        self.uow, self.outbox, self.config, self.env, self.links = uow, outbox, config, env, links
        self.clock, self.office, self.zone = clock, office, zone
        self.root, self.pdf_base = root, pdf_base
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.batch = batch
        # stores the notices of an issue whose own process died before storing them
        self.complete_notices = complete_notices
        self.sqlite = (
            sqlite  # one sending thread by default: SQLite's writers queue behind one lock
        )
        self._facts: dict[int, RevisionFacts] = {}
        self._rounds: dict[int, RoundFacts] = {}

    # --- composing --------------------------------------------------------------------------

    def facts(self, revision_id: int) -> RevisionFacts:
        found = self._facts.get(revision_id)
        if found is None:
            with self.uow() as uow:
                rev = uow.alerts.revision(revision_id)
                prefix, suffix = uow.notices.frame(revision_id)
            st = rev.state
            assert st.issued_at is not None
            found = self._facts[revision_id] = RevisionFacts(
                rev.alert_id,
                st.kind,
                st.level,
                st.start,
                st.issued_at,
                rev.document_number or "",
                prefix,
                suffix,
            )
        return found

    def round_facts(self, round_id: int) -> RoundFacts:
        found = self._rounds.get(round_id)
        if found is None:
            with self.uow() as uow:
                facts = uow.outbox.round_facts(round_id)
            assert facts is not None
            found = self._rounds[round_id] = facts
        return found

    def link(self, subject: Subject, uscc: str) -> str:
        if subject.round_id is not None:
            issued = self.round_facts(subject.round_id).issued_at
            token = self.links.round_token(subject.round_id, uscc, self.links.expiry(issued))
        else:
            assert subject.revision_id is not None
            f = self.facts(subject.revision_id)
            token = self.links.token(f.alert_id, uscc, self.links.expiry(f.issued_at))
        return f"{self.office.acknowledge_base}/{token}"

    def _action(self, f: RevisionFacts) -> str:
        start = cn_time(f.start, self.zone)
        if f.kind is RevisionKind.LIFT:
            return f"自{start}起解除重污染天气预警，可按应急响应指令恢复生产"
        if f.kind is RevisionKind.ISSUE:
            return f"自{start}起启动{graded(f.level, RESPONSE[f.level])}"
        return f"预警{f.kind.label}为{graded(f.level, RESPONSE[f.level])}，自{start}起执行"

    def parts(self, jobs: list[Job]) -> dict[tuple[str, str], str]:
        """The stored order parts (control notices: the whole notice) of the claimed orders,
        in one query per subject, keyed by (subject key, USCC)."""
        wanted: dict[Subject, list[str]] = {}
        tasks: dict[int, list[str]] = {}
        for j in jobs:
            if j.kind == MessageKind.ORDER:
                wanted.setdefault(j.subject, []).append(j.recipient)
            elif j.kind == MessageKind.TASK and j.revision_id is not None:
                tasks.setdefault(j.revision_id, []).append(j.recipient)
        out: dict[tuple[str, str], str] = {}
        with self.uow() as uow:
            for revision_id, codes in tasks.items():
                for r in uow.notices.tasks(revision_id, codes):
                    out[(str(revision_id), r.uscc)] = r.body
            for subject, usccs in wanted.items():
                if subject.round_id is not None:
                    found = uow.plans.round_parts(subject.round_id, usccs)
                else:
                    assert subject.revision_id is not None
                    found = uow.notices.order_parts(subject.revision_id, usccs)
                for uscc, body in found.items():
                    out[(subject.key, uscc)] = body
        return out

    def compose(self, job: Job, part: str | None = None) -> Message:
        """The message of a delivery (``part``: its order's stored part, if already read)."""
        subject = job.subject
        if job.kind == MessageKind.DAILY:
            text = job.payload or ""
            first = text.splitlines()[0] if text else "应急管控日报"
            title = first if job.recipient.startswith("leader:") else "应急管控日报报送提醒"
            return _message(
                job,
                subject=f"{self.office.region_name}{title}",
                text=text,
                html=_text_page(title, text),
                link="",
                filename=f"daily-{job.recipient.replace(':', '-')}.html",
            )
        if job.kind == MessageKind.CHECK:
            assert job.coverage_id is not None
            with self.uow() as uow:
                found = uow.outbox.check_task(job.coverage_id, job.recipient)
            if found is None:  # its run was removed: nothing to send
                raise SendError("核查任务已不存在", permanent=True)
            body, issued_at = found
            text = job.payload or ""
            token = self.links.check_token(
                job.coverage_id, job.recipient, self.links.expiry(issued_at)
            )
            return _message(
                job,
                subject=f"{self.office.region_name}应急减排清单覆盖核查任务"
                + ("催办" if job.reason == Reason.ESCALATION else ""),
                text=text,
                html=body,
                link=f"{self.office.check_base}/{token}",
                filename=f"checks/{job.recipient}.html",
            )
        if job.kind == MessageKind.REPORT:
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
        if job.kind == MessageKind.TASK:
            f = self.facts(_revision(subject))
            text = render(
                self.env,
                "notices/task_message.txt",
                TaskMessageContext(
                    region_name=self.office.region_name,
                    unit=job.recipient_name,
                    document_number=f.document_number,
                    action=f"自{cn_time(f.start, self.zone)}起解除重污染天气预警，应急任务停止执行"
                    if f.kind is RevisionKind.LIFT
                    else self._action(f),
                    receipt_deadline=cn_time(self.office.receipt_deadline(f.issued_at), self.zone),
                    link=link,
                    lifted=f.kind is RevisionKind.LIFT,
                ),
            ).strip()
            return _message(
                job,
                subject=f"{self.office.region_name}重污染天气应急响应任务单（{f.document_number}）",
                text=text,
                html=part,
                link=link,
                filename=f"tasks/{job.recipient}.html",
            )
        if subject.round_id is not None:
            r = self.round_facts(subject.round_id)
            text = render(
                self.env,
                "controls/message.txt",
                ControlMessageContext(
                    region_name=self.office.region_name,
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
                subject=f"{self.office.region_name}{r.title}",
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
                region_name=self.office.region_name,
                enterprise=job.recipient_name,
                document_number=f.document_number,
                action=self._action(f),
                receipt_deadline=cn_time(self.office.receipt_deadline(f.issued_at), self.zone),
                link=link,
            ),
        ).strip()
        return _message(
            job,
            subject=f"{self.office.region_name}重污染天气应急响应指令（{f.document_number}）",
            text=text,
            html=f.prefix + part + f.suffix,
            link=link,
            filename=f"orders/{job.recipient}.html",
        )

    def _document(self, subject: Subject) -> str:
        """The notice a county is told its enterprises have not signed."""
        if subject.round_id is not None:
            return f"《{self.round_facts(subject.round_id).title}》"
        return f"重污染天气应急响应指令（{self.facts(_revision(subject)).document_number}）"

    def county_report(self, subject: Subject, county: str, firms: list[tuple[str, str]]) -> str:
        topic = (
            self.round_facts(subject.round_id).name
            if subject.round_id is not None
            else "重污染天气应急"
        )
        return render(
            self.env,
            "notices/county_report.txt",
            CountyReportContext(
                region_name=self.office.region_name,
                topic=topic,
                county=county,
                as_of=cn_time(self.clock.now(), self.zone),
                document=self._document(subject),
                firms=tuple(firms),
                office_phone=self.office.phone,
            ),
        )

    # --- the loop ---------------------------------------------------------------------------

    def housekeeping(self) -> tuple[int, int]:
        """Enqueue newly issued notices and escalate overdue ones: (deliveries added,
        enterprises escalated)."""
        now = self.clock.now()
        self.outbox.beat(self.name, now)  # the dashboard warns when the worker stops
        if self.complete_notices is not None:
            self.complete_notices()
        added = self.outbox.enqueue_issued(now)
        escalated = self.outbox.escalate(
            now, receipt_hours=self.office.receipt_hours, report=self.county_report
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

    def send(self, job: Job, channels: dict[str, Channel], part: str | None = None) -> str:
        """Send one claimed delivery and record the outcome; returns the new status ("" if the
        claim was lost meanwhile, ``UNRECORDED`` if the database failed under the record:
        the delivery stays claimed until its lease runs out and is then sent again, under
        the same key)."""
        try:
            message = self.compose(job, part)
            delivered = channels[job.channel].send(message)
        except SendError as exc:
            return self._failed(job, str(exc), permanent=exc.permanent)
        except Unavailable:
            raise  # the database, while composing: nothing was sent
        except Exception as exc:  # a bug or bad data must not stop the other deliveries
            return self._failed(job, f"{type(exc).__name__}: {exc}", permanent=False)
        try:
            ok = self.outbox.record_success(job, self.name, self.clock.now(), delivered=delivered)
        except Unavailable as exc:
            return _unrecorded(job, exc)
        if not ok:
            return ""
        return DeliveryStatus.DELIVERED if delivered else DeliveryStatus.SENT

    def _failed(self, job: Job, error: str, *, permanent: bool) -> str:
        try:
            return self.outbox.record_failure(
                job, self.name, self.clock.now(), error=error, permanent=permanent
            )
        except Unavailable as exc:
            return _unrecorded(job, exc)

    def drain(
        self,
        threads: int = 1,
        stop: threading.Event | None = None,
        on_sent: Callable[[Job, str], None] | None = None,
    ) -> Stats:
        """Send everything due now, in ``threads`` threads, until nothing is due (or ``stop``)."""
        stats = Stats()
        halt = stop or threading.Event()
        failures: list[Unavailable] = []

        def batch(channels: dict[str, Channel]) -> bool:
            jobs = self.outbox.claim(
                self.name,
                self.clock.now(),
                limit=self.batch,
                lease_seconds=self.config.retry.lease_seconds,
            )
            if not jobs:
                return False
            parts = self.parts(jobs)
            for job in jobs:
                status = self.send(job, channels, parts.get((job.subject.key, job.recipient)))
                stats.add(status or "lost")
                if on_sent is not None:
                    on_sent(job, status)
            return True

        def loop() -> None:
            channels = self.channels()
            failed = 0
            while not halt.is_set():
                try:
                    if not batch(channels):
                        return
                    failed = 0
                except Unavailable as exc:
                    # the database went away under the batch: what was claimed and not sent
                    # waits for its lease; try again a few times, then give up this pass
                    failed += 1
                    if failed > DB_RETRIES:
                        failures.append(exc)
                        return
                    log.warning("数据库暂不可用（%s），%.1f秒后重试", exc, 0.25 * 2**failed)
                    halt.wait(0.25 * 2**failed)

        if threads <= 1:
            loop()
        else:
            pool = [threading.Thread(target=loop, name=f"deliver-{i}") for i in range(threads)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
        if failures:
            raise failures[0]
        return stats

    def run(self, threads: int, stop: threading.Event, poll_seconds: float = 5.0) -> None:
        """Until ``stop``: housekeeping and a drain every ``poll_seconds`` (``orchestrator
        serve`` runs it in a thread; the database going away is waited out)."""
        while not stop.is_set():
            try:
                self.housekeeping()
                self.drain(threads, stop)
            except Unavailable as exc:
                log.warning("数据库不可用，下一轮再试：%s", exc)
            stop.wait(poll_seconds)

    def dry_run(self, folder: Path) -> int:
        """Write what is due to ``folder`` as the folder channel would, changing nothing."""
        jobs = self.outbox.due(self.clock.now())
        sink = FolderChannel(folder)
        for job in jobs:
            sink.send(self.compose(job))
        return len(jobs)


def _unrecorded(job: Job, exc: Unavailable) -> str:
    log.warning("投递结果未能记录（%s），租约到期后将以同一幂等键重发：%s", exc, job.key)
    return UNRECORDED


def _revision(subject: Subject) -> int:
    assert subject.revision_id is not None
    return subject.revision_id


def _message(job: Job, **content: str) -> Message:
    s = job.subject
    return Message(
        key=job.key,
        kind=job.kind,
        folder=f"round-{s.round_id}"
        if s.round_id is not None
        else f"coverage-{s.coverage_id}"
        if s.coverage_id is not None
        else f"revision-{s.revision_id}",
        recipient=job.recipient,
        recipient_name=job.recipient_name,
        county=job.county,
        address=job.address,
        repeat=job.attempts > 1,
        **content,
    )


def _text_page(title: str, text: str) -> str:
    body = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
