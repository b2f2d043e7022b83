"""Recurring controls as a use case: decide whether a control's round is due, choose the
enterprises it concerns from the emission list in force, render each one's notice and record
the round — all in one transaction, once per control and period. The delivery worker then sends
the notices like dispatch orders (``outbox.enqueue_rounds``), and the enterprises acknowledge
and report through their signed links."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.consultation.forecast import Outlook
from orchestrator.consultation.sources import SourceFailed
from orchestrator.controls.model import (
    Control,
    Period,
    RoundOutcome,
    RoundRow,
    Selection,
    choose,
    cn_date,
    control_ids,
    forecast_period,
    standing_period,
    triggered,
)
from orchestrator.controls.ports import ControlUnitOfWork
from orchestrator.emissions.model import RevisionNotFound
from orchestrator.errors import Conflict, OrchestratorError
from orchestrator.notices.contexts import ControlNoticeContext, Header, cn_time
from orchestrator.notices.links import LinkSigner
from orchestrator.notices.render import render_many
from orchestrator.response.config import Office


class ControlFailed(OrchestratorError):
    """A round that cannot be made now (no list in force, no forecast); message in Chinese."""


class ControlOffice:
    """The recurring controls of the office's area."""

    def __init__(
        self,
        uow: Callable[[], ControlUnitOfWork],
        *,
        controls: Sequence[Control],
        office: Office,
        links: LinkSigner,
        zone: ZoneInfo,
        env: Environment,
        outlook: Callable[[dt.date, dt.datetime], Outlook] | None = None,
    ):
        self.uow, self.controls = uow, tuple(controls)
        self.office = office
        self.region_code, self.region_name = office.region_code, office.region_name
        self.links, self.zone, self.env, self.outlook = links, zone, env, outlook

    # --- what is defined ----------------------------------------------------------------------

    def ids(self) -> list[str]:
        return control_ids(self.controls)

    def current(self, control_id: str, day: dt.date) -> Control:
        """The definition of ``control_id`` in force on ``day`` (else its latest)."""
        defs = [c for c in self.controls if c.id == control_id]
        if not defs:
            known = "、".join(self.ids()) or "无"
            raise ControlFailed(f"未定义的常态化管控“{control_id}”（已定义：{known}）")
        return next((c for c in defs if c.in_force(day)), defs[-1])

    def due(self, control_id: str, at: dt.datetime) -> tuple[Control, Period] | None:
        day = at.astimezone(self.zone).date()
        if self.current(control_id, day).trigger == "forecast":
            return forecast_period(self.controls, control_id, day, self.zone)
        return standing_period(self.controls, control_id, day, self.zone)

    # --- the use case -------------------------------------------------------------------------

    def run(self, control_id: str, *, at: dt.datetime, now: dt.datetime) -> RoundOutcome:
        """Make the round of ``control_id`` due at ``at`` (a scheduled time, or now), once."""
        found = self.due(control_id, at)
        if found is None:
            control = self.current(control_id, at.astimezone(self.zone).date())
            why = "未启用" if not control.enabled else "当前不在管控期内，无需发布"
            return RoundOutcome(control_id, "none", f"{control.name}{why}")
        control, period = found
        existing = self._find(control_id, period.start)
        if existing is not None:
            return RoundOutcome(
                control_id,
                "exists",
                f"{existing.title}已于{cn_time(existing.issued_at, self.zone)}发布",
                existing.id,
            )
        evidence: dict[str, Any] | None = None
        if control.forecast is not None:
            if self.outlook is None:
                raise ControlFailed("未配置预报数据源，无法判断是否启动预报管控")
            try:
                outlook = self.outlook(period.first, now)
            except SourceFailed as exc:
                raise ControlFailed(f"预报数据不可用：{exc}") from None
            met, reason = triggered(control.forecast, outlook.t_max, outlook.o3_8h)
            if not met:
                return RoundOutcome(
                    control_id,
                    "not_triggered",
                    f"{cn_date(period.first)}未达到启动条件（{reason}），不发布",
                )
            evidence = {
                "reason": reason,
                "t_max": outlook.t_max,
                "o3_8h": outlook.o3_8h,
                "forecast": outlook.provenance.as_json(),
            }
        with self.uow() as uow:
            try:
                number = uow.lists.in_force(self.region_code, period.first)
            except RevisionNotFound as exc:
                raise ControlFailed(str(exc)) from None
            listed = uow.lists.load(self.region_code, number)
        chosen = choose(control, period, listed.enterprises)
        try:
            round_id = self._record(control, period, chosen, number, evidence, now)
        except Conflict:  # made a moment ago by another process: that one stands
            again = self._find(control_id, period.start)
            assert again is not None
            return RoundOutcome(control_id, "exists", f"{again.title}已发布", again.id)
        counts = "，".join(
            f"{control.action_label(a)}{n}家" for a, n in sorted(chosen.by_action.items())
        )
        detail = (
            f"{_title(control, period)}：通知{len(chosen.entries)}家企业"
            f"{'（' + counts + '）' if counts else ''}，豁免{chosen.exempt}家"
        )
        return RoundOutcome(control_id, "issued", detail, round_id, len(chosen.entries))

    def _record(
        self,
        control: Control,
        period: Period,
        chosen: Selection,
        list_number: int,
        evidence: dict[str, Any] | None,
        now: dt.datetime,
    ) -> int:
        title = _title(control, period)
        deadline = now + dt.timedelta(hours=control.receipt_hours)
        record = {
            "control": {
                "id": control.id,
                "name": control.name,
                "trigger": control.trigger,
                "effective_from": control.effective_from.isoformat(),
                "window": control.window_text if control.window else "",
                "industries": list(control.industries),
                "emitting": control.emitting.value if control.emitting else None,
                "grades": dict(control.grades),
                "actions": dict(control.actions),
                "labels": dict(control.labels),
            },
            "period": {
                "first": period.first.isoformat(),
                "last": period.last.isoformat(),
                "label": period.label,
            },
            "trigger": evidence,
            "counts": {
                "notified": len(chosen.entries),
                "exempt": chosen.exempt,
                "by_action": dict(chosen.by_action),
            },
        }
        with self.uow() as uow:
            round_id = uow.rounds.add(
                self.region_code,
                control=control.id,
                title=title,
                period_start=period.start,
                period_end=period.end,
                list_revision=list_number,
                issued_at=now,
                receipt_deadline=deadline,
                record=record,
            )
            bodies = self._render(control, period, chosen, round_id, title, now, deadline)
            uow.rounds.add_entries(round_id, list(zip(chosen.entries, bodies, strict=True)))
            uow.commit()
        return round_id

    def _render(
        self,
        control: Control,
        period: Period,
        chosen: Selection,
        round_id: int,
        title: str,
        now: dt.datetime,
        deadline: dt.datetime,
    ) -> list[str]:
        local = now.astimezone(self.zone)
        header = Header(
            issuer=self.office.issuer,
            document_number="",
            region_name=self.region_name,
            issued_on=f"{local.year}年{local.month}月{local.day}日",
            printed_by=self.office.printed_by or self.office.issuer,
        )
        expires = self.links.expiry(now)
        return render_many(
            self.env,
            "controls/notice.html",
            (
                ControlNoticeContext(
                    # each notice a document of its own, numbered in its round
                    header=dataclasses.replace(
                        header,
                        document_number=self.office.control_number_of(local.year, round_id, i),
                    ),
                    title=title,
                    enterprise=e["name"],
                    uscc=e["uscc"],
                    grade=e["grade"],
                    basis=control.basis,
                    period=period.label,
                    window=control.window_text if control.window else "",
                    lines=tuple(
                        {
                            "name": ln["name"],
                            "industry": ln["industry"],
                            "measure": ln["measure"]["text"],
                            "check_method": ln["check_method"],
                            "meter_no": ln["meter_no"],
                        }
                        for ln in e["lines"]
                    ),
                    requirements=control.requirements,
                    receipt_deadline=cn_time(deadline, self.zone),
                    acknowledge_url=f"{self.office.acknowledge_base}/"
                    + self.links.round_token(round_id, e["uscc"], expires),
                    office_phone=self.office.phone,
                )
                for i, e in enumerate(chosen.entries, 1)
            ),
        )

    # --- reading ------------------------------------------------------------------------------

    def _find(self, control_id: str, start: dt.datetime) -> RoundRow | None:
        with self.uow() as uow:
            return uow.rounds.find(self.region_code, control_id, start)

    def get(self, round_id: int) -> RoundRow:
        with self.uow() as uow:
            found = uow.rounds.get(self.region_code, round_id)
        if found is None:
            raise ControlFailed(f"管控通知批次{round_id}不存在")
        return found

    def rounds(self, limit: int = 50) -> list[RoundRow]:
        with self.uow() as uow:
            return uow.rounds.rounds(self.region_code, limit)

    def newest_running(self, now: dt.datetime) -> RoundRow | None:
        """The newest round whose period has not ended (the dashboard's)."""
        with self.uow() as uow:
            return self.newest_running_in(uow, now)

    def newest_running_in(self, uow: ControlUnitOfWork, now: dt.datetime) -> RoundRow | None:
        """:meth:`newest_running` inside the caller's unit of work (a page's reads)."""
        return uow.rounds.newest_running(self.region_code, now)

    def notices(self, round_id: int) -> list[tuple[str, str, str]]:
        """(USCC, name, notice HTML) of every enterprise of the round, in order."""
        with self.uow() as uow:
            return uow.rounds.notices(round_id)


def _title(control: Control, period: Period) -> str:
    if control.trigger == "forecast":
        return f"关于{cn_date(period.first)}实施{control.name}的通知"
    first, last = period.season.first.year, period.season.last.year
    years = f"{first}年" if first == last else f"{first}—{last}年"
    return f"关于实施{years}{control.name}的通知"
