"""Drill mode (应急演练): a multi-day episode run in minutes through the real pipeline on a
simulated clock — the daily consultation reading the scenario's forecasts, its drafts submitted,
approved by the person the level needs and issued, every notice rendered, delivered and
acknowledged or not by the enterprises, overdue ones escalated to their counties, implementation
reported, and the effect assessment written at the end.

What keeps a drill from being mistaken for the real thing or reaching anyone:

- its own database (``data/drill.db``, made afresh) and its own output folder;
- every delivery forced to the folder channel (``DeliveryConfig.force_channel``), and the duty
  officers' consultation messages written to the folder too: no message leaves the machine;
- every notice, message, opinion and report rendered with ``drill`` set: marked 演练 (a banner on
  documents, 【演练】 before every text, CAP ``<status>Exercise</status>``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.alerts.model import AlertLevel
from orchestrator.bootstrap import Context
from orchestrator.clock import SimulatedClock
from orchestrator.consultation.config import SourceConfig
from orchestrator.consultation.service import Consultant
from orchestrator.controls.model import control_ids
from orchestrator.daily.model import Via
from orchestrator.daily.render import roll_up_html
from orchestrator.daily.service import NotDue
from orchestrator.daily.workbook import roll_up_workbook
from orchestrator.delivery.config import ChannelConfig
from orchestrator.delivery.model import Scope
from orchestrator.delivery.worker import DeliveryWorker
from orchestrator.drill.scenario import Scenario
from orchestrator.errors import ConfigInvalid
from orchestrator.notices.model import PdfUnavailable, Written
from orchestrator.response.model import Person, RevisionKind

#: How the drill's officers take a draft: minutes after the consultation.
SUBMIT_AFTER, APPROVE_AFTER, ISSUE_AFTER = 15, 45, 60


@dataclass
class DrillResult:
    alert_id: int | None = None
    documents: list[str] = field(default_factory=list)  # document numbers, in order
    orders_delivered: int = 0
    acknowledged: int = 0
    escalated: int = 0
    reported: int = 0
    units_acknowledged: int = 0  # task notices signed by the network's units
    daily: list[Path] = field(default_factory=list)  # the daily roll-ups written (HTML, xlsx)
    assessment: list[Path] = field(default_factory=list)
    database: str = ""


def _share(*parts: object) -> float:
    """A stable number in [0, 1) for an enterprise's behaviour (the same every run)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Drill:
    def __init__(
        self,
        context: Context,
        scenario: Scenario,
        out: Path,
        *,
        database: Path,
        pace: float = 0.0,
        pdf: bool = True,
        say: Callable[[dt.datetime, str], None] = lambda at, text: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.context = dataclasses.replace(context, drill=True)
        self.scenario = scenario
        self.out = out
        self.database = database
        self.pace = pace  # real seconds per simulated hour
        self.pdf = pdf  # also write the bulletins and the assessment as PDF
        self.say = say
        self.sleep = sleep
        zone = context.settings.zone
        self.zone = zone
        self.now = dt.datetime.combine(scenario.first_day, scenario.consult_at, tzinfo=zone)
        self.clock = SimulatedClock(self.now)
        self.result = DrillResult(database=str(database))

    # --- the simulated clock -----------------------------------------------------------------

    def _at(self, when: dt.datetime) -> None:
        if when > self.now and self.pace > 0:
            self.sleep((when - self.now).total_seconds() / 3600 * self.pace)
        self.clock.advance_to(when)
        self.now = self.clock.now()

    # --- the pieces --------------------------------------------------------------------------

    def _context(self) -> Context:
        """The drill's own: a fresh database, the scenario's forecasts and observations, the
        simulated clock, and the duty officers told through the folder."""
        cfg = self.context.consultation
        drill_source = SourceConfig(
            "drill", "folder", {"path": str(self.scenario.forecasts), "pattern": "*.json"}
        )
        monitoring = SourceConfig(
            "monitoring", "folder", {"path": str(self.scenario.stations), "pattern": "*.csv"}
        )
        duty = ChannelConfig(
            "folder", "folder", {"kind": "folder", "path": str(self.out.resolve() / "duty")}
        )
        cfg = dataclasses.replace(
            cfg,
            default_source="drill",
            sources={"drill": drill_source},
            monitoring=monitoring,
            notify_channels=(duty,),
            notify_emails=(),
        )
        context = dataclasses.replace(self.context, consultation=cfg, clock=self.clock)
        return context.on_fresh(self.database)

    def _worker(self, context: Context) -> DeliveryWorker:
        folder = ChannelConfig(
            "folder", "folder", {"kind": "folder", "path": str(self.out.resolve() / "outbox")}
        )
        config = dataclasses.replace(
            context.delivery,
            channels={**context.delivery.channels, "folder": folder},
            force_channel="folder",
        )
        return context.delivery_worker(config, self.clock)

    def _approver(self, level: AlertLevel) -> Person:
        found = self.context.response.approver_for(level)
        if found is None:
            raise ConfigInvalid(f"config/approval.toml 中没有可批准{level.term}的人员")
        return found

    def _deliver(self, worker: DeliveryWorker) -> tuple[int, int]:
        """Enqueue, escalate what is overdue, send what is due: (delivered, escalated)."""
        worker.clock = self.clock
        _, escalated = worker.housekeeping()
        stats = worker.drain()
        self.result.escalated += escalated
        return int(stats.counts.get("delivered", 0)), int(escalated)

    # --- one step of the lifecycle --------------------------------------------------------------

    def _take(
        self, context: Context, alert_id: int, slot: dt.datetime, worker: DeliveryWorker
    ) -> None:
        """The duty officer submits the draft, the approver the level needs approves it, the
        duty officer issues it; its notices are written and delivered."""
        duty = context.response.person(self.scenario.duty_officer)
        office = context.alerts()
        state = office.current(alert_id).state
        self._at(slot + dt.timedelta(minutes=SUBMIT_AFTER))
        office.submit(alert_id, by=duty, now=self.now)
        approver = self._approver(state.level)
        self._at(slot + dt.timedelta(minutes=APPROVE_AFTER))
        office.approve(alert_id, by=approver, now=self.now)
        self._at(slot + dt.timedelta(minutes=ISSUE_AFTER))
        issued = office.issue(alert_id, by=duty, now=self.now)
        number = issued.revision.document_number or ""
        self.result.documents.append(number)
        self.say(
            self.now,
            f"{duty.name}提交、{approver.name}批准、{duty.name}发布{state.kind.label}"
            f"{state.level.term}，文号{number}",
        )
        for w in issued.warnings:
            self.say(self.now, f"提示：{w}")
        folder = self.out / "notices" / f"{issued.revision.state.number:02d}-{state.kind.value}"
        try:
            written = self._write(context, alert_id, folder, pdf=self.pdf)
        except PdfUnavailable:
            written = self._write(context, alert_id, folder, pdf=False)
        self._at(self.now + dt.timedelta(minutes=5))
        self._deliver(worker)
        receipts = context.receipts()
        delivered = receipts.revision_summary(issued.revision.revision_id, now=self.now).delivered
        self.result.orders_delivered += delivered
        if not written.orders:
            self.say(self.now, f"通知已生成（{folder}）")
            return
        self.say(
            self.now,
            f"通知已生成（{folder}），应急响应指令{written.orders}份经文件渠道投递{delivered}份",
        )
        self._respond(context, alert_id, issued.revision.revision_id, worker)

    def _write(self, context: Context, alert_id: int, folder: Path, *, pdf: bool) -> Written:
        return context.notices().write(
            alert_id, folder, pdf_base=context.settings.templates_dir, pdf=pdf
        )

    def _respond(
        self, context: Context, alert_id: int, revision_id: int, worker: DeliveryWorker
    ) -> None:
        """The enterprises answer: most sign within the deadline, some late (after the orders
        went out again and their counties were told), some never; signers report."""
        s = self.scenario
        scope = Scope(alert_id=alert_id)
        receipts = context.receipts()
        issued_at = self.now
        deadline = context.office.receipt_deadline(issued_at)
        plan = context.alerts().frozen_plan(revision_id)
        usccs = sorted(e["uscc"] for e in plan)
        in_time = [u for u in usccs if _share(u, revision_id) < s.acknowledge]
        late = [
            u for u in usccs if s.acknowledge <= _share(u, revision_id) < s.acknowledge + s.late
        ]
        self._at(issued_at + (deadline - issued_at) / 2)
        for u in in_time:
            receipts.acknowledge(scope, u, revision_id, signer="企业值班员", now=self.now)
        self._at(deadline + dt.timedelta(minutes=5))
        _, escalated = self._deliver(worker)
        self._at(deadline + dt.timedelta(hours=1))
        for u in late:
            receipts.acknowledge(scope, u, revision_id, signer="企业值班员", now=self.now)
        self.result.acknowledged += len(in_time) + len(late)
        units = context.unit_receipts()
        _, tasked = units.states(alert_id)
        for u in tasked:  # the units sign their task notices (most within the deadline)
            if _share(u.code, revision_id) < s.acknowledge + s.late:
                units.acknowledge(alert_id, u.code, revision_id, signer="单位值班员", now=self.now)
                self.result.units_acknowledged += 1
        self.say(
            self.now,
            f"企业签收：按时{len(in_time)}家、逾期{len(late)}家、未签收"
            f"{len(usccs) - len(in_time) - len(late)}家；签收时限到时未签收的{escalated}家"
            "已经其他渠道补发并报所在区县",
        )
        lines = {e["uscc"]: len(e["lines"]) for e in plan}
        reported = 0
        for u in in_time + late:
            if _share(u, revision_id, "report") >= s.report or not lines.get(u):
                continue
            lagging = _share(u, revision_id, "done") < s.not_done
            done = [not (lagging and i == 0) for i in range(lines[u])]
            notes = ["设备故障，未能按时停产" if not d else "" for d in done]
            receipts.report(scope, u, revision_id, done=done, notes=notes, note="", now=self.now)
            reported += 1
        self.result.reported += reported
        if reported:
            self.say(self.now, f"{reported}家企业报送落实情况")

    def _daily(
        self, context: Context, day: dt.date, worker: DeliveryWorker, before: dt.datetime
    ) -> None:
        """每日调度 of one day of the alert: the enterprises and units report before the time
        (most of them; a few with a measure not done, with its reason), the round after it
        chases the missing and sends the leaders the roll-up, which is written to the folder."""
        alert_id = self.result.alert_id
        if alert_id is None:
            return
        daily = context.daily()
        by = dt.datetime.combine(day, daily.report_by, tzinfo=self.zone)
        try:
            found = daily.day(alert_id, day)
        except NotDue:
            return
        s = self.scenario
        self._at(by - dt.timedelta(hours=1))
        for e in found.expected:
            if _share(e.code, day, "daily") >= s.acknowledge * s.report + s.late:
                continue  # does not report today
            lagging = _share(e.code, day, "done") < s.not_done
            done = [not (lagging and i == 0) for i in range(len(e.owed))]
            figures = [
                str(int(_share(e.code, day, o.key) * 40)) if o.figure else "" for o in e.owed
            ]
            notes = ["" if d else "设备检修，未能按时落实，已报属地" for d in done]
            daily.submit(alert_id, e.code, day, done=done, notes=notes, figures=figures,
                         by="值班员", via=Via.PAGE, now=self.now)  # fmt: skip
        self._at(min(by + dt.timedelta(minutes=5), before))
        for rolled in daily.run_due(self.now):
            if rolled.day != day:
                continue
            folder = self.out / "daily"
            folder.mkdir(parents=True, exist_ok=True)
            stem = f"日报-{day.isoformat()}"
            office = context.office
            html = roll_up_html(context.templates(), rolled, office=office.issuer,
                                region_name=office.region_name, zone=self.zone)  # fmt: skip
            (folder / f"{stem}.html").write_text(html, encoding="utf-8")
            (folder / f"{stem}.xlsx").write_bytes(
                roll_up_workbook(rolled, region_name=office.region_name, zone=self.zone, drill=True)
            )
            self.result.daily += [folder / f"{stem}.html", folder / f"{stem}.xlsx"]
            c = rolled.city
            self.say(
                self.now,
                f"每日调度：{day.month}月{day.day}日日报应报{c.expected}、已报{c.reported}"
                f"（企业{rolled.enterprises.reported}、单位{rolled.units.reported}），"
                f"落实{c.done}/{c.items}项，问题{len(rolled.problems)}条；"
                f"未报的{len(rolled.missing)}家（个）已催报，日报已送领导（{folder / stem}.xlsx）",
            )
        self._deliver(worker)

    def _standing(self, context: Context, worker: DeliveryWorker) -> None:
        """The standing recurring controls of the drill's first day, announced as the scheduler
        would have (staggered production in winter): what the alerts' reduction checks then
        count only beyond."""
        office = context.control_office()
        for control_id in control_ids(context.controls):
            outcome = office.run(control_id, at=self.now, now=self.now)
            if outcome.round_id is None:
                continue
            self._deliver(worker)
            receipts = context.receipts()
            delivered = receipts.round_summary(outcome.round_id, now=self.now).delivered
            self.say(self.now, f"常态化管控：{outcome.detail}；经文件渠道投递{delivered}份")
            # the enterprises sign the season's notice, as they do the alert's orders
            scope = Scope(round_id=outcome.round_id)
            signing = self.scenario.acknowledge + self.scenario.late
            for uscc, _, _ in office.notices(outcome.round_id):
                if _share(uscc, "round", outcome.round_id) < signing:
                    receipts.acknowledge(
                        scope, uscc, outcome.round_id, signer="企业值班员", now=self.now
                    )

    # --- the drill -------------------------------------------------------------------------

    def run(self) -> DrillResult:
        s = self.scenario
        context = self._context()
        imported = context.lists().import_list(
            s.emission_list, effective_from=s.list_effective_from, now=self.now, by="演练导调组"
        )
        self.say(
            self.now,
            f"演练开始：{s.title}；导入应急减排清单{s.emission_list.name}"
            f"（企业{imported.enterprises}家），使用单独的演练数据库{self.database.name}",
        )
        consultant = context.consultant()
        worker = self._worker(context)
        self._standing(context, worker)
        lifted = False
        for day in range(s.days):
            slot = dt.datetime.combine(
                s.first_day + dt.timedelta(days=day), s.consult_at, tzinfo=self.zone
            )
            if slot.time() >= context.daily().report_by:  # the day's reports, then consulting
                self._daily(context, slot.date(), worker, before=slot)
            self._at(slot)
            outcome = consultant.consult(slot=slot, now=slot, trigger="drill")
            rec = outcome.record
            self.say(self.now, f"每日会商：{rec['recommendation']['headline']}")
            note = (rec.get("draft") or {}).get("note")
            if note:
                self.say(self.now, note)
            if outcome.alert_id is None or outcome.revision_id is None:
                continue
            self.result.alert_id = outcome.alert_id
            self._take(context, outcome.alert_id, slot, worker)
            if context.alerts().revisions(outcome.alert_id)[-1].state.kind is RevisionKind.LIFT:
                lifted = True
                break
        if self.result.alert_id is None:
            self.say(self.now, "演练期间未启动预警")
            return self.result
        if not lifted:
            self.say(self.now, "演练时段结束时预警尚未解除，评估为阶段评估")
        self._at(self.now + dt.timedelta(hours=12))
        self._assess(context, consultant)
        return self.result

    def _assess(self, context: Context, consultant: Consultant) -> None:
        assert self.result.alert_id is not None
        assessor = context.assessor(monitoring=consultant.observations_between)
        record = assessor.assess(self.result.alert_id, now=self.now)
        try:
            self.result.assessment = assessor.write(record, self.out, pdf=self.pdf)
        except PdfUnavailable:
            self.result.assessment = assessor.write(record, self.out, pdf=False)
        for c in record["conclusions"]:
            self.say(self.now, f"评估：{c}")
