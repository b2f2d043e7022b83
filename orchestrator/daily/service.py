"""每日调度 — the daily dispatch while an alert is in force: every enterprise that was sent an
order and every unit that was sent a task notice reports each day by the matrix's time (from its
signed page, the console or the API); after that time the office's round chases the missing
through the delivery outbox (each of them, and each county's contact with its own missing),
builds the roll-up (应急管控工作日报) and sends its summary to the leaders — once a day, whichever
process gets there first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.daily.model import (
    DailyReport,
    Expected,
    Filed,
    Owed,
    Reporter,
    ReportInvalid,
    RollUp,
    Via,
    checked_items,
    due_at,
    roll_up,
)
from orchestrator.daily.ports import DailyUnitOfWork
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.model import MessageKind, Reason, Recipient, Subject
from orchestrator.delivery.routing import county_recipient, new_delivery, route
from orchestrator.emissions.plans import PlanMode, RosterEntry
from orchestrator.errors import NotFound
from orchestrator.network.model import Matrix
from orchestrator.notices.contexts import cn_time
from orchestrator.notices.links import LinkSigner
from orchestrator.response.config import Office
from orchestrator.response.model import AlertRevision, in_force_at

#: A day's reports are owed if the alert is in force up to their time (lifted at 16:00, the
#: day's reports due at 16:00 are still owed): it is looked at this much before.
_INSTANT = dt.timedelta(seconds=1)

#: What a unit without a duty at the level (it only answers for list items) reports on.
OVERSIGHT = Owed(key="督促所负责清单对象落实应急措施", text="所负责的清单对象逐一督促落实")


class NotDue(NotFound):
    """No daily report is owed: the alert is not in force that day, or the reporter was sent
    nothing under it."""


@dataclass(frozen=True, slots=True)
class Day:
    """One day of an alert: when its reports are due, the revision in force then, and who owes
    one on what."""

    alert_id: int
    day: dt.date
    due: dt.datetime
    revision: AlertRevision
    expected: tuple[Expected, ...]
    _by_code: dict[str, Expected] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {e.code: e for e in self.expected})

    def of(self, code: str) -> Expected | None:
        return self._by_code.get(code)


def _enterprise(e: RosterEntry, owed_too: bool = True) -> Expected:
    """An enterprise of the frozen plan as a reporter: its lines under measures (none: its
    plan's mode, 自主减排 or 保持停产, as one item). Without ``owed_too`` its items are left out
    (the roll-up counts what was reported; it owes no figure)."""
    owed = (
        tuple(Owed(line, text) for line, text in e.lines)
        or (Owed("应急减排措施", PlanMode(e.mode).label),)
        if owed_too
        else ()
    )
    return Expected(code=e.uscc, name=e.name, reporter=Reporter.ENTERPRISE, county=e.county,
                    town=e.town, owed=owed, contact=e.contact, phone=e.phone)  # fmt: skip


class DailyDispatch:
    def __init__(
        self,
        uow: Callable[[], DailyUnitOfWork],
        *,
        network: Matrix | None,
        office: Office,
        zone: ZoneInfo,
        delivery: DeliveryConfig,
        units: Mapping[str, Recipient],
        links: LinkSigner,
        env: Environment,
        console_base: str = "",
    ) -> None:
        self.uow, self.network, self.office, self.zone = uow, network, office, zone
        self.env = env  # the reminders' and the summary's texts (marked in a drill)
        self.delivery, self.units, self.links = delivery, units, links
        self.console_base = console_base.rstrip("/")

    @property
    def report_by(self) -> dt.time:
        return self.network.report_by if self.network is not None else dt.time(16, 0)

    # --- who owes what ---------------------------------------------------------------------

    def day(self, alert_id: int, day: dt.date) -> Day:
        with self.uow() as uow:
            return self._day(uow, alert_id, day)

    def _in_force(
        self, uow: DailyUnitOfWork, alert_id: int, day: dt.date
    ) -> tuple[dt.datetime, AlertRevision]:
        due = due_at(day, self.report_by, self.zone)
        rev = in_force_at(uow.alerts.revisions(alert_id), due - _INSTANT)
        if rev is None:
            raise NotDue(
                f"预警{alert_id}在{day.month}月{day.day}日{self.report_by:%H:%M}不在执行期内，"
                "当日无须报送日报"
            )
        return due, rev

    def _day(self, uow: DailyUnitOfWork, alert_id: int, day: dt.date, *, owed: bool = True) -> Day:
        """The day; ``owed``: with the items each enterprise owes (the roll-up needs only
        who they are: 100,000 enterprises' lines are not built for it)."""
        due, rev = self._in_force(uow, alert_id, day)
        expected = [_enterprise(e, owed) for e in uow.plans.reporters(rev.revision_id)]
        tasked = set(uow.notices.tasked(rev.revision_id)) if self.network is not None else set()
        expected += self._units(rev, tasked)
        return Day(alert_id, day, due, rev, tuple(expected))

    def _units(self, rev: AlertRevision, tasked: set[str]) -> list[Expected]:
        """The units sent a task notice under ``rev``, with their duties at its level."""
        if self.network is None:
            return []
        out = []
        for u in self.network.units:
            if u.uscc not in tasked:
                continue
            duties = self.network.duties_of(u.id, rev.state.level)
            out.append(
                Expected(
                    code=u.uscc,
                    name=u.name,
                    reporter=Reporter.UNIT,
                    county=u.county,
                    town=u.township,
                    group=u.kind.label,
                    owed=tuple(Owed(key=d.text, text=d.done, figure=d.report) for d in duties)
                    or (OVERSIGHT,),
                    contact=u.contact,
                    phone=u.phone,
                )
            )
        return out

    def owes(self, alert_id: int, code: str, day: dt.date) -> Expected:
        """What ``code`` owes a report on that day (one reporter: only its own entry is read);
        :class:`NotDue` if nothing."""
        with self.uow() as uow:
            return self._owes(uow, alert_id, code, day)[1]

    def _owes(
        self, uow: DailyUnitOfWork, alert_id: int, code: str, day: dt.date
    ) -> tuple[AlertRevision, Expected]:
        _, rev = self._in_force(uow, alert_id, day)
        if code in self.units:
            found = self._units(rev, set(uow.notices.tasks_of(rev.revision_id, [code])))
        else:
            subject = Subject(revision_id=rev.revision_id)
            found = [
                _enterprise(
                    RosterEntry(
                        e["uscc"], e["name"], e["county"], e.get("town") or "",
                        e.get("contact") or "", e.get("phone") or "", e["mode"],
                        [(ln["name"], m["text"]) for ln in e["lines"] if (m := ln["measure"])],
                    )
                )
                for e in uow.plans.entries(subject, [code])
            ]  # fmt: skip
        if not found:
            raise NotDue(f"{code}在预警{alert_id}的{day.month}月{day.day}日无须报送日报")
        return rev, found[0]

    # --- reporting -------------------------------------------------------------------------

    def submit(
        self,
        alert_id: int,
        code: str,
        day: dt.date,
        *,
        done: Sequence[bool],
        notes: Sequence[str],
        figures: Sequence[str] = (),
        note: str = "",
        by: str,
        via: Via,
        now: dt.datetime,
    ) -> DailyReport:
        """Take ``code``'s report of ``day`` (item by item, in the order owed); reporting again
        replaces it. Refused for a day not begun, a day the alert is not in force, a reporter
        that owes nothing then, or items that do not match what it owes."""
        today = now.astimezone(self.zone).date()
        if day > today:
            raise ReportInvalid(f"不能报送{day.month}月{day.day}日的日报：该日尚未到来。")
        by = by.strip()
        if not by or len(by) > 50:
            raise ReportInvalid("请填写报送人姓名（不超过50个字）。")
        if len(note) > 2000:
            raise ReportInvalid("总体说明不超过2000字。")
        with self.uow() as uow:
            rev, owes = self._owes(uow, alert_id, code, day)
            items = checked_items(owes.owed, done, notes, list(figures) or [""] * len(owes.owed))
            report = DailyReport(
                alert_id=alert_id,
                day=day,
                code=code,
                reporter=owes.reporter,
                revision_id=rev.revision_id,
                items=items,
                note=note.strip(),
                reported_at=now,
                by=by,
                via=via,
            )
            uow.daily.put(report)
            uow.commit()
        return report

    def reports(
        self, alert_id: int, day: dt.date, codes: list[str] | None = None
    ) -> dict[str, DailyReport]:
        """The reports of the alert's day (only ``codes``' if given), by reporter."""
        with self.uow() as uow:
            return uow.daily.reports(alert_id, day, codes)

    def report(self, alert_id: int, code: str, day: dt.date) -> DailyReport | None:
        with self.uow() as uow:
            return uow.daily.reports(alert_id, day, [code]).get(code)

    # --- the office's side -----------------------------------------------------------------

    def roll_up(self, alert_id: int, day: dt.date, now: dt.datetime) -> RollUp:
        """The day's roll-up as of ``now``."""
        with self.uow() as uow:
            found = self._day(uow, alert_id, day, owed=False)
            reports = uow.daily.filed(alert_id, day)
        return self._roll_up(found, reports, now)

    def _roll_up(self, found: Day, reports: Mapping[str, Filed], now: dt.datetime) -> RollUp:
        rev = found.revision
        out = roll_up(
            found.expected,
            reports,
            alert_id=found.alert_id,
            day=found.day,
            due=found.due,
            as_of=now,
        )
        return replace(
            out,
            revision_id=rev.revision_id,
            document_number=rev.document_number or "",
            level=rev.state.level.term,
        )

    def days(self, alert_id: int, now: dt.datetime) -> list[dt.date]:
        """The days of the alert on which reports were owed, up to today."""
        with self.uow() as uow:
            revisions = uow.alerts.revisions(alert_id)
        starts = [v.state.start for v in revisions if v.state.issued_at is not None]
        if not starts:
            return []
        first = min(starts).astimezone(self.zone).date()
        last = now.astimezone(self.zone).date()
        out = []
        d = first
        while d <= last:
            if in_force_at(revisions, due_at(d, self.report_by, self.zone) - _INSTANT):
                out.append(d)
            d += dt.timedelta(days=1)
        return out

    def run_due(self, now: dt.datetime, *, alerts: int = 20) -> list[RollUp]:
        """Each day whose reports fell due by ``now`` and whose round is not done: chase the
        missing, send the leaders the summary, record the round (once, by whichever process
        first). The newest ``alerts`` alerts of the area are looked at."""
        with self.uow() as uow:
            ids = uow.alerts.alert_ids(self.office.region_code, alerts)
        done: list[RollUp] = []
        for alert_id in ids:
            with self.uow() as uow:
                kept = uow.daily.rounds(alert_id)
            for d in self.days(alert_id, now):
                if d in kept or due_at(d, self.report_by, self.zone) > now:
                    continue
                with self.uow() as uow:
                    found = self._day(uow, alert_id, d, owed=False)
                    rolled = self._roll_up(found, uow.daily.filed(alert_id, d), now)
                    if not uow.daily.take_round(alert_id, d, now, summary_of(rolled)):
                        continue  # another process did this day's round
                    self._chase(uow, found, rolled, now)
                    self._send(uow, found, rolled, now)
                    uow.commit()
                done.append(rolled)
        return done

    def _chase(self, uow: DailyUnitOfWork, found: Day, rolled: RollUp, now: dt.datetime) -> None:
        """Each missing reporter reminded on its first channel; each county's contact sent the
        list of its missing."""
        subject = Subject(revision_id=found.revision.revision_id)
        suffix = f":{found.day:%Y%m%d}"
        firms = [m.code for m in rolled.missing if m.reporter is Reporter.ENTERPRISE]
        recipients = {r.uscc: r for r in uow.plans.recipients(subject, firms)} if firms else {}
        rows = []
        expires = self.links.expiry(now)
        for m in rolled.missing:
            who = (
                recipients.get(m.code)
                if m.reporter is Reporter.ENTERPRISE
                else self.units.get(m.code)
            )
            who = who or Recipient(uscc=m.code, name=m.name, county=m.place)
            link = f"{self.office.acknowledge_base}/" + self.links.token(
                found.alert_id, m.code, expires
            )
            text = (
                self.env.get_template("daily/reminder.txt")
                .render(
                    region_name=self.office.region_name,
                    name=m.name,
                    day=f"{found.day.month}月{found.day.day}日",
                    report_by=f"{self.report_by:%H:%M}",
                    link=link,
                )
                .strip()
            )
            rows.append(
                new_delivery(
                    subject=subject,
                    kind=MessageKind.DAILY,
                    recipient=m.code,
                    name=m.name,
                    county=who.county,
                    route=route(self.delivery, who),
                    reason=Reason.ESCALATION,
                    now=now,
                    payload=text,
                    suffix=suffix,
                )
            )
        by_county: dict[str, list[str]] = {}
        for e, m in ((found.of(m.code), m) for m in rolled.missing):
            if e is not None and e.county:
                by_county.setdefault(e.county, []).append(m.name)
        for county, names in sorted(by_county.items()):
            contact = self.delivery.counties.get(county)
            if contact is None:
                continue
            to = county_recipient(contact)
            text = (
                self.env.get_template("daily/county.txt")
                .render(
                    region_name=self.office.region_name,
                    county=county,
                    as_of=cn_time(now, self.zone),
                    names=names,
                    day=f"{found.day.month}月{found.day.day}日",
                    office_phone=self.office.phone,
                )
                .strip()
            )
            rows.append(
                new_delivery(
                    subject=subject,
                    kind=MessageKind.DAILY,
                    recipient=to.uscc,
                    name=contact.contact,
                    county=county,
                    route=route(self.delivery, to),
                    reason=Reason.ESCALATION,
                    now=now,
                    payload=text,
                    suffix=suffix,
                )
            )
        uow.outbox.add(rows)

    def _send(self, uow: DailyUnitOfWork, found: Day, rolled: RollUp, now: dt.datetime) -> None:
        """The roll-up's summary to every leader of the matrix."""
        if self.network is None or not self.network.leaders:
            return
        subject = Subject(revision_id=found.revision.revision_id)
        text = summary_text(self.env, rolled, self.office.region_name, self.zone, self.console_base)
        rows = []
        for i, leader in enumerate(self.network.leaders, start=1):
            who = Recipient(uscc=f"leader:{i}", name=leader.name, county="",
                            phone=leader.phone, email=leader.email, channel=leader.channel)  # fmt: skip
            rows.append(
                new_delivery(
                    subject=subject,
                    kind=MessageKind.DAILY,
                    recipient=who.uscc,
                    name=leader.name,
                    county="",
                    route=route(self.delivery, who),
                    reason=Reason.INITIAL,
                    now=now,
                    payload=text,
                    suffix=f":{found.day:%Y%m%d}",
                )
            )
        uow.outbox.add(rows)


def summary_of(r: RollUp) -> dict[str, object]:
    """The roll-up's counts as the round keeps them (and the assessment reads them)."""
    return {
        "expected": r.city.expected,
        "reported": r.city.reported,
        "late": r.city.late,
        "items": r.city.items,
        "done": r.city.done,
        "enterprises": [r.enterprises.expected, r.enterprises.reported],
        "units": [r.units.expected, r.units.reported],
        "figures": [list(f) for f in r.city.figures],
        "problems": len(r.problems),
        "missing": len(r.missing),
        "revision_id": r.revision_id,
    }


def summary_text(
    env: Environment, r: RollUp, region_name: str, zone: ZoneInfo, console_base: str = ""
) -> str:
    """The roll-up in a few lines (SMS, e-mail text, the command line): reported, done,
    figures, problems (templates/daily/summary.txt)."""
    c = r.city
    return (
        env.get_template("daily/summary.txt")
        .render(
            region_name=region_name,
            day=f"{r.day.month}月{r.day.day}日",
            level=r.level,
            as_of=cn_time(r.as_of, zone),
            c=c,
            firms=(r.enterprises.expected, r.enterprises.reported),
            units=(r.units.expected, r.units.reported),
            rate=f"{c.done / c.items:.1%}" if c.items else "—",
            problems=len(r.problems),
            figures="；".join(f"{k}{v:g}" for k, v in c.figures),
            link=f"{console_base}/alerts/{r.alert_id}/daily?day={r.day.isoformat()}"
            if console_base
            else "",
        )
        .strip()
    )
