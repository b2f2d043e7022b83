"""The scheduler: every consultation slot on time and exactly once (APScheduler 3.11).

Slots come from ``config/consultation.toml`` ``[schedule]`` (city time); ``active_only`` slots run
only while an alert is in force. Each recurring control of ``config/controls.toml`` has a daily
job too (``control:<id>``, at its notify or forecast-check time) that issues its round when due. Jobs coalesce, run one instance at a time and tolerate a misfire
of ``misfire_grace_seconds``. Whoever runs a slot first claims it in ``scheduler_runs``, unique per
(job, slot): of two schedulers firing the same slot (two servers on one PostgreSQL), one runs it
and the other records nothing and moves on. A run whose process died is taken over once its
lease has run out. The clock is injected, so a slot's time is computed, never waited for, in
tests and in ``orchestrator schedule --once``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from orchestrator.bootstrap import Context
from orchestrator.checks.service import CoverageChecks
from orchestrator.clock import Clock
from orchestrator.consultation.config import Schedule, Slot
from orchestrator.consultation.service import Consultant
from orchestrator.controls.service import ControlFailed, ControlOffice
from orchestrator.daily.service import DailyDispatch
from orchestrator.region.directives import ReportKind
from orchestrator.region.exchange import CityExchange
from orchestrator.region.federation import Verdict
from orchestrator.region.service import DirectiveDesk
from orchestrator.response.service import CommandOffice
from orchestrator.scheduling.ports import RunUnitOfWork

log = logging.getLogger(__name__)

CATCH_UP_MINUTES = 5
#: A city's report-back to its province goes up once in each slot of this many minutes.
REPORT_MINUTES = 15
#: A city's own installation fetches its orders and sends its report-backs this often.
PULL_MINUTES = 5


@dataclass(frozen=True, slots=True)
class RunResult:
    job: str
    slot: dt.datetime
    status: str  # done, failed, skipped, taken (another process has it), missed
    detail: str = ""
    consultation_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "slot": self.slot.isoformat(),
            "status": self.status,
            "detail": self.detail,
            "consultation_id": self.consultation_id,
        }


def job_id(slot: Slot) -> str:
    return f"consult:{slot.name}"


def control_job(control_id: str) -> str:
    return f"control:{control_id}"


_ROUND_STATUS = {"issued": "done", "exists": "done", "none": "skipped", "not_triggered": "skipped"}


class Claims:
    """Running a job's slot once: claimed in the run history (whoever claims it first runs it),
    finished with its outcome, reported."""

    uow: Callable[[], RunUnitOfWork]
    clock: Clock
    runner: str
    on_run: Callable[[RunResult], None] | None
    lease_seconds: int

    def _claim(self, job: str, slot: dt.datetime, now: dt.datetime) -> bool:
        lease = now + dt.timedelta(seconds=self.lease_seconds)
        with self.uow() as uow:
            taken = uow.runs.claim(job, slot, runner=self.runner, now=now, lease=lease)
            uow.commit()
        return taken

    def _finish(self, result: RunResult) -> RunResult:
        with self.uow() as uow:
            uow.runs.finish(
                result.job,
                result.slot,
                runner=self.runner,
                status=result.status,
                finished_at=self.clock.now(),
                detail=result.detail,
                consultation_id=result.consultation_id,
            )
            uow.commit()
        return self._report(result)

    def _report(self, result: RunResult) -> RunResult:
        if self.on_run is not None:
            self.on_run(result)
        return result

    def beat(self) -> None:
        """Record that this scheduler is alive (process ``scheduler``, this runner)."""
        with self.uow() as uow:
            uow.beats.beat("scheduler", self.runner, self.clock.now())
            uow.commit()

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.uow() as uow:
            return uow.runs.history(limit)


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def slot_of(now: dt.datetime, minutes: int, zone: ZoneInfo) -> dt.datetime:
    """The start of the ``minutes``-long slot ``now`` falls in (city time)."""
    assert 0 < minutes <= 60
    assert 60 % minutes == 0
    local = now.astimezone(zone)
    return local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)


class Heartbeat(Claims):
    def __init__(
        self,
        uow: Callable[[], RunUnitOfWork],
        consultant: Consultant,
        *,
        command: CommandOffice,
        schedule: Schedule,
        zone: ZoneInfo,
        clock: Clock,
        runner: str | None = None,
        on_run: Callable[[RunResult], None] | None = None,
        controls: ControlOffice | None = None,
        daily: DailyDispatch | None = None,
        checks: CoverageChecks | None = None,
        directives: DirectiveDesk | None = None,
        exchange: CityExchange | None = None,
        prefix: str = "",
    ):
        self.uow, self.consultant, self.command, self.schedule = uow, consultant, command, schedule
        self.controls, self.daily, self.checks = controls, daily, checks
        self.directives = directives  # a city under a provincial platform: its report-back
        self.exchange = exchange  # a city's own installation: its line to the province's
        self.zone, self.clock = zone, clock
        self.runner = runner or runner_name()
        self.on_run = on_run
        self.lease_seconds = schedule.lease_seconds
        # before each APScheduler job's id and name (several cities in one scheduler)
        self.prefix = prefix

    # --- when -----------------------------------------------------------------------------

    def last_fire(self, slot: Slot | dt.time, now: dt.datetime) -> dt.datetime:
        """The slot's (or daily time's) most recent scheduled time at or before ``now``."""
        time = slot.time if isinstance(slot, Slot) else slot
        local = now.astimezone(self.zone)
        at = dt.datetime.combine(local.date(), time, tzinfo=self.zone)
        return at if at <= local else at - dt.timedelta(days=1)

    def _within_grace(self, at: dt.datetime, now: dt.datetime) -> bool:
        return (now - at).total_seconds() <= self.schedule.misfire_grace_seconds

    def due(self, now: dt.datetime) -> list[tuple[Slot, dt.datetime]]:
        """The slots whose latest time is within the misfire grace before ``now``."""
        out = []
        for slot in self.schedule.slots:
            at = self.last_fire(slot, now)
            if self._within_grace(at, now):
                out.append((slot, at))
        return out

    def control_times(self, now: dt.datetime) -> dict[str, dt.time]:
        """Each recurring control's daily run time (its definition in force ``now``)."""
        if self.controls is None:
            return {}
        day = now.astimezone(self.zone).date()
        return {c: self.controls.current(c, day).run_time for c in self.controls.ids()}

    def due_controls(self, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """The controls whose daily time is within the misfire grace before ``now``."""
        out = []
        for control_id, time in self.control_times(now).items():
            at = self.last_fire(time, now)
            if self._within_grace(at, now):
                out.append((control_id, at))
        return out

    def triggers(self) -> dict[str, CronTrigger]:
        out = {
            job_id(slot): CronTrigger(
                hour=slot.time.hour, minute=slot.time.minute, timezone=self.zone
            )
            for slot in self.schedule.slots
        }
        for control_id, time in self.control_times(self.clock.now()).items():
            out[control_job(control_id)] = CronTrigger(
                hour=time.hour, minute=time.minute, timezone=self.zone
            )
        return out

    def install(self, scheduler: BaseScheduler) -> None:
        """Register one job per slot, and the retry of notifications that did not go out."""
        for slot in self.schedule.slots:
            scheduler.add_job(
                self.fire,
                trigger=self.triggers()[job_id(slot)],
                args=(slot.name,),
                id=self.prefix + job_id(slot),
                name=f"{self.prefix}每日会商（{slot.time:%H:%M}{'，预警期间' if slot.active_only else ''}）",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=self.schedule.misfire_grace_seconds,
                replace_existing=True,
            )
        triggers = self.triggers()
        today = self.clock.now().astimezone(self.zone).date()
        for control_id in self.control_times(self.clock.now()):
            assert self.controls is not None
            scheduler.add_job(
                self.fire_control,
                trigger=triggers[control_job(control_id)],
                args=(control_id,),
                id=self.prefix + control_job(control_id),
                name=f"{self.prefix}常态化管控：{self.controls.current(control_id, today).name}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=self.schedule.misfire_grace_seconds,
                replace_existing=True,
            )
        self.beat()  # alive from the start, not only from the first catch-up
        scheduler.add_job(
            self.catch_up,
            trigger=IntervalTrigger(minutes=CATCH_UP_MINUTES, timezone=self.zone),
            id=self.prefix + "catch-up",
            name=f"{self.prefix}补做失败或错过的会商时次，重发未送达的会商通知",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    # --- what -----------------------------------------------------------------------------

    def fire(self, slot_name: str) -> RunResult:
        """The job APScheduler calls: run the slot's latest time, if still within grace."""
        slot = next(s for s in self.schedule.slots if s.name == slot_name)
        now = self.clock.now()
        at = self.last_fire(slot, now)
        if (now - at).total_seconds() > self.schedule.misfire_grace_seconds:
            return self._report(RunResult(job_id(slot), at, "missed", "已超过允许的延误时间"))
        return self.run_slot(slot, at)

    def fire_control(self, control_id: str) -> RunResult:
        """The job APScheduler calls for a recurring control."""
        now = self.clock.now()
        at = self.last_fire(self.control_times(now)[control_id], now)
        if not self._within_grace(at, now):
            return self._report(
                RunResult(control_job(control_id), at, "missed", "已超过允许的延误时间")
            )
        return self.run_control(control_id, at)

    def run_due(self, *, report_taken: bool = True) -> list[RunResult]:
        """Run every slot and control due now (``orchestrator schedule --once``: cron, tests,
        catch-up)."""
        now = self.clock.now()
        out = [self.run_slot(slot, at, report_taken=report_taken) for slot, at in self.due(now)]
        out += [
            self.run_control(c, at, report_taken=report_taken) for c, at in self.due_controls(now)
        ]
        return out + self.run_exchange() + self.run_daily() + self.run_checks() + self.run_reports()

    def run_daily(self) -> list[RunResult]:
        """每日调度: each alert day whose reports fell due and whose round is not done — the
        missing chased, the leaders sent the roll-up (once per day, whichever process first)."""
        if self.daily is None:
            return []
        out = []
        for r in self.daily.run_due(self.clock.now()):
            out.append(
                self._report(
                    RunResult(
                        f"daily:{r.alert_id}:{r.day.isoformat()}",
                        r.due,
                        "done",
                        f"日报应报{r.city.expected}、已报{r.city.reported}，"
                        f"催报{len(r.missing)}家（个）",
                    )
                )
            )
        return out

    def run_checks(self) -> list[RunResult]:
        """核查任务: each task past its deadline with findings unanswered, its unit reminded
        (once, whichever process first)."""
        if self.checks is None:
            return []
        return [
            self._report(
                RunResult(
                    f"checks:{t.coverage_id}:{t.uscc}",
                    t.deadline.astimezone(self.zone),
                    "done",
                    f"{t.unit_name}核查任务逾期，{len(t.items) - t.answered}项未填报，已催办",
                )
            )
            for t in self.checks.chase(self.clock.now())
        ]

    def run_exchange(self) -> list[RunResult]:
        """A city's own installation: its orders fetched from the province's and its queued
        report-backs sent, once per slot of ``PULL_MINUTES``, whichever process first."""
        if self.exchange is None:
            return []
        now = self.clock.now()
        slot = slot_of(now, PULL_MINUTES, self.zone)
        job = "directive:pull"
        if not self._claim(job, slot, now):
            return []
        try:
            pulled = self.exchange.pull(now)
            pushed = self.exchange.push(now)
        except Exception as exc:  # the province unreachable: recorded, tried next slot
            log.exception("exchange with the province at %s failed", slot)
            return [self._finish(RunResult(job, slot, "failed", f"{type(exc).__name__}: {exc}"))]
        new = sum(1 for p in pulled if p.verdict is Verdict.NEW)
        refused = sum(1 for p in pulled if p.verdict in (Verdict.TAMPERED, Verdict.STALE))
        detail = f"受理调度令消息{new}条，拒收{refused}条；上报发送{pushed.sent}份"
        if pushed.failed:
            detail += f"，{pushed.failed}份未能发送（稍后重试）"
        status = "failed" if pushed.failed else "done"
        return [self._finish(RunResult(job, slot, status, detail))]

    def run_reports(self) -> list[RunResult]:
        """调度令 report-back (a city of a provincial installation): 启动情况 and each day's
        落实情况 of every order in force sent up once per slot of ``REPORT_MINUTES``, whichever
        process first."""
        if self.directives is None or not self.directives.received():
            return []
        now = self.clock.now()
        slot = slot_of(now, REPORT_MINUTES, self.zone)
        job = "directive:report"
        if not self._claim(job, slot, now):
            return []
        try:
            sent = self.directives.report(now)
        except Exception as exc:  # recorded in the run history, then the scheduler goes on
            log.exception("report-back at %s failed", slot)
            return [self._finish(RunResult(job, slot, "failed", f"{type(exc).__name__}: {exc}"))]
        if not sent:
            return [self._finish(RunResult(job, slot, "skipped", "无需上报"))]
        starts = sum(1 for r in sent if r.kind is ReportKind.START)
        return [
            self._finish(
                RunResult(
                    job, slot, "done", f"上报启动情况{starts}份、落实情况{len(sent) - starts}份"
                )
            )
        ]

    def catch_up(self) -> None:
        """Every few minutes: a slot that failed or whose runner died, still within its grace,
        is run again; consultations whose notification failed are notified again, and so are
        调度令 received that the duty officers were not yet told of; and the scheduler's sign of
        life is recorded (the dashboard warns when it stops)."""
        self.beat()
        self.run_due(report_taken=False)
        self.consultant.notify_pending(now=self.clock.now())
        if self.directives is not None:
            self.directives.tell_pending(self.clock.now())

    def run_slot(self, slot: Slot, at: dt.datetime, *, report_taken: bool = True) -> RunResult:
        job = job_id(slot)
        now = self.clock.now()
        if not self._claim(job, at, now):
            taken = RunResult(job, at, "taken", "该时次已由其他进程执行或已执行")
            return self._report(taken) if report_taken else taken
        if slot.active_only and self.command.situation(now).active is None:
            return self._finish(RunResult(job, at, "skipped", "当前无生效预警，本时次不会商"))
        try:
            outcome = self.consultant.consult(slot=at, now=now, trigger="schedule")
        except Exception as exc:  # recorded in the run history, then the scheduler goes on
            log.exception("consultation %s at %s failed", job, at)
            return self._finish(RunResult(job, at, "failed", f"{type(exc).__name__}: {exc}"))
        rec = outcome.record
        headline = rec["recommendation"]["headline"]
        detail = f"数据异常：{headline}" if rec["degraded"] else headline
        return self._finish(RunResult(job, at, "done", detail, outcome.id))

    def run_control(
        self, control_id: str, at: dt.datetime, *, report_taken: bool = True
    ) -> RunResult:
        assert self.controls is not None
        job = control_job(control_id)
        now = self.clock.now()
        if not self._claim(job, at, now):
            taken = RunResult(job, at, "taken", "该时次已由其他进程执行或已执行")
            return self._report(taken) if report_taken else taken
        try:
            outcome = self.controls.run(control_id, at=at, now=now)
        except ControlFailed as exc:
            return self._finish(RunResult(job, at, "failed", str(exc)))
        except Exception as exc:  # recorded in the run history, then the scheduler goes on
            log.exception("control %s at %s failed", job, at)
            return self._finish(RunResult(job, at, "failed", f"{type(exc).__name__}: {exc}"))
        detail = outcome.detail
        if outcome.round_id is not None:
            detail += f"（通知批次{outcome.round_id}）"
        return self._finish(RunResult(job, at, _ROUND_STATUS[outcome.status], detail))


def heartbeat_of(
    context: Context,
    on_run: Callable[[RunResult], None] | None = None,
    prefix: str = "",
) -> Heartbeat:
    """The scheduler's jobs over the context's use cases: every consultation slot and recurring
    control, once."""
    return Heartbeat(
        context.uow(),
        context.consultant(),
        command=context.alerts(),
        schedule=context.consultation.schedule,
        zone=context.settings.zone,
        clock=context.clock,
        on_run=on_run,
        controls=context.control_office(),
        daily=context.daily(),
        checks=context.checks(),
        directives=(context.directive_desk() if context.under_province else None),
        exchange=context.city_exchange() if context.federated else None,
        prefix=prefix,
    )
