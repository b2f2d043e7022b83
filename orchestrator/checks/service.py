"""Coverage check tasks (核查任务): a kept coverage run's findings sent, once, through the
response network — each county the findings in it, the member unit overseeing the registry's
sheet those in no county — through the outbox (fallback, retries, folder copies as every notice),
and the units' answers taken finding by finding from their signed pages.

The next run against the same registry carries each finding's previous answer: a finding the
county answered as done (纳入、更正、关停) and that is found again is marked, in its task and on
the console, for the office to chase."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.checks.model import (
    Answer,
    CheckContext,
    CheckMessageContext,
    CheckReminderContext,
    Task,
    assign,
    checked,
    rows_of,
)
from orchestrator.checks.ports import CheckUnitOfWork
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.model import MessageKind, Reason, Recipient, Subject
from orchestrator.delivery.routing import NewDelivery, new_delivery, route
from orchestrator.emissions.registries import CoverageRun, Finding
from orchestrator.errors import InputInvalid, NotFound
from orchestrator.network.model import Matrix
from orchestrator.notices.contexts import Header
from orchestrator.notices.links import LinkSigner
from orchestrator.notices.render import render
from orchestrator.response.config import Office


class CheckNotFound(NotFound):
    """No such coverage run, or no task of that unit in it (message in Chinese)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Issued:
    coverage_id: int
    tasks: int
    items: int
    deliveries: int
    unassigned: tuple[Finding, ...]
    already: bool  # issued before: nothing was added


@dataclass(frozen=True, slots=True, kw_only=True)
class Standing:
    """A run's tasks and how their answers stand."""

    run: CoverageRun
    tasked_at: dt.datetime | None
    tasks: tuple[Task, ...]
    unassigned: tuple[Finding, ...]

    @property
    def items(self) -> int:
        return sum(len(t.items) for t in self.tasks)

    @property
    def answered(self) -> int:
        return sum(t.answered for t in self.tasks)

    @property
    def contradicted(self) -> int:
        return sum(1 for t in self.tasks for i in t.items if i.contradicted)

    def overdue(self, now: dt.datetime) -> list[Task]:
        return [t for t in self.tasks if t.overdue(now)]


def cn_day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class CoverageChecks:
    def __init__(
        self,
        uow: Callable[[], CheckUnitOfWork],
        *,
        network: Matrix | None,
        office: Office,
        zone: ZoneInfo,
        delivery: DeliveryConfig,
        units: Mapping[str, Recipient],
        links: LinkSigner,
        env: Environment,
    ) -> None:
        self.uow, self.network, self.office, self.zone = uow, network, office, zone
        self.delivery, self.units, self.links, self.env = delivery, units, links, env

    @property
    def region(self) -> str:
        return self.office.region_code

    def _run(
        self, uow: CheckUnitOfWork, coverage_id: int
    ) -> tuple[CoverageRun, dt.datetime | None]:
        found = uow.checks.run(self.region, coverage_id)
        if found is None:
            raise CheckNotFound(f"没有第{coverage_id}次核查记录")
        return found

    def _link(self, coverage_id: int, code: str, issued_at: dt.datetime) -> str:
        """The unit's signed link to its task (valid as long as the task's notice says)."""
        expires = self.links.expiry(issued_at)
        return f"{self.office.check_base}/{self.links.check_token(coverage_id, code, expires)}"

    def _delivery(
        self, task: Task, text: str, reason: str, now: dt.datetime, suffix: str = ""
    ) -> NewDelivery:
        """The outbox entry carrying ``text`` (and the task) to its unit's first channel."""
        recipient = self.units.get(task.uscc) or Recipient(
            uscc=task.uscc, name=task.unit_name, county=""
        )
        return new_delivery(
            subject=Subject(coverage_id=task.coverage_id),
            kind=MessageKind.CHECK,
            recipient=task.uscc,
            name=task.unit_name,
            county=recipient.county,
            route=route(self.delivery, recipient),
            reason=reason,
            now=now,
            payload=text,
            suffix=suffix,
        )

    # --- issuing -----------------------------------------------------------------------------

    def issue(self, coverage_id: int, *, now: dt.datetime, by: str) -> Issued:
        """Send run ``coverage_id``'s findings to the units that check them (once: issuing it
        again, from anywhere, adds nothing). Audited; tasks and deliveries in one transaction."""
        if self.network is None:
            raise InputInvalid("未配置应急响应网络（config/network.toml），无法下发核查任务")
        with self.uow() as uow:
            run, tasked_at = self._run(uow, coverage_id)
            if tasked_at is not None:
                return self._already(uow, run)
            if not run.findings:
                raise InputInvalid(f"第{coverage_id}次核查没有发现问题，无需下发核查任务")
            previous = uow.checks.previous(self.region, run)
            before = {a.ident: a for a in uow.checks.answers(previous)} if previous else {}
            groups, left = assign(self.network, run.registry, run.findings, before)
            if not uow.checks.take(coverage_id, now, by):
                return self._already(uow, run)
            local = now.astimezone(self.zone)
            deadline_day = local.date() + dt.timedelta(days=self.network.answer_days)
            deadline = dt.datetime.combine(deadline_day, dt.time(23, 59), self.zone)
            tasks: list[tuple[Task, str]] = []
            rows = []
            for index, (unit, items) in enumerate(groups.values(), start=1):
                number = self.office.check_number_of(local.year, coverage_id, index)
                link = self._link(coverage_id, unit.uscc, now)
                task = Task(
                    coverage_id=coverage_id,
                    registry=run.registry,
                    uscc=unit.uscc,
                    unit_id=unit.id,
                    unit_name=unit.name,
                    items=tuple(items),
                    issued_at=now,
                    deadline=deadline,
                )
                context = CheckContext(
                    header=Header(
                        issuer=self.office.issuer,
                        document_number=number,
                        region_name=self.office.region_name,
                        issued_on=cn_day(local.date()),
                        printed_by=self.office.printed_by,
                    ),
                    number=number,
                    title="关于核实应急减排清单覆盖情况的通知",
                    unit=unit.name,
                    opening=(
                        f"经将第{run.list_revision}版应急减排清单与{run.registry.label}"
                        f"（{run.source}）双向比对，发现涉及贵单位的待核实事项{len(items)}项，"
                        "请逐项核实办理并填报核实结果。"
                    ),
                    rows=rows_of(items),
                    deadline=cn_day(deadline_day),
                    link=link,
                    office_phone=self.office.phone,
                    contradicted=sum(1 for i in items if i.contradicted),
                )
                tasks.append((task, render(self.env, "checks/task.html", context)))
                text = render(
                    self.env,
                    "checks/message.txt",
                    CheckMessageContext(
                        region_name=self.office.region_name,
                        unit=unit.name,
                        number=number,
                        items=len(items),
                        registry=run.registry.label,
                        deadline=cn_day(deadline_day),
                        link=link,
                    ),
                ).strip()
                rows.append(self._delivery(task, text, Reason.INITIAL, now))
            uow.checks.add(tasks)
            added = uow.outbox.add(rows)
            items_count = sum(len(t.items) for t, _ in tasks)
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by,
                    action=AuditAction.LIST_CHECKS,
                    reason=f"{run.registry.label}第{coverage_id}次核查：向{len(tasks)}个单位下发"
                    f"核查任务{items_count}项" + (f"，{len(left)}项无对应单位" if left else ""),
                    detail={
                        "run": coverage_id,
                        "tasks": [t.uscc for t, _ in tasks],
                        "unassigned": [f.key for f in left],
                    },
                )
            )
            uow.commit()
        return Issued(
            coverage_id=coverage_id,
            tasks=len(tasks),
            items=items_count,
            deliveries=added,
            unassigned=tuple(left),
            already=False,
        )

    def _already(self, uow: CheckUnitOfWork, run: CoverageRun) -> Issued:
        tasks = uow.checks.tasks(run.id)
        assert self.network is not None
        _, left = assign(self.network, run.registry, run.findings)
        return Issued(
            coverage_id=run.id,
            tasks=len(tasks),
            items=sum(len(t.items) for t in tasks),
            deliveries=0,
            unassigned=tuple(left),
            already=True,
        )

    # --- chasing -----------------------------------------------------------------------------

    def chase(self, now: dt.datetime) -> list[Task]:
        """Each task past its deadline with findings unanswered: its unit reminded once, on its
        first channel (the reminder's outbox key makes a second process's attempt add nothing).
        Returns the tasks chased now."""
        with self.uow() as uow:
            late = [t for t in uow.checks.overdue(self.region, now) if not t.done]
            chased: list[Task] = []
            for t in late:
                link = self._link(t.coverage_id, t.uscc, t.issued_at)
                text = render(
                    self.env,
                    "checks/reminder.txt",
                    CheckReminderContext(
                        region_name=self.office.region_name,
                        unit=t.unit_name,
                        registry=t.registry.label,
                        deadline=cn_day(t.deadline.astimezone(self.zone).date()),
                        left=len(t.items) - t.answered,
                        link=link,
                    ),
                ).strip()
                added = uow.outbox.add(
                    [self._delivery(t, text, Reason.ESCALATION, now, suffix=":chase")]
                )
                if added:
                    chased.append(t)
            uow.commit()
        return chased

    # --- reading -----------------------------------------------------------------------------

    def standing(self, coverage_id: int) -> Standing:
        with self.uow() as uow:
            run, tasked_at = self._run(uow, coverage_id)
            tasks = uow.checks.tasks(coverage_id)
        left: list[Finding] = []
        if tasked_at is not None and self.network is not None:
            _, left = assign(self.network, run.registry, run.findings)
        return Standing(run=run, tasked_at=tasked_at, tasks=tuple(tasks), unassigned=tuple(left))

    def task(self, coverage_id: int, code: str) -> Task:
        with self.uow() as uow:
            self._run(uow, coverage_id)
            found = uow.checks.tasks(coverage_id, [code])
        if not found:
            raise CheckNotFound("没有找到本单位的核查任务")
        return found[0]

    def document(self, coverage_id: int, code: str) -> str:
        """The unit's task as sent."""
        with self.uow() as uow:
            self._run(uow, coverage_id)
            found = uow.outbox.check_task(coverage_id, code)
        if found is None:
            raise CheckNotFound("没有找到本单位的核查任务")
        return found[0]

    def answer_texts(self, coverage_id: int) -> dict[tuple[str, str], str]:
        """What the units answered to each finding of the run, as the draft revision shows it:
        已纳入清单：说明（城东区人民政府，李科长，2025-10-12）."""
        with self.uow() as uow:
            tasks = uow.checks.tasks(coverage_id)
        out: dict[tuple[str, str], str] = {}
        for t in tasks:
            for a in t.answers:
                note = f"：{a.note}" if a.note else ""
                day = f"，{a.answered_at.astimezone(self.zone):%Y-%m-%d}" if a.answered_at else ""
                out[a.ident] = f"{a.outcome.label}{note}（{t.unit_name}，{a.signer}{day}）"
        return out

    # --- answering ---------------------------------------------------------------------------

    def answer(
        self,
        coverage_id: int,
        code: str,
        form: Mapping[str, str],
        *,
        signer: str,
        now: dt.datetime,
    ) -> tuple[Task, list[Answer]]:
        """Take the unit's answers from its form (see :func:`checked`): all or none, each
        replacing an earlier answer to the same finding. Returns the task as it now stands."""
        with self.uow() as uow:
            self._run(uow, coverage_id)
            found = uow.checks.tasks(coverage_id, [code])
            if not found:
                raise CheckNotFound("没有找到本单位的核查任务")
            answers = checked(found[0].items, form, signer=signer, now=now, uscc=code)
            uow.checks.answer(coverage_id, answers)
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=signer.strip(),
                    action=AuditAction.LIST_CHECK_ANSWER,
                    reason=f"{found[0].unit_name}填报第{coverage_id}次核查结果{len(answers)}项",
                    detail={"run": coverage_id, "unit": code, "answers": len(answers)},
                )
            )
            now_standing = uow.checks.tasks(coverage_id, [code])[0]
            uow.commit()
        return now_standing, answers
