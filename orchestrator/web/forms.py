"""What the console's forms and the API's JSON bodies post, turned into the command office's use
cases: the values read and checked (times in city time, levels, reasons), the user taken as the
person acting. Who may take each action (:data:`~orchestrator.accounts.model.ACTION_PERMISSION`)
the caller checks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from orchestrator.accounts.model import User
from orchestrator.alerts.model import RESPONSE_LEVELS, AlertLevel
from orchestrator.alerts.readings import in_service_years
from orchestrator.clock import Clock
from orchestrator.emissions.model import Amounts, MeasureKind, Species
from orchestrator.errors import InputInvalid, OrchestratorError
from orchestrator.negotiation.model import Agreement, RevisionFacts
from orchestrator.response.model import Action, Draft, Person, RevisionKind
from orchestrator.response.service import CommandOffice

Values = Mapping[str, str]


def local_time(text: str, zone: ZoneInfo, field: str) -> dt.datetime:
    """A time typed in a form or sent in JSON: ISO 8601, city time unless it carries an offset."""
    try:
        t = in_service_years(dt.datetime.fromisoformat(text.strip()), field)
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
    if level not in RESPONSE_LEVELS:
        raise InputInvalid(message)
    return level


def counties_of(values: Values) -> tuple[str, ...]:
    """The counties a form (checkboxes, one per line) or a JSON body names for an alert's area
    (none: the whole city)."""
    return tuple(c for c in re.split(r"[\n、,，]+", values.get("counties") or "") if c.strip())


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
        level = level_of(values, "请选择预警等级（不利气象条件应对、黄色、橙色或红色）")
        start = local_time(values.get("start") or "", self.zone, "开始时间")
        end_text = (values.get("end") or "").strip()
        end = local_time(end_text, self.zone, "结束时间") if end_text else None
        reason = required(values, "reason", "起草理由（会商研判结论）")
        draft = Draft(
            kind=RevisionKind.ISSUE,
            level=level,
            start=start,
            end=end,
            reason=reason,
            counties=counties_of(values),
        )
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
            override = (values.get("override") or "").strip() or None
            self.alerts.approve(alert_id, by=by, now=now, override=override)
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


def agreement_of(values: Values, facts: RevisionFacts, zone: ZoneInfo) -> Agreement:
    """A negotiated reduction typed in the alert page's form (lines separated by 、 , or ;,
    amounts in kg/d; the window defaults to the revision's)."""
    amounts: dict[str, float] = {}
    for s in Species:
        text = (values.get(s.value) or "").strip()
        try:
            amounts[s.value] = float(text) if text else 0.0
        except ValueError:
            raise InputInvalid(f"{s.label}减排量：请填写数字（千克/日），实为“{text}”") from None
        if not amounts[s.value] >= 0:
            raise InputInvalid(f"{s.label}减排量：不能为负数")
    try:
        kind = MeasureKind(values.get("kind") or "limit")
    except ValueError:
        raise InputInvalid("请选择措施类型") from None
    start = values.get("start", "").strip()
    end = values.get("end", "").strip()
    until = local_time(end, zone, "结束时间") if end else facts.end
    if until is None:
        raise InputInvalid("结束时间：该修订的结束时间为“另行通知”，须写明协商减排的结束时间")
    return Agreement(
        uscc=required(values, "uscc", "统一社会信用代码"),
        lines=tuple(
            n.strip() for n in re.split(r"[、,，;；\n]", values.get("lines", "")) if n.strip()
        ),
        kind=kind,
        measure=required(values, "measure", "协商减排措施"),
        reduction=Amounts(**amounts),
        start=local_time(start, zone, "开始时间") if start else facts.start,
        end=until,
        reference=required(values, "reference", "协议编号"),
        agreed_by=required(values, "agreed_by", "企业确认人"),
    )
