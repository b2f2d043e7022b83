"""What the console's forms and the API's JSON bodies post, turned into the command office's use
cases: the values read and checked (times in city time, levels, reasons), the user taken as the
person acting. Who may take each action (:data:`~orchestrator.accounts.model.ACTION_PERMISSION`)
the caller checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from orchestrator.accounts.model import User
from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.clock import Clock
from orchestrator.errors import InputInvalid, OrchestratorError
from orchestrator.response.model import Action, Draft, Person, RevisionKind
from orchestrator.response.service import CommandOffice

Values = Mapping[str, str]


def local_time(text: str, zone: ZoneInfo, field: str) -> dt.datetime:
    """A time typed in a form or sent in JSON: ISO 8601, city time unless it carries an offset."""
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputInvalid(f"{field}：请填写日期和时间（如2026-01-06T00:00）") from None
    return t.replace(tzinfo=zone) if t.tzinfo is None else t.astimezone(zone)


def required(values: Values, key: str, label: str) -> str:
    value = (values.get(key) or "").strip()
    if not value:
        raise InputInvalid(f"请填写{label}")
    return value


def level_of(values: Values, message: str) -> AlertLevel:
    try:
        level = AlertLevel(values.get("level") or "")
    except ValueError:
        raise InputInvalid(message) from None
    if level not in ALERT_LEVELS:
        raise InputInvalid(message)
    return level


def person(user: User) -> Person:
    p = user.person
    if p is None:
        raise OrchestratorError(f"{user.role_label}不能办理预警")
    return p


class AlertActions:
    """The alert actions the console's pages and the JSON API both take, with the values a form
    or a JSON body gives."""

    def __init__(self, alerts: CommandOffice, *, clock: Clock, zone: ZoneInfo) -> None:
        self.alerts, self.clock, self.zone = alerts, clock, zone

    def create(self, user: User, values: Values) -> int:
        """Draft a new alert and submit it for approval; its id."""
        by = person(user)
        level = level_of(values, "请选择预警等级（黄色、橙色或红色）")
        start = local_time(values.get("start") or "", self.zone, "开始时间")
        end_text = (values.get("end") or "").strip()
        end = local_time(end_text, self.zone, "结束时间") if end_text else None
        reason = required(values, "reason", "起草理由（会商研判结论）")
        draft = Draft(kind=RevisionKind.ISSUE, level=level, start=start, end=end, reason=reason)
        return self.alerts.draft(draft, by=by, now=self.clock.now(), submit=True).alert_id

    def run(self, action: Action, user: User, alert_id: int, values: Values) -> None:
        """Take ``action`` on the alert; raises OrchestratorError with the reason."""
        by, now = person(user), self.clock.now()
        reason = (values.get("reason") or "").strip()
        if action is Action.SUBMIT:
            self.alerts.submit(alert_id, by=by, now=now)
        elif action is Action.WITHDRAW:
            self.alerts.withdraw(alert_id, by=by, now=now, reason=reason or "撤回")
        elif action is Action.APPROVE:
            self.alerts.approve(alert_id, by=by, now=now)
        elif action is Action.REJECT:
            self.alerts.reject(
                alert_id, by=by, now=now, reason=required(values, "reason", "退回理由")
            )
        elif action is Action.ISSUE:
            override = (values.get("override") or "").strip() or None
            self.alerts.issue(alert_id, by=by, now=now, override=override)
        else:
            kind = action.adjustment
            assert kind is not None
            level = None
            if kind in (RevisionKind.UPGRADE, RevisionKind.DOWNGRADE):
                level = level_of(values, "请选择调整后的预警等级")
            start_text = (values.get("start") or "").strip()
            end_text = (values.get("end") or "").strip()
            self.alerts.adjust(
                alert_id,
                kind,
                by=by,
                now=now,
                reason=required(values, "reason", f"{kind.label}理由"),
                level=level,
                start=local_time(start_text, self.zone, "生效时间") if start_text else None,
                end=local_time(end_text, self.zone, "结束时间") if end_text else None,
                submit=True,
            )
