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
from sqlalchemy import Engine, and_, func, select

from orchestrator import audit, electricity, receipts
from orchestrator.alerts.model import AlertLevel, Ruleset
from orchestrator.aqi.model import AqiStandard
from orchestrator.assessment.model import (
    AssessmentConfig,
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
from orchestrator.db.tables import (
    acknowledgements,
    alert_revisions,
    alerts,
    audit_log,
    consultations,
)
from orchestrator.delivery.config import Compliance
from orchestrator.delivery.outbox import Subject, _entries
from orchestrator.errors import OrchestratorError
from orchestrator.notices.render import PdfUnavailable, html_to_pdf, render
from orchestrator.plans.lifecycle import RevisionKind
from orchestrator.readings import Observations

#: Where observations come from when none are given: (start, end) → (observations, source, notes).
ObservationSource = Callable[[dt.datetime, dt.datetime], tuple[Observations | None, str, list[str]]]


class NotAssessable(OrchestratorError):
    """The alert does not exist or was never in force."""


@dataclass(frozen=True, slots=True)
class ReportPage:
    """What ``templates/assessment/report.html`` is rendered with."""

    record: dict[str, Any]
    daily_chart: dict[str, Any]
    hourly_chart: dict[str, Any]
    title: str
    issuer: str


def _step(row: Any) -> Step:
    return Step(
        revision_id=row.id,
        number=row.number,
        kind=RevisionKind(row.kind),
        level=AlertLevel(row.level),
        start=row.start_at,
        end=row.end_at,
        status=row.status,
        drafted_by=row.drafted_by,
        approved_by=row.approved_by,
        issued_at=row.issued_at,
        document_number=row.document_number,
        reason=row.reason,
        list_revision=row.list_revision,
        targets=row.targets,
        shortfall_override=row.shortfall_override,
    )


def _consulted(row: Any, zone: ZoneInfo) -> Consulted:
    record = row.record or {}
    days = {d["date"]: d for d in [*record.get("detail", []), *record.get("trend", [])]}
    hourly = tuple(
        (dt.datetime.fromisoformat(t).astimezone(zone), int(v))
        for t, v in record.get("hourly_aqi", [])
    )
    return Consulted(
        id=row.id,
        slot=row.slot,
        action=row.action,
        headline=(record.get("recommendation") or {}).get("headline", ""),
        revision_id=row.revision_id,
        days=days,
        hourly=hourly,
    )


class Assessor:
    def __init__(
        self,
        engine: Engine,
        *,
        config: AssessmentConfig,
        compliance: Compliance,
        ruleset: Ruleset,
        standards: Sequence[AqiStandard],
        region_code: str,
        region_name: str,
        issuer: str,
        zone: ZoneInfo,
        receipt_hours: float,
        env: Environment,
        pdf_base: Path | None,
        monitoring: ObservationSource | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.compliance = compliance
        self.ruleset = ruleset
        self.standards = tuple(standards)
        self.region_code = region_code
        self.region_name = region_name
        self.issuer = issuer
        self.zone = zone
        self.receipt_hours = receipt_hours
        self.env = env
        self.pdf_base = pdf_base
        self.monitoring = monitoring

    # --- reading -----------------------------------------------------------------------------

    def _steps(self, alert_id: int) -> list[Step]:
        with self.engine.connect() as conn:
            if conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None:
                raise NotAssessable(f"预警{alert_id}不存在")
            rows = conn.execute(
                select(alert_revisions)
                .where(alert_revisions.c.alert_id == alert_id)
                .order_by(alert_revisions.c.number)
            ).all()
        steps = [_step(r) for r in rows]
        if not any(s.issued for s in steps):
            raise NotAssessable(f"预警{alert_id}尚未发布，无法评估")
        return steps

    def _consultations(
        self, alert_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[Consulted]:
        """The consultations from four days before the alert's first draft to its end."""
        c = consultations.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.slot, c.action, c.revision_id, c.record)
                .where(
                    c.region_code == self.region_code,
                    (c.alert_id == alert_id) | and_(c.slot >= start, c.slot < end),
                )
                .order_by(c.slot)
            ).all()
        return [_consulted(r, self.zone) for r in rows]

    def _events(self, alert_id: int) -> list[Event]:
        a = audit_log.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(a.at, a.actor, a.action, a.revision_id, a.reason)
                .where(a.alert_id == alert_id)
                .order_by(a.id)
            ).all()
        return [
            Event(
                at=r.at,
                actor=r.actor,
                action=r.action,
                label=audit.label(r.action),
                revision_id=r.revision_id,
                reason=r.reason,
            )
            for r in rows
        ]

    def _receipts(self, steps: Sequence[Step], now: dt.datetime) -> list[Receipts]:
        out = []
        for s in steps:
            if not s.issued or s.issued_at is None:
                continue
            got = receipts.revision_summary(
                self.engine,
                s.revision_id,
                now=now,
                receipt_hours=self.receipt_hours,
            )
            if not got.orders:
                continue
            k = acknowledgements.c
            with self.engine.connect() as conn:
                in_time = conn.execute(
                    select(func.count()).where(
                        k.revision_id == s.revision_id, k.acknowledged_at <= got.deadline
                    )
                ).scalar_one()
            out.append(
                Receipts(
                    revision_id=s.revision_id,
                    orders=got.orders,
                    delivered=got.sent,
                    acknowledged=got.acknowledged,
                    acknowledged_in_time=int(in_time),
                    implemented=got.implemented,
                    deadline=got.deadline,
                    not_acknowledged=[f.as_dict() for f in got.overdue],
                    undelivered=[f.as_dict() for f in got.undelivered],
                    not_implemented=[f.as_dict() for f in got.not_implemented],
                )
            )
        return out

    def _grades(self, steps: Sequence[Step], usccs: set[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        if not usccs:
            return out
        with self.engine.connect() as conn:
            for s in steps:
                if s.issued and s.kind is not RevisionKind.LIFT:
                    for e in _entries(conn, Subject(revision_id=s.revision_id), usccs):
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
        lines = [
            ln.as_dict()
            for ln in electricity.check(self.engine, alert_id, self.compliance, now=now)
        ]
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
        )
        return build(inputs)

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
