"""The daily consultation (每日会商) use case, called by the CLI and the scheduler alike.

One run: fetch the forecast (and observations), check them, decide under the city's ruleset,
compare with the alert in force, record the opinion with its provenance, draft the matching
alert action for the duty officers and tell them. A consultation is unique per (region, slot):
the row, the draft and the opinion are written in one transaction, and running the same slot
again returns the row already there without drafting or notifying twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.alerts import Decision, decide
from orchestrator.alerts.decide import decision_json
from orchestrator.alerts.model import Ruleset
from orchestrator.alerts.readings import Observations, to_series
from orchestrator.aqi.model import AqiStandard
from orchestrator.consultation.config import ConsultationConfig
from orchestrator.consultation.duty import DutyLine
from orchestrator.consultation.forecast import (
    Forecast,
    Issue,
    Outlook,
    check_forecast,
    parse_document,
)
from orchestrator.consultation.model import Consultation, OpinionPage, Outcome
from orchestrator.consultation.opinion import (
    ActiveAlert,
    Recommendation,
    basis_context,
    build_record,
    chart,
    observed_summary,
    recommend,
    station_aqi,
)
from orchestrator.consultation.ports import ConsultationUnitOfWork
from orchestrator.consultation.sources import SourceFailed, fetch_stations, forecast_candidates
from orchestrator.consultation.stations import CitySeries, aggregate
from orchestrator.delivery.model import MessageKind
from orchestrator.errors import Conflict, InputInvalid
from orchestrator.notices.model import PdfUnavailable
from orchestrator.notices.render import html_to_pdf, render
from orchestrator.response.config import Office
from orchestrator.response.lifecycle import IllegalTransition, WindowInvalid
from orchestrator.response.model import (
    AlertsOverlap,
    Draft,
    Person,
    RevisionKind,
    Role,
    Situation,
)
from orchestrator.response.service import CommandOffice

log = logging.getLogger(__name__)

#: Who drafts the alert actions a consultation proposes (a duty officer submits them).
DRAFTER = Person(name="每日会商（系统）", role=Role.DUTY_OFFICER)


class Consultant:
    """The daily consultation of the office's area."""

    def __init__(
        self,
        uow: Callable[[], ConsultationUnitOfWork],
        *,
        command: CommandOffice,
        config: ConsultationConfig,
        ruleset: Ruleset,
        standards: Sequence[AqiStandard],
        office: Office,
        zone: ZoneInfo,
        root: Path,
        data_dir: Path,
        env: Environment,
        pdf_base: Path | None,
    ):
        self.uow, self.command, self.config, self.ruleset = uow, command, config, ruleset
        self.standards = tuple(standards)
        self.office = office
        self.region_code, self.region_name, self.issuer = (
            office.region_code,
            office.region_name,
            office.issuer,
        )
        self.zone, self.root, self.data_dir = zone, root, data_dir
        self.env, self.pdf_base = env, pdf_base

    # --- reading --------------------------------------------------------------------------

    def find(self, slot: dt.datetime) -> Outcome | None:
        with self.uow() as uow:
            found = uow.consultations.find(self.region_code, slot)
        return Outcome.of(found) if found is not None else None

    def get(self, consultation_id: int) -> Outcome | None:
        with self.uow() as uow:
            found = uow.consultations.get(consultation_id)
        return Outcome.of(found) if found is not None else None

    def record(self, consultation_id: int) -> Consultation | None:
        """One of the area's consultations, as recorded (None: not the area's, or none)."""
        with self.uow() as uow:
            return uow.consultations.get(consultation_id, self.region_code)

    def recorded(self, limit: int = 50) -> list[Consultation]:
        """The area's consultations, newest slot first."""
        with self.uow() as uow:
            return self.recorded_in(uow, limit)

    def recorded_in(self, uow: ConsultationUnitOfWork, limit: int = 50) -> list[Consultation]:
        """:meth:`recorded` inside the caller's unit of work (a page's reads)."""
        return uow.consultations.history(self.region_code, limit)

    def history(self, limit: int = 20) -> list[Outcome]:
        return [Outcome.of(c) for c in self.recorded(limit)]

    # --- inputs ---------------------------------------------------------------------------

    def outlook(self, day: dt.date, now: dt.datetime, source: str | None = None) -> Outlook:
        """``day``'s forecast maximum temperature and O3-8h from the consultation's source (for
        forecast-triggered controls). Raises :class:`SourceFailed` when the forecast cannot be
        read, is stale, or is another city's."""
        forecast, issues = self._forecast(source, now)
        if forecast is None:
            raise SourceFailed("；".join(i.message for i in issues))
        unusable = [i.message for i in issues if i.code in ("stale", "future", "city")]
        if unusable:
            raise SourceFailed("；".join(unusable))
        row = next((r for r in forecast.rows if forecast.daily and r.time.date() == day), None)
        return Outlook(
            day=day,
            t_max=forecast.t_max.get(day),
            o3_8h=row.values.o3_8h if row is not None else None,
            provenance=forecast.provenance,
        )

    def _forecast(
        self, source: str | None, now: dt.datetime
    ) -> tuple[Forecast | None, list[Issue]]:
        """The best forecast the source offers: its newest document that reads as one. Each
        unusable one before it is named in the opinion; none usable degrades the consultation."""
        cfg = self.config.source(source)
        problems: list[str] = []
        for fetched in forecast_candidates(cfg, root=self.root, now=now, zone=self.zone):
            if isinstance(fetched, SourceFailed):
                problems.append(str(fetched))
                continue
            try:
                forecast = parse_document(
                    fetched.data,
                    provenance=fetched.provenance,
                    zone=self.zone,
                    limits=self.config.health.max,
                    issued_fallback=fetched.issued_fallback,
                )
            except InputInvalid as exc:
                where = fetched.provenance.location
                problems.append(str(exc) if where in str(exc) else f"{where}: {exc}")
                continue
            skipped = [
                Issue(code="source_skipped", message=f"预报文件不可用，已跳过：{p}", degrades=False)
                for p in problems
            ]
            checked = check_forecast(
                forecast, now=now, city=self.region_name, health=self.config.health
            )
            return forecast, [*skipped, *checked]
        return None, [Issue(code="source_failed", message=f"预报数据不可用：{'；'.join(problems)}")]

    def _unread(self, source: str, now: dt.datetime) -> dict[str, Any]:
        """The provenance of a forecast that could not be read: where it was looked for."""
        cfg = self.config.source(source)
        return {
            "source": source,
            "kind": cfg.kind,
            "location": str(cfg.get("url") if cfg.kind == "http" else cfg.get("path")),
            "sha256": "",
            "fetched_at": now.isoformat(),
            "issued_at": None,
            "producer": "",
        }

    def _city(
        self,
        records: Sequence[tuple[str, Mapping[str, str]]],
        locations: Sequence[str],
        *,
        now: dt.datetime,
        max_age_hours: float,
        degrades: bool,
    ) -> CitySeries:
        """The city's hourly means of the stations' records, as of ``now``."""
        return aggregate(
            records,
            city=self.region_name,
            source=", ".join(locations),
            zone=self.zone,
            min_share=self.config.min_station_share,
            limits=self.config.health.max,
            now=now,
            max_age_hours=max_age_hours,
            degrades=degrades,
        )

    def _observed(self, now: dt.datetime) -> tuple[Any, list[Issue], dict[str, Any] | None]:
        mon = self.config.monitoring
        if mon is None or not mon.enabled:
            return None, [], None
        degrades = self.config.health.monitoring_degrades
        try:
            records, locations, sha = fetch_stations(mon, root=self.root, now=now)
        except SourceFailed as exc:
            return (
                None,
                [Issue(code="obs_failed", message=f"监测数据不可用：{exc}", degrades=degrades)],
                None,
            )
        city = self._city(
            records,
            locations,
            now=now,
            max_age_hours=self.config.health.max_observation_age_hours,
            degrades=degrades,
        )
        latest = None
        if city.observations is not None:
            try:
                series, _ = to_series(city.observations, self.standards)
            except InputInvalid:
                series = None
            scored = [w for w in series.windows if w.aqi is not None] if series else []
            if scored:
                w = scored[-1]
                latest = (int(w.aqi or 0), [p.value for p in w.primary_pollutants])
        provenance = {
            "source": "monitoring",
            "kind": mon.kind,
            "location": locations,
            "sha256": sha,
            "fetched_at": now.isoformat(),
            "stations": list(city.stations),
        }
        summary = observed_summary(city.observations, latest)
        if summary is not None:
            summary["stations"] = station_aqi(city.latest, self.standards)
        return summary, list(city.issues), provenance

    def observations_between(
        self, start: dt.datetime, end: dt.datetime
    ) -> tuple[Observations | None, str, list[str]]:
        """The city's hourly observations of [start, end) from the monitoring source (for the
        effect assessment): (observations or None, where they came from, what was wrong)."""
        mon = self.config.monitoring
        if mon is None or not mon.enabled:
            return None, "", ["未配置监测数据源（config/consultation.toml [monitoring]）"]
        hours = int((end - start).total_seconds() // 3600)
        try:
            records, locations, _ = fetch_stations(mon, root=self.root, now=end, hours=hours)
        except SourceFailed as exc:
            return None, "", [f"监测数据不可用：{exc}"]
        city = self._city(records, locations, now=end, max_age_hours=hours, degrades=False)
        where = "、".join(Path(p).name for p in locations) or mon.name
        return city.observations, f"监测数据源（{where}）", [i.message for i in city.issues]

    # --- the use case ---------------------------------------------------------------------

    def consult(
        self,
        *,
        slot: dt.datetime,
        now: dt.datetime,
        source: str | None = None,
        trigger: str = "manual",
    ) -> Outcome:
        """Run the consultation of ``slot`` (once; a second call returns the first run)."""
        slot = slot.astimezone(self.zone).replace(second=0, microsecond=0)
        found = self.find(slot)
        if found is not None:
            return found
        source_name = source or self.config.default_source
        self.config.source(source_name)  # an unknown name is the caller's mistake: raise now
        forecast, issues = self._forecast(source_name, slot)
        observed, obs_issues, obs_provenance = self._observed(slot)
        issues += obs_issues
        sit = self.command.situation(slot)
        active = (
            ActiveAlert(
                alert_id=sit.active.alert_id,
                level=sit.active.state.level,
                start=sit.active.state.start,
                end=sit.active.state.end,
                document_number=sit.active.document_number,
                open_revision=sit.active_open,
            )
            if sit.active is not None
            else None
        )
        decision: Decision | None = None
        series = None
        if forecast is not None and forecast.rows:
            try:
                series, so2 = to_series(forecast.observations(), self.standards)
                decision = decide(
                    series,
                    self.ruleset,
                    now=slot,
                    hint=sit.hint,
                    # the lift rule applies to an alert already running, not one ahead
                    active_level=active.level if active and active.start <= slot else None,
                    so2_readings=so2,
                )
            except (InputInvalid, ValueError) as exc:
                issues.append(Issue(code="value", message=f"预报数据无法计算AQI：{exc}"))
        degraded = any(i.degrades for i in issues)
        rec = recommend(decision, active, now=slot, degraded=degraded)
        provenance = {
            "forecast": (
                forecast.provenance.as_json() if forecast else self._unread(source_name, slot)
            ),
            "monitoring": obs_provenance,
            "ruleset": self.ruleset.id,
            "standards": [s.id for s in self.standards],
        }
        record = build_record(
            slot=slot,
            region_name=self.region_name,
            forecast=forecast,
            series=series,
            decision_json=(
                decision_json(decision, include_lift=active is not None) if decision else None
            ),
            recommendation=rec,
            active=active,
            issues=issues,
            ruleset=self.ruleset,
            standards=self.standards,
            detail_days=self.config.detail_days,
            observed=observed,
            provenance=provenance,
        )
        try:
            with self.uow() as uow:
                cid = uow.consultations.add(
                    self.region_code,
                    slot,
                    ran_at=now,
                    trigger=trigger,
                    source=source_name,
                    degraded=degraded,
                    action=rec.action,
                    level=rec.level.value if rec.level else None,
                )
                alert_id, revision_id, note = self._draft(uow, rec, sit, record, slot)
                record["draft"] = {"alert_id": alert_id, "revision_id": revision_id, "note": note}
                record["id"] = cid
                html = self.render(record)
                uow.consultations.complete(
                    cid, record=record, html=html, alert_id=alert_id, revision_id=revision_id
                )
                uow.commit()
        except Conflict:
            # another process ran this slot at the same moment and committed first
            found = self.find(slot)
            if found is None:
                raise
            return found
        outcome = Outcome(cid, True, record, html, alert_id, revision_id, False)
        notified = self.notify(cid, now=now)
        return dataclasses.replace(outcome, notified=notified)

    def _draft(
        self,
        uow: ConsultationUnitOfWork,
        rec: Recommendation,
        sit: Situation,
        record: dict[str, Any],
        slot: dt.datetime,
    ) -> tuple[int | None, int | None, str]:
        """The draft the recommendation asks for, unless one is already waiting."""
        if rec.kind is None or rec.level is None or rec.start is None:
            return None, None, ""
        if rec.on_instruction:
            return (
                None,
                None,
                "不利气象条件应对须依上级指令开展，本次会商未起草，请报请上级同意后办理",
            )
        if rec.kind is RevisionKind.ISSUE and sit.pending_issue:
            ids = "、".join(str(i) for i in sit.pending_issue)
            return None, None, f"预警{ids}已起草待审批，未另行起草"
        if rec.kind is not RevisionKind.ISSUE and sit.active_open:
            assert sit.active is not None
            return None, None, f"预警{sit.active.alert_id}已有待处理的调整，未另行起草"
        # the basis as the office writes it (templates/notices/basis.txt); the engine's trace
        # stays in the consultation's record (console, audit), not in the notice
        basis = render(
            self.env,
            "notices/basis.txt",
            basis_context(
                rec,
                record.get("decision") or {},
                previous=sit.active.state.level if sit.active else None,
                slot=slot.astimezone(self.zone),
                consulted_by=self.config.consulted_by,
                ruleset=self.ruleset,
                standards=self.standards,
            ),
        ).strip()
        draft = Draft(
            kind=rec.kind,
            level=rec.level,
            start=rec.start,
            end=rec.end,
            reason=basis,
            alert_id=sit.active.alert_id
            if sit.active and rec.kind is not RevisionKind.ISSUE
            else None,
        )
        try:
            with uow.savepoint():
                view = self.command.draft_in(uow, draft, by=DRAFTER, now=slot)
        except (IllegalTransition, WindowInvalid, AlertsOverlap) as exc:
            return None, None, f"未能起草：{exc}"
        return view.alert_id, view.revision_id, ""

    # --- the opinion ----------------------------------------------------------------------

    def render(self, record: dict[str, Any]) -> str:
        slot = dt.datetime.fromisoformat(record["slot"])
        title = f"{self.region_name}空气质量会商意见（{slot:%Y年%m月%d日%H时%M分}）"
        return render(
            self.env,
            "consultation/opinion.html",
            OpinionPage(record=record, chart=chart(record), title=title, issuer=self.issuer),
        )

    def pdf(self, html: str, out: Path) -> None:
        if self.pdf_base is None:
            raise PdfUnavailable("未配置PDF模板目录")
        html_to_pdf([html], out, self.pdf_base)

    def write(self, outcome: Outcome, folder: Path, *, pdf: bool) -> list[Path]:
        """The opinion as HTML (and PDF) in ``folder``; returns the files written."""
        folder.mkdir(parents=True, exist_ok=True)
        slot = dt.datetime.fromisoformat(outcome.record["slot"])
        stem = f"会商意见-{slot:%Y%m%d-%H%M}"
        html_path = folder / f"{stem}.html"
        html_path.write_text(outcome.html, encoding="utf-8")
        written = [html_path]
        if pdf:
            pdf_path = folder / f"{stem}.pdf"
            self.pdf(outcome.html, pdf_path)
            written.append(pdf_path)
        return written

    # --- telling the duty officers --------------------------------------------------------

    def notify(self, consultation_id: int, *, now: dt.datetime) -> bool:
        """Send the opinion to the duty officers on every configured channel; record the
        outcome. True when every usable channel took it (retried by :meth:`notify_pending`)."""
        outcome = self.get(consultation_id)
        assert outcome is not None
        rec = outcome.record
        slot = dt.datetime.fromisoformat(rec["slot"])
        status = "（数据异常）" if rec["degraded"] else ""
        subject = f"{slot.month}月{slot.day}日{slot.hour}时{slot.minute:02d}分会商意见{status}：{rec['recommendation']['headline']}"
        if self.env.globals.get("drill"):
            subject = "【演练】" + subject
        lines = [subject]
        lines += [f"· {i['message']}" for i in rec["issues"]]
        if rec.get("draft", {}).get("alert_id"):
            lines.append(f"已起草预警{rec['draft']['alert_id']}，请值班人员审核后提交审批。")
        elif rec.get("draft", {}).get("note"):
            lines.append(rec["draft"]["note"])
        text = "\n".join(lines)
        told = DutyLine(
            self.config,
            data_dir=self.data_dir,
            pdf=self._pdf_bytes if self.pdf_base is not None else None,
        ).tell(
            key=f"consultation:{self.region_code}:{slot:%Y%m%dT%H%M}",
            kind=MessageKind.CONSULTATION,
            folder="consultations",
            recipient=f"duty-{slot:%Y%m%d-%H%M}",
            subject=subject,
            text=text,
            html=outcome.html,
            filename=f"会商意见-{slot:%Y%m%d-%H%M}.html",
        )
        # recorded; notify_pending tries again (the consultation itself stands)
        errors, sent = list(told.errors), told.sent
        done = not errors
        with self.uow() as uow:
            uow.consultations.notified(
                consultation_id, at=now if done else None, error="; ".join(errors) or None
            )
            uow.commit()
        if errors:
            log.warning("consultation %s: notifying failed: %s", consultation_id, errors)
        return done and sent > 0

    def notify_pending(self, *, now: dt.datetime, max_attempts: int = 5) -> int:
        """Retry telling the duty officers of consultations not yet notified."""
        with self.uow() as uow:
            ids = uow.consultations.unnotified(self.region_code, max_attempts=max_attempts)
        return sum(self.notify(i, now=now) for i in ids)

    def _pdf_bytes(self, html: str) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "opinion.pdf"
            self.pdf(html, target)
            return target.read_bytes()
