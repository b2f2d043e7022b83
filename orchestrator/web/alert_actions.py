"""The alert actions the console's pages and the JSON API both take, with the values a form or a
JSON body gives: draft (and submit), submit, withdraw, approve, reject, issue (its notices
rendered and stored for delivery), and upgrade, downgrade, extend and lift of an issued alert
(drafted and submitted). Who may take each is :data:`ROLES`; the caller checks it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import Engine

from orchestrator import command_office as office
from orchestrator.alerts.model import AlertLevel
from orchestrator.clock import Clock
from orchestrator.db import lists as list_repo
from orchestrator.emissions.targets import check_reduction
from orchestrator.errors import OrchestratorError
from orchestrator.notice_writer import ensure_notices
from orchestrator.plans.lifecycle import Person, RevisionKind
from orchestrator.web import accounts
from orchestrator.web.console import AlertDesk

LEVELS = (AlertLevel.YELLOW, AlertLevel.ORANGE, AlertLevel.RED)
ADJUSTMENTS = (RevisionKind.UPGRADE, RevisionKind.DOWNGRADE, RevisionKind.EXTEND, RevisionKind.LIFT)

#: The console role (see ``console.ACTIONS``) each action needs.
ROLES: dict[str, str] = {
    "submit": "draft",
    "withdraw": "draft",
    "approve": "approve",
    "reject": "approve",
    "issue": "issue",
    **{k.value: "draft" for k in ADJUSTMENTS},
}

Values = Mapping[str, str]


def local_time(text: str, zone: ZoneInfo, field: str) -> dt.datetime:
    """A time typed in a form or sent in JSON: ISO 8601, city time unless it carries an offset."""
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise OrchestratorError(f"{field}：请填写日期和时间（如2026-01-06T00:00）") from None
    return t.replace(tzinfo=zone) if t.tzinfo is None else t.astimezone(zone)


def required(values: Values, key: str, label: str) -> str:
    value = (values.get(key) or "").strip()
    if not value:
        raise OrchestratorError(f"请填写{label}")
    return value


def level_of(values: Values, message: str) -> AlertLevel:
    try:
        level = AlertLevel(values.get("level") or "")
    except ValueError:
        raise OrchestratorError(message) from None
    if level not in LEVELS:
        raise OrchestratorError(message)
    return level


class AlertActions:
    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        env: Environment,
        region_code: str,
        zone: ZoneInfo,
        desk: AlertDesk,
    ):
        self.engine, self.clock, self.env = engine, clock, env
        self.region_code, self.zone, self.desk = region_code, zone, desk
        self._runs: dict[str, Callable[[Person, int, Values], Any]] = {
            "submit": lambda p, i, v: office.submit(engine, i, by=p, now=clock.now()),
            "withdraw": lambda p, i, v: office.withdraw(
                engine, i, by=p, now=clock.now(), reason=(v.get("reason") or "").strip() or "撤回"
            ),
            "approve": lambda p, i, v: office.approve(
                engine, i, by=p, now=clock.now(), approvals=desk.approvals, city=desk.city
            ),
            "reject": lambda p, i, v: office.reject(
                engine, i, by=p, now=clock.now(), reason=required(v, "reason", "退回理由")
            ),
            "issue": self._issue,
            **{k.value: self._adjust(k) for k in ADJUSTMENTS},
        }

    @staticmethod
    def person(user: accounts.User) -> Person:
        p = user.person
        if p is None:
            raise OrchestratorError(f"{user.role_label}不能办理预警")
        return p

    def reduction(self, level: AlertLevel, on: dt.date) -> dict[str, Any] | None:
        """The reduction check of ``level`` under the list in force ``on`` (None: no list)."""
        with self.engine.connect() as conn:
            try:
                number = list_repo.in_force(conn, self.region_code, on)
            except list_repo.RevisionNotFound:
                return None
            _, achieved = list_repo.level_plan(conn, self.region_code, number, level)
        check = check_reduction(achieved, self.desk.city)
        return {
            "list_revision": number,
            "met": check.met,
            "species": [
                {
                    "species": sp.value,
                    "label": sp.label,
                    "reduction": v.reduction_kg_d,
                    "ratio": v.ratio,
                    "target": v.target,
                    "met": v.met,
                }
                for sp, v in check.species.items()
            ],
        }

    def create(self, user: accounts.User, values: Values) -> int:
        """Draft a new alert and submit it for approval; its id."""
        by = self.person(user)
        level = level_of(values, "请选择预警等级（黄色、橙色或红色）")
        start = local_time(values.get("start") or "", self.zone, "开始时间")
        end_text = (values.get("end") or "").strip()
        end = local_time(end_text, self.zone, "结束时间") if end_text else None
        reason = required(values, "reason", "起草理由（会商研判结论）")
        now = self.clock.now()
        view = office.draft(
            self.engine,
            region=self.region_code,
            kind=RevisionKind.ISSUE,
            level=level,
            start=start,
            end=end,
            by=by,
            reason=reason,
            now=now,
        )
        office.submit(self.engine, view.alert_id, by=by, now=now)
        return view.alert_id

    def run(self, name: str, user: accounts.User, alert_id: int, values: Values) -> None:
        """Take action ``name`` on the alert; raises OrchestratorError with the reason."""
        self._runs[name](self.person(user), alert_id, values)

    def _issue(self, by: Person, alert_id: int, values: Values) -> None:
        desk = self.desk
        office.issue(
            self.engine,
            alert_id,
            by=by,
            now=self.clock.now(),
            approvals=desk.approvals,
            city=desk.city,
            override=(values.get("override") or "").strip() or None,
        )
        ensure_notices(
            self.engine,
            alert_id,
            env=self.env,
            city=desk.city,
            approvals=desk.approvals,
            zone=self.zone,
            links=desk.links,
        )

    def _adjust(self, kind: RevisionKind) -> Callable[[Person, int, Values], None]:
        def run(by: Person, alert_id: int, values: Values) -> None:
            cur = office.current(office.revisions(self.engine, alert_id)).state
            now = self.clock.now()
            level = cur.level
            if kind in (RevisionKind.UPGRADE, RevisionKind.DOWNGRADE):
                level = level_of(values, "请选择调整后的预警等级")
            start_text = (values.get("start") or "").strip()
            start = local_time(start_text, self.zone, "生效时间") if start_text else now
            end_text = (values.get("end") or "").strip()
            if kind is RevisionKind.LIFT:
                end = None
            elif end_text:
                end = local_time(end_text, self.zone, "结束时间")
            elif kind is RevisionKind.EXTEND:
                raise OrchestratorError("延长须填写新的结束时间")
            else:
                end = cur.end
            view = office.draft(
                self.engine,
                region=self.region_code,
                kind=kind,
                level=level,
                start=start,
                end=end,
                by=by,
                reason=required(values, "reason", f"{kind.label}理由"),
                now=now,
                alert_id=alert_id,
            )
            office.submit(self.engine, view.alert_id, by=by, now=now)

        return run
