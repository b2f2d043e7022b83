"""Alerts put in force and lifted through the command office, as the officers would."""

from __future__ import annotations

import datetime as dt

from orchestrator.alerts.model import AlertLevel
from orchestrator.response.model import Approval, Draft, RevisionKind
from orchestrator.response.service import CommandOffice
from tests.support.app import DUTY, MAYOR, NOW


def issue(
    office: CommandOffice,
    level: AlertLevel,
    start: dt.datetime,
    end: dt.datetime | None,
    *,
    now: dt.datetime = NOW,
) -> int:
    """A new alert drafted by the duty officer, approved by the mayor and issued."""
    view = office.draft(
        Draft(kind=RevisionKind.ISSUE, level=level, start=start, end=end, reason="会商研判"),
        by=DUTY,
        now=now,
        submit=True,
    )
    office.approve(view.alert_id, by=MAYOR, now=now)
    office.issue(view.alert_id, by=DUTY, now=now)
    return view.alert_id


def lift(office: CommandOffice, alert_id: int, *, start: dt.datetime) -> Approval:
    """The alert's lift from ``start`` drafted, submitted and approved (not yet issued)."""
    office.adjust(
        alert_id,
        RevisionKind.LIFT,
        by=DUTY,
        now=start,
        reason="空气质量已好转并将持续36小时以上",
        start=start,
        submit=True,
    )
    return office.approve(alert_id, by=MAYOR, now=start)
