"""Every notice of an issued alert revision, rendered once and stored: the bulletin or
adjust/lift notice, one dispatch order per enterprise, the public message, the SMS text and the
CAP 1.2 message; writing them to a folder; and a bulletin previewed before it is issued.

Dispatch orders are many (one per enterprise: 100,000 in a large province's list); they are
rendered by worker processes, chunk by chunk, while this process stores the chunks already done,
all in one transaction (bench/dispatch)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import CityProfile
from orchestrator.emissions.plans import PlanMode
from orchestrator.emissions.service import day_check
from orchestrator.emissions.targets import targets_record
from orchestrator.errors import Conflict, NotFound, Unavailable
from orchestrator.network.model import Matrix, UnitKind
from orchestrator.network.tasks import TaskSheet, roster_item, sheets, source_item, tasked
from orchestrator.notices import compose
from orchestrator.notices.contexts import Header, SmsContext, directed_by, sms_text
from orchestrator.notices.links import LinkSigner
from orchestrator.notices.model import (
    NoticeKind,
    NoticeRecord,
    NoticeSet,
    NotIssued,
    PlanChunk,
    Written,
)
from orchestrator.notices.parallel import CHUNK, OrderRenderer, WorkerBoot
from orchestrator.notices.ports import NoticeUnitOfWork
from orchestrator.notices.render import frame_of, html_to_pdf, pdf_bytes, render
from orchestrator.response.config import Office
from orchestrator.response.model import (
    AlertRevision,
    RevisionKind,
    RevisionState,
    RevisionStatus,
    remaining_after_lift,
)


def _newest_issued(views: list[AlertRevision]) -> tuple[AlertRevision, AlertRevision | None]:
    done = [
        v for v in views if v.document_number and v.state.status is not RevisionStatus.WITHDRAWN
    ]
    if not done:
        raise NotIssued(f"预警{views[0].alert_id}尚未发布，没有可生成的通知")
    return done[-1], (done[-2] if len(done) > 1 else None)


class NoticeService:
    """The notices of the office's alerts; calling it is the notice step issuing takes."""

    def __init__(
        self,
        uow: Callable[[], NoticeUnitOfWork],
        *,
        env: Environment,
        office: Office,
        city: CityProfile,
        zone: ZoneInfo,
        links: LinkSigner,
        workers: int | None = None,
        boot: Callable[[], WorkerBoot | None] | None = None,
        network: Matrix | None = None,
    ) -> None:
        self.uow, self.env, self.office, self.city = uow, env, office, city
        self.zone, self.links, self.workers, self.boot = zone, links, workers, boot
        self.network = network  # the response network: the bulletin's 主送 and 工作要求

    def __call__(self, alert_id: int) -> NoticeSet:
        return self.ensure(alert_id)

    def ensure(self, alert_id: int) -> NoticeSet:
        """The notices of the alert's newest issued revision: rendered and stored once (one per
        revision, enterprise and kind, in one transaction), then always read back as stored.

        Dispatch orders are rendered by ``workers`` processes (default: one per CPU from
        :data:`~orchestrator.notices.parallel.PARALLEL_FROM` orders on, else in this process)."""
        with self.uow() as uow:
            rev, previous = _newest_issued(uow.alerts.revisions(alert_id))
            stored = uow.notices.count(rev.revision_id)
        if not stored:  # render once; what was stored is what was sent
            self._render_and_store(rev, previous)
        with self.uow() as uow:
            documents = sorted(uow.notices.documents(rev.revision_id), key=lambda r: r.kind.rank)
            return NoticeSet(
                rev.revision_id,
                documents,
                uow.notices.count(rev.revision_id, NoticeKind.ORDER),
                uow.notices.count(rev.revision_id, NoticeKind.TASK),
            )

    def complete(self) -> int:
        """Render and store the notices of every issued revision that has none (its issuing
        process or connection died after the issue was committed): idempotent, and safe with
        several processes at it (one stores, the others find them stored). How many it did."""
        with self.uow() as uow:
            waiting = uow.notices.unrendered_alerts()
        done = 0
        for alert_id in waiting:
            try:
                self.ensure(alert_id)
            except Unavailable:
                continue  # still failing: the next round tries again, the others go on
            done += 1
        return done

    def rendered(self, revision_id: int) -> bool:
        """Whether an issued revision's notices are stored (none: :meth:`complete` will)."""
        with self.uow() as uow:
            return uow.notices.count(revision_id) > 0

    def issued(self, alert_id: int) -> list[tuple[AlertRevision, NoticeSet]]:
        """Every issued revision of the alert with its stored notices, oldest first (what the
        alert's page lists for reading and printing); a revision whose notices are not stored
        yet (:meth:`complete` will) has none."""
        with self.uow() as uow:
            revisions = [
                v
                for v in uow.alerts.revisions(alert_id)
                if v.document_number and v.state.status is not RevisionStatus.WITHDRAWN
            ]
            return [
                (
                    v,
                    NoticeSet(
                        v.revision_id,
                        sorted(uow.notices.documents(v.revision_id), key=lambda r: r.kind.rank),
                        uow.notices.count(v.revision_id, NoticeKind.ORDER),
                        uow.notices.count(v.revision_id, NoticeKind.TASK),
                    ),
                )
                for v in revisions
            ]

    def document(self, alert_id: int, revision_id: int, kind: NoticeKind) -> NoticeRecord:
        """One city-wide document of an issued revision of the alert; :class:`NotFound` when
        the revision is not the alert's, not issued, or has no such document."""
        for rev, found in self.issued(alert_id):
            if rev.revision_id == revision_id:
                for record in found.documents:
                    if record.kind is kind:
                        return record
        raise NotFound(f"预警{alert_id}第{revision_id}号版本没有{kind.label}")

    def order(self, alert_id: int, revision_id: int, uscc: str) -> NoticeRecord:
        """One enterprise's dispatch order of an issued revision of the alert; :class:`NotFound`
        when there is none."""
        if any(rev.revision_id == revision_id for rev, _ in self.issued(alert_id)):
            with self.uow() as uow:
                for record in uow.notices.orders(revision_id, (uscc,), 1):
                    return record
        raise NotFound(f"预警{alert_id}第{revision_id}号版本没有发给{uscc}的应急响应指令")

    def task(self, alert_id: int, revision_id: int, unit: str) -> NoticeRecord:
        """One unit's task notice (``unit``: its code) of an issued revision of the alert;
        :class:`NotFound` when there is none."""
        if any(rev.revision_id == revision_id for rev, _ in self.issued(alert_id)):
            with self.uow() as uow:
                for record in uow.notices.tasks(revision_id, (unit,)):
                    return record
        raise NotFound(f"预警{alert_id}第{revision_id}号版本没有发给{unit}的应急响应任务单")

    def tasks(self, revision_id: int) -> list[NoticeRecord]:
        """The stored task notices of a revision, in the network's order."""
        with self.uow() as uow:
            return uow.notices.tasks(revision_id)

    def orders(
        self, revision_id: int, uscc: Collection[str] = (), batch: int = 1_000
    ) -> Iterator[NoticeRecord]:
        """The stored dispatch orders of a revision (only those of ``uscc`` if given), by USCC,
        streamed ``batch`` rows at a time."""
        with self.uow() as uow:
            yield from uow.notices.orders(revision_id, uscc, batch)

    def write(
        self,
        alert_id: int,
        out: Path,
        *,
        pdf_base: Path | None = None,
        pdf: bool = True,
        orders_pdf: bool = False,
        uscc: Collection[str] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> Written:
        """Write the stored notices of the alert's newest issued revision into ``out``: the
        documents, the dispatch orders under ``orders/`` (only those of ``uscc`` if given) and,
        when all are written, the units' task notices under ``tasks/``.

        With ``pdf_base`` (the templates folder, for stylesheets and fonts) PDFs are written too:
        the main document if ``pdf``, the written orders as one batched ``orders.pdf`` for
        printing if ``orders_pdf`` (≈ 0.1 s a page). ``progress(done, total)`` is told each
        order written."""
        found = self.ensure(alert_id)
        if uscc:
            with self.uow() as uow:
                unknown = set(uscc) - set(uow.notices.ordered(found.revision_id, uscc))
            if unknown:
                raise NotIssued(
                    f"本次预警没有发给以下企业的应急响应指令：{'、'.join(sorted(unknown))}"
                )
        out.mkdir(parents=True, exist_ok=True)
        documents: list[Path] = []
        for r in found.documents:
            path = out / r.filename
            path.write_text(r.body, encoding="utf-8")
            documents.append(path)
        (out / "orders").mkdir(exist_ok=True)
        written = 0
        total = len(set(uscc)) if uscc else found.orders
        pages: list[str] = []
        for r in self.orders(found.revision_id, uscc):
            (out / r.filename).write_text(r.body, encoding="utf-8")
            written += 1
            if progress is not None:
                progress(written, total)
            if orders_pdf:
                pages.append(r.body)
        tasks = [] if uscc else self.tasks(found.revision_id)
        if tasks:
            (out / "tasks").mkdir(exist_ok=True)
        for r in tasks:
            (out / r.filename).write_text(r.body, encoding="utf-8")
        if pdf_base is not None and pdf and documents:
            main = found.documents[0]
            target = out / f"{Path(main.filename).stem}.pdf"
            html_to_pdf([main.body], target, pdf_base)
            documents.append(target)
        if pdf_base is not None and pages:
            html_to_pdf(pages, out / "orders.pdf", pdf_base)
            documents.append(out / "orders.pdf")
        return Written(folder=out, documents=documents, orders=written, tasks=len(tasks))

    def pdf(self, html: str) -> bytes:
        """One stored document printed to PDF (templates' folder as the base of its links)."""
        folders = getattr(self.env, "folders", (None,))  # a NoticeEnvironment's templates
        return pdf_bytes(html, folders[0])

    def preview_bulletin(
        self,
        *,
        level: AlertLevel,
        start: dt.datetime,
        end: dt.datetime | None,
        reason: str,
        now: dt.datetime,
        counties: Sequence[str] = (),
    ) -> str:
        """The bulletin a draft would be issued with, under the list in force on its first day:
        its plan's enterprises and reductions, the number left for issue (``〔待编号〕``).
        Nothing is stored. Raises :class:`~orchestrator.emissions.model.RevisionNotFound` with
        no list in force."""
        region = self.office.region_code
        head = compose.preview_header(self.office, now.astimezone(self.zone).date())
        state = RevisionState(
            number=1,
            kind=RevisionKind.ISSUE,
            level=level,
            start=start,
            end=end,
            status=RevisionStatus.DRAFT,
            drafted_by="",
        )
        area = tuple(counties)
        if not level.colour:  # the band: no list plan, its agreements come after the draft
            rev = AlertRevision(0, 0, state, reason, None, None, None, area)
            notice = compose.adverse(head, rev, {}, self.office, self.zone)
            return render(self.env, "notices/adverse.html", notice)
        with self.uow() as uow:
            day = day_check(
                uow,
                region,
                self.city,
                level,
                start,
                on=start.astimezone(self.zone).date(),
                counties=area,
            )
            number, check = day.list_revision, day.check
            by_mode = uow.plans.list_by_mode(day.plan_id, area)
        rev = AlertRevision(0, 0, state, reason, None, number, targets_record(check), area)
        return render(
            self.env,
            "notices/bulletin.html",
            compose.bulletin(head, rev, by_mode, self.office, self.zone, self.network),
        )

    def _render_and_store(self, rev: AlertRevision, previous: AlertRevision | None) -> None:
        """Render every notice of ``rev`` and store them in one transaction; if another process
        stored them first, theirs stand (unique per revision, enterprise and kind)."""
        issued_at = rev.state.issued_at
        assert issued_at is not None
        try:
            with (
                self.uow() as uow,
                OrderRenderer(
                    self.env,
                    uow.plans.size(rev.revision_id),
                    workers=self.workers,
                    boot=self.boot() if self.boot is not None else None,
                ) as renderer,
            ):
                ids = uow.plans.ordinals(rev.revision_id)
                chunks = [
                    PlanChunk(rev.revision_id, ids[i], ids[min(i + CHUNK, len(ids)) - 1], i)
                    for i in range(0, len(ids), CHUNK)
                ]
                by_mode = uow.plans.by_mode(rev.revision_id)
                head = compose.header(rev, self.office, self.zone)
                remaining: tuple[str, ...] = ()
                directed = directed_by(
                    uow.alerts.hints(self.office.region_code, ending_after=rev.state.start),
                    rev.state.start,
                    rev.state.end,
                )
                if rev.state.kind is RevisionKind.LIFT:
                    at = rev.state.start
                    remaining = remaining_after_lift(
                        uow.alerts.hints(self.office.region_code, ending_after=at),
                        uow.standing.controls_running(self.office.region_code, at),
                        self.zone,
                    )
                docs = compose.documents(
                    rev,
                    previous,
                    head,
                    by_mode,
                    self.office,
                    self.zone,
                    remaining,
                    self.network,
                    directed,
                )
                uow.notices.add(
                    rev.revision_id,
                    ((d.kind, "", d.filename, self._render(d)) for d in docs),
                    created_at=issued_at,
                )
                if self.network is not None:
                    uow.notices.add(
                        rev.revision_id,
                        self._tasks(uow, rev, previous, head, docs[0], remaining),
                        created_at=issued_at,
                    )
                frame = compose.order_frame(rev, head, docs[0], self.office, self.zone, self.links)
                outline = frame_of(
                    self.env, compose.ORDER_TEMPLATE, compose.ORDER_BLOCK, frame.shared()
                )
                if ids:  # stored once; each order's row then holds only its enterprise's part
                    uow.notices.add_frame(rev.revision_id, *(outline or ("", "")))
                varying = compose.ORDER_BLOCK if outline else None
                for usccs, bodies in renderer.render(uow.plans.chunk, chunks, frame, varying):
                    uow.notices.add(
                        rev.revision_id,
                        (
                            (NoticeKind.ORDER, u, f"orders/{u}.html", b)
                            for u, b in zip(usccs, bodies, strict=True)
                        ),
                        created_at=issued_at,
                    )
                uow.commit()
        except Conflict:
            pass

    def _sheets(self, uow: NoticeUnitOfWork, rev: AlertRevision) -> dict[str, TaskSheet]:
        """Every unit's sheet under ``rev``: its frozen plan's enterprises and its list's sites
        and transport users with their measures at its level."""
        assert self.network is not None
        level = rev.state.level
        if not level.colour or rev.list_revision is None:
            return in_area(sheets(self.network, level, ()), rev)
        labels = {m.value: m.label for m in PlanMode}
        items = [roster_item(e, labels[e.mode]) for e in uow.plans.reporters(rev.revision_id)]
        rows = uow.lists.source_rows(self.office.region_code, rev.list_revision, level)
        if rev.counties:  # an alert of named counties: their sites and transport users alone
            rows = [r for r in rows if r.county in rev.counties]
        return in_area(sheets(self.network, level, [*items, *map(source_item, rows)]), rev)

    def _tasks(
        self,
        uow: NoticeUnitOfWork,
        rev: AlertRevision,
        previous: AlertRevision | None,
        head: Header,
        main: compose.Document,
        remaining: tuple[str, ...],
    ) -> list[tuple[str, str, str, str]]:
        """The revision's task notices as rows to store: (kind, unit code, file, body)."""
        assert self.network is not None
        lifted = rev.state.kind is RevisionKind.LIFT
        before = self._sheets(uow, previous) if previous is not None else None
        now = (
            {k: replace(v, duties=(), items=()) for k, v in before.items()}
            if lifted and before is not None
            else self._sheets(uow, rev)
        )
        rows = []
        for index, uid in enumerate(tasked(now, before, lifted=lifted), start=1):
            context = compose.task(
                rev,
                previous,
                now[uid],
                before.get(uid) if before is not None else None,
                index=index,
                head=head,
                main=main,
                office=self.office,
                zone=self.zone,
                links=self.links,
                listed=self.network.enterprises_listed,
                report_by=self.network.report_by,
                remaining=remaining,
            )
            code = now[uid].unit.uscc
            body = render(self.env, compose.TASK_TEMPLATE, context)
            rows.append((NoticeKind.TASK.value, code, f"tasks/{code}.html", body))
        return rows

    def _render(self, document: compose.Document) -> str:
        text = render(self.env, document.template, document.context)
        if isinstance(document.context, SmsContext):
            text = sms_text(document.context, text) + "\n"
        return text


def in_area(found: dict[str, TaskSheet], rev: AlertRevision) -> dict[str, TaskSheet]:
    """The sheets of an alert of named counties: the counties and townships outside them have
    nothing to do under it (the member units keep their duties over the sources in it)."""
    if not rev.counties:
        return found
    return {
        uid: sheet
        if sheet.unit.kind is UnitKind.MEMBER or sheet.unit.county in rev.counties
        else replace(sheet, duties=(), items=())
        for uid, sheet in found.items()
    }
