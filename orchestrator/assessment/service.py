"""The effect assessment use case: read the alert, its consultations, receipts and electricity
evidence from the database, add the observations, and build, render and write the report."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.alerts.model import Ruleset
from orchestrator.alerts.readings import Observations
from orchestrator.aqi.model import AqiStandard
from orchestrator.assessment.config import AssessmentConfig
from orchestrator.assessment.electricity import Meters
from orchestrator.assessment.model import (
    Consulted,
    Event,
    Inputs,
    Receipts,
    Step,
    build,
    daily_chart,
    hourly_chart,
    segments,
)
from orchestrator.assessment.ports import AssessmentUnitOfWork
from orchestrator.consultation.model import Consultation
from orchestrator.daily.model import due_at
from orchestrator.daily.service import DailyDispatch, summary_of
from orchestrator.delivery.model import Subject
from orchestrator.delivery.receipts import Receipts as ReceiptService
from orchestrator.errors import NotFound
from orchestrator.notices.model import PdfUnavailable
from orchestrator.notices.render import html_to_pdf, render
from orchestrator.response.config import Office
from orchestrator.response.model import AlertNotFound, AlertRevision, RevisionKind

#: Where observations come from when none are given: (start, end) → (observations, source, notes).
ObservationSource = Callable[[dt.datetime, dt.datetime], tuple[Observations | None, str, list[str]]]


class NotAssessable(NotFound):
    """The alert does not exist or was never in force."""


@dataclass(frozen=True, slots=True)
class ReportPage:
    """What ``templates/assessment/report.html`` is rendered with."""

    record: dict[str, Any]
    daily_chart: dict[str, Any]
    hourly_chart: dict[str, Any]
    title: str
    issuer: str


def _step(rev: AlertRevision) -> Step:
    st = rev.state
    return Step(
        revision_id=rev.revision_id,
        number=st.number,
        kind=st.kind,
        level=st.level,
        start=st.start,
        end=st.end,
        status=st.status.value,
        drafted_by=st.drafted_by,
        approved_by=st.approved_by,
        issued_at=st.issued_at,
        document_number=rev.document_number,
        reason=rev.reason,
        list_revision=rev.list_revision,
        targets=rev.targets,
        shortfall_override=st.shortfall_override,
    )


def _consulted(c: Consultation, zone: ZoneInfo) -> Consulted:
    record = c.record or {}
    days = {d["date"]: d for d in [*record.get("detail", []), *record.get("trend", [])]}
    hourly = tuple(
        (dt.datetime.fromisoformat(t).astimezone(zone), int(v))
        for t, v in record.get("hourly_aqi", [])
    )
    return Consulted(
        id=c.id,
        slot=c.slot,
        action=c.action,
        headline=(record.get("recommendation") or {}).get("headline", ""),
        revision_id=c.revision_id,
        days=days,
        hourly=hourly,
    )


class Assessor:
    def __init__(
        self,
        uow: Callable[[], AssessmentUnitOfWork],
        *,
        receipts: ReceiptService,
        meters: Meters,
        config: AssessmentConfig,
        ruleset: Ruleset,
        standards: Sequence[AqiStandard],
        office: Office,
        zone: ZoneInfo,
        env: Environment,
        pdf_base: Path | None,
        monitoring: ObservationSource | None = None,
        daily: DailyDispatch | None = None,
    ) -> None:
        self.uow = uow
        self.daily = daily
        self.receipts = receipts
        self.meters = meters
        self.config = config
        self.ruleset = ruleset
        self.standards = tuple(standards)
        self.office = office
        self.region_code = office.region_code
        self.region_name = office.region_name
        self.issuer = office.issuer
        self.zone = zone
        self.env = env
        self.pdf_base = pdf_base
        self.monitoring = monitoring

    # --- reading -----------------------------------------------------------------------------

    def _steps(self, alert_id: int) -> list[Step]:
        with self.uow() as uow:
            try:
                revisions = uow.alerts.revisions(alert_id)
            except AlertNotFound:
                raise NotAssessable(f"预警{alert_id}不存在") from None
        steps = [_step(r) for r in revisions]
        if not any(s.issued for s in steps):
            raise NotAssessable(f"预警{alert_id}尚未发布，无法评估")
        return steps

    def _consultations(
        self, alert_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Consulted]:
        """The consultations from four days before the alert's first draft to its end."""
        with self.uow() as uow:
            found = uow.consultations.of_episode(self.region_code, alert_id, start, end)
        return [_consulted(c, self.zone) for c in found]

    def _events(self, alert_id: int) -> list[Event]:
        with self.uow() as uow:
            entries = uow.audit.trail(alert_id)
        return [
            Event(
                at=e.at,
                actor=e.actor,
                action=e.action.value,
                label=e.label,
                revision_id=e.revision_id,
                reason=e.reason,
            )
            for e in entries
        ]

    def _receipts(self, steps: Sequence[Step], now: dt.datetime) -> list[Receipts]:
        out = []
        for s in steps:
            if not s.issued or s.issued_at is None:
                continue
            got = self.receipts.revision_summary(s.revision_id, now=now)
            if not got.orders:
                continue
            out.append(
                Receipts(
                    revision_id=s.revision_id,
                    orders=got.orders,
                    delivered=got.sent,
                    acknowledged=got.acknowledged,
                    acknowledged_in_time=got.acknowledged_in_time,
                    implemented=got.implemented,
                    deadline=got.deadline,
                    not_acknowledged=[f.as_dict() for f in got.overdue],
                    undelivered=[f.as_dict() for f in got.undelivered],
                    not_implemented=[f.as_dict() for f in got.not_implemented],
                )
            )
        return out

    def _tasks(self, steps: Sequence[Step]) -> list[dict[str, Any]]:
        """Each issued revision's task notices to the response network and their signatures."""
        out = []
        with self.uow() as uow:
            for s in steps:
                if s.issued:
                    found = uow.receipts.unit_states(Subject(revision_id=s.revision_id))
                    if found:
                        out.append(
                            {
                                "revision_id": s.revision_id,
                                "tasks": len(found),
                                "acknowledged": sum(1 for _, at, _ in found.values() if at),
                            }
                        )
        return out

    def _dispatch(self, alert_id: int, now: dt.datetime) -> list[dict[str, Any]]:
        """Each day of the alert's daily reports, as the roll-up counts them now."""
        if self.daily is None:
            return []
        return [
            {"day": d.isoformat(), **summary_of(self.daily.roll_up(alert_id, d, now))}
            for d in self.daily.days(alert_id, now)
            if due_at(d, self.daily.report_by, self.zone) <= now  # a day not yet due: not counted
        ]

    def _grades(self, steps: Sequence[Step], usccs: set[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        if not usccs:
            return out
        with self.uow() as uow:
            for s in steps:
                if s.issued and s.kind is not RevisionKind.LIFT:
                    for e in uow.plans.entries(Subject(revision_id=s.revision_id), usccs):
                        out[e["uscc"]] = {
                            "name": e["name"],
                            "county": e["county"],
                            "grade": e.get("grade", ""),
                        }
        return out

    # --- the use case ------------------------------------------------------------------------

    def assess(
        self,
        alert_id: int,
        *,
        now: dt.datetime,
        observed: Observations | None = None,
        observed_source: str = "",
    ) -> dict[str, Any]:
        """The assessment record of ``alert_id`` as of ``now``; ``observed`` (else the
        monitoring source) gives the observations."""
        steps = self._steps(alert_id)
        course = segments(steps, now)
        if not course:
            raise NotAssessable(f"预警{alert_id}未曾生效，无法评估")
        first_start, last = course[0].start, course[-1].end
        notes: list[str] = []
        day = dt.timedelta(days=1)
        window = (
            dt.datetime.combine(
                first_start.astimezone(self.zone).date() - 4 * day, dt.time(0), tzinfo=self.zone
            ),
            dt.datetime.combine(
                last.astimezone(self.zone).date() + 2 * day, dt.time(0), tzinfo=self.zone
            ),
        )
        if observed is None and self.monitoring is not None:
            observed, observed_source, found = self.monitoring(window[0], min(window[1], now))
            notes += found
        if observed is None:
            notes.append("未取得实况监测数据，预报与实况对比、级别核验从略")
        lines = [ln.as_dict() for ln in self.meters.check(alert_id, now=now)]
        got = self._receipts(steps, now)
        wanted = {ln["uscc"] for ln in lines if ln["verdict"] in ("suspect", "no_data")}
        for r in got:
            wanted |= {f["uscc"] for f in (*r.not_acknowledged, *r.undelivered, *r.not_implemented)}
        inputs = Inputs(
            alert_id=alert_id,
            region_name=self.region_name,
            steps=steps,
            consultations=self._consultations(alert_id, window[0], window[1]),
            events=self._events(alert_id),
            receipts=got,
            compliance=lines,
            grades=self._grades(steps, wanted),
            downgrade=self.config.downgrade,
            observed=observed,
            observed_source=observed_source,
            standards=self.standards,
            ruleset=self.ruleset,
            now=now,
            zone=self.zone,
            notes=tuple(notes),
            negotiated=self._negotiated(alert_id, steps),
            dispatch=self._dispatch(alert_id, now),
            tasks=self._tasks(steps),
        )
        return build(inputs)

    def _negotiated(self, alert_id: int, steps: Sequence[Step]) -> tuple[dict[str, Any], ...]:
        """The negotiated reductions of the revisions that were issued."""
        issued = {s.revision_id: s.document_number for s in steps if s.issued}
        with self.uow() as uow:
            items = uow.negotiations.of_alert(alert_id)
        return tuple(
            {**n.as_json(self.zone), "document_number": issued[n.revision_id]}
            for n in items
            if n.revision_id in issued
        )

    # --- the report ----------------------------------------------------------------------------

    def title(self, record: dict[str, Any]) -> str:
        return f"{self.region_name}重污染天气{record['level_label']}预警（预警{record['alert_id']}）应急响应效果评估报告"

    def render(self, record: dict[str, Any]) -> str:
        return render(
            self.env,
            "assessment/report.html",
            ReportPage(
                record=record,
                daily_chart=daily_chart(record),
                hourly_chart=hourly_chart(record),
                title=self.title(record),
                issuer=self.issuer,
            ),
        )

    def pdf(self, html: str, out: Path) -> None:
        if self.pdf_base is None:
            raise PdfUnavailable("未配置PDF模板目录")
        html_to_pdf([html], out, self.pdf_base)

    def pdf_bytes(self, html: str) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "assessment.pdf"
            self.pdf(html, target)
            return target.read_bytes()

    def write(self, record: dict[str, Any], folder: Path, *, pdf: bool) -> list[Path]:
        """The report as HTML (and PDF) in ``folder``; returns the files written."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"效果评估-预警{record['alert_id']}"
        html = self.render(record)
        html_path = folder / f"{stem}.html"
        tmp = html_path.with_name(html_path.name + ".tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(html_path)
        written = [html_path]
        if pdf:
            pdf_path = folder / f"{stem}.pdf"
            self.pdf(html, pdf_path)
            written.append(pdf_path)
        return written
