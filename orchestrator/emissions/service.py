"""Use cases on list revisions: import (validated, stored once per content, audited), check an
upload before importing it, and read revisions, their enterprises and their plans."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.emissions.bulk import paused_gc
from orchestrator.emissions.calendar import CalendarView, ListCalendar, calendar_view
from orchestrator.emissions.diff import ListDiff, diff_lists
from orchestrator.emissions.grades import (
    AMENDED,
    GradeDecision,
    GradeSource,
    GradeStep,
    history,
    in_effect,
    regrade,
)
from orchestrator.emissions.measures import MeasureBook
from orchestrator.emissions.model import (
    CityProfile,
    EmissionList,
    Enterprise,
    EnterprisePage,
    Grade,
    ListFileInvalid,
    Revision,
    RevisionNotFound,
    RevisionSummary,
)
from orchestrator.emissions.parse import ParsedList, parse_list
from orchestrator.emissions.ports import ListUnitOfWork
from orchestrator.emissions.registries import (
    CoverageReport,
    CoverageRun,
    Registry,
    changes,
    compare,
    holders,
)
from orchestrator.emissions.targets import (
    LevelCheck,
    check_reduction,
    check_targets,
    discount,
    inventory_problems,
    level_reductions,
)
from orchestrator.emissions.upgrading import GradingConfig, UpgradeReport, upgrade_report
from orchestrator.emissions.workbook import export_list, read_registry, read_workbook
from orchestrator.errors import InputInvalid
from orchestrator.geography.outlines import Outlines


@dataclass(frozen=True, slots=True)
class DayCheck:
    """The reduction check of one level at one moment: the list revision in force then (or the
    one asked for), the id of its plan for the level, and what the plan adds beyond what idle
    plants and the recurring controls in force already remove."""

    list_revision: int
    plan_id: int
    check: LevelCheck


def day_check(
    uow: ListUnitOfWork,
    region: str,
    city: CityProfile,
    level: AlertLevel,
    at: dt.datetime,
    *,
    on: dt.date,
    revision: int | None = None,
    counties: Sequence[str] = (),
) -> DayCheck:
    """The check of ``level`` at ``at`` (``on``: its city date, which picks the list revision
    in force unless ``revision`` is given) — the one figure approval freezes, the console's
    draft preview shows and ``list check --at`` prints. An alert of named ``counties`` is
    checked on their sources against their own 全社会排放量 (:meth:`CityProfile.area`). Raises
    :class:`~orchestrator.emissions.model.RevisionNotFound` with no list."""
    number = revision if revision is not None else uow.lists.in_force(region, on)
    plan_id, achieved = uow.lists.level_plan(region, number, level)
    controlled = uow.standing.controlled(region, at)
    entries = uow.lists.plan_entries(plan_id, controlled.lines)
    if counties:
        area = city.area(counties)  # refuses a county without its inventory, before the work
        (achieved,) = level_reductions(uow.lists.load(region, number).within(counties), (level,))
        entries = [e for e in entries if e.county in area.counties]
        city = area
    less = discount(entries, controlled)
    return DayCheck(number, plan_id, check_reduction(achieved, city, less))


def band_plan(uow: ListUnitOfWork, region: str, on: dt.date) -> tuple[int, int]:
    """The list revision in force ``on`` and a plan of it that holds its enterprises' records,
    which the 不利气象条件应对 band freezes for the enterprises that agreed a reduction (it
    applies no list measure: :func:`~orchestrator.emissions.plans.level_record`). Raises
    :class:`~orchestrator.emissions.model.RevisionNotFound` with no list."""
    number = uow.lists.in_force(region, on)
    plan_id, _ = uow.lists.level_plan(region, number, ALERT_LEVELS[0])
    return number, plan_id


@dataclass(frozen=True, slots=True)
class GradeResult:
    """A grade decision recorded: the list revision it made (None: the list said so already, or
    the same decision was recorded before), what changed in the measures, and later revisions
    that the decision does not reach (they need the same change)."""

    decision: GradeDecision
    revision: Revision | None
    notes: tuple[str, ...]
    later: tuple[int, ...]
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class ImportResult:
    revision: Revision | None  # None on a dry run
    created: bool
    enterprises: int
    lines: int
    dust_sites: int
    transport_users: int
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UploadCheck:
    """A workbook checked before it is imported: its content, the reduction check of every
    level, and what changes against the newest revision (None: the first list)."""

    parsed: ParsedList
    checks: list[LevelCheck]
    newest: int | None
    diff: ListDiff | None


#: How a list file is read into a checked list (:func:`parse_file`, or the same in a bounded
#: process).
Parse = Callable[[Path, CityProfile, MeasureBook, str], ParsedList]


def parse_file(path: Path, city: CityProfile, book: MeasureBook, name: str = "") -> ParsedList:
    """Read and validate a list workbook; every problem names ``name`` (default: the path)."""
    parsed = parse_list(name or str(path), read_workbook(path), counties=city.counties, book=book)
    wrong = inventory_problems(parsed.emission_list, city)
    return dataclasses.replace(parsed, warnings=(*parsed.warnings, *wrong)) if wrong else parsed


class ListService:
    """The emission list of the office's area."""

    def __init__(
        self,
        uow: Callable[[], ListUnitOfWork],
        *,
        city: CityProfile,
        book: MeasureBook,
        outlines: Outlines | None = None,
        grading: GradingConfig | None = None,
        calendar: ListCalendar | None = None,
    ) -> None:
        self.uow, self.city, self.book, self.outlines = uow, city, book, outlines
        self.grading = grading
        self.calendar = calendar or ListCalendar()
        self.region = city.region_code

    def _placed(self, parsed: ParsedList) -> ParsedList:
        """``parsed`` with a hint for every enterprise and site whose position lies outside the
        county its row names (by the county outlines, when the city has them)."""
        if self.outlines is None:
            return parsed
        lst = parsed.emission_list
        points = [
            (f"企业“{e.name}”（{e.uscc}）", e.county, e.location)
            for e in lst.enterprises
            if e.location is not None
        ]
        points += [
            (f"工地“{s.name}”", s.county, s.location)
            for s in lst.dust_sites
            if s.location is not None
        ]
        hints = [m.message for m in self.outlines.misplaced(points)]
        return dataclasses.replace(parsed, warnings=(*parsed.warnings, *hints)) if hints else parsed

    # --- import --------------------------------------------------------------------------------

    def import_list(
        self,
        path: Path,
        *,
        effective_from: dt.date,
        now: dt.datetime,
        by: str,
        dry_run: bool = False,
        name: str = "",
        parse: Parse | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> ImportResult:
        """Read, validate and store ``path`` as a new revision — all of it or, on any error,
        nothing — and record who imported it in the same transaction.

        Importing the same file with the same effective date again returns the existing revision.
        ``name``: the file's name as the user knows it (an upload's), used in messages;
        ``progress`` is told each phase as it starts."""
        told = progress or (lambda phase: None)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ListFileInvalid([f"{name or path}: 无法读取：{exc.strerror}"]) from exc
        with paused_gc():
            told("读取并校验")
            parsed = self._placed((parse or parse_file)(path, self.city, self.book, name))
            if not dry_run:
                told("存储")
            return self._store(parsed, data, name or path.name, effective_from, now, by, dry_run)

    def _store(
        self,
        parsed: ParsedList,
        data: bytes,
        source: str,
        effective_from: dt.date,
        now: dt.datetime,
        by: str,
        dry_run: bool,
    ) -> ImportResult:
        lst = parsed.emission_list
        counts = (
            len(lst.enterprises),
            sum(len(e.lines) for e in lst.enterprises),
            len(lst.dust_sites),
            len(lst.transport_users),
        )
        if dry_run:
            return ImportResult(None, False, *counts, parsed.warnings)
        sha = hashlib.sha256(data).hexdigest()
        with self.uow() as uow:
            existing = uow.lists.find_by_content(self.region, sha, effective_from)
            if existing is not None:
                return ImportResult(existing, False, *counts, parsed.warnings)
            rev = uow.lists.store(
                self.region,
                lst,
                effective_from=effective_from,
                source=source,
                sha256=sha,
                imported_at=now.astimezone(dt.UTC),
                warnings=list(parsed.warnings),
            )
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by,
                    action=AuditAction.LIST_IMPORT,
                    reason=f"第{rev.number}版，{effective_from.isoformat()}起生效",
                    detail={"revision": rev.number, "source": source, "sha256": sha},
                )
            )
            uow.commit()
        return ImportResult(rev, True, *counts, parsed.warnings)

    def check_upload(self, path: Path, name: str, parse: Parse | None = None) -> UploadCheck:
        """Validate an uploaded workbook and compare it with the newest revision; nothing is
        stored. Problems name ``name``, never the server's path. ``parse``: how the file is read
        (default :func:`parse_file`, here; the web service reads uploads in a bounded process)."""
        try:
            parsed = self._placed((parse or parse_file)(path, self.city, self.book, name))
        except ListFileInvalid as exc:
            raise ListFileInvalid([p.replace(str(path), name) for p in exc.problems]) from None
        lst = parsed.emission_list
        with self.uow() as uow:
            try:
                newest: int | None = uow.lists.latest(self.region)
                old: EmissionList | None = uow.lists.load(self.region, newest or 0)
            except RevisionNotFound:
                newest, old = None, None
        return UploadCheck(
            parsed=parsed,
            checks=check_targets(lst, self.city),
            newest=newest,
            diff=diff_lists(old, lst) if old is not None else None,
        )

    # --- grades --------------------------------------------------------------------------------

    def record_grade(
        self,
        uscc: str,
        grade: Grade,
        *,
        effective_from: dt.date,
        source: GradeSource,
        reference: str,
        now: dt.datetime,
        by: str,
        note: str = "",
    ) -> GradeResult:
        """Record a decision on an enterprise's grade and amend the list from its date: a new
        revision, derived from the one in force then, with every decision in effect then applied
        (:func:`~orchestrator.emissions.grades.regrade`) — unless the list already says so. All in
        one transaction, audited; recording the same decision again changes nothing."""
        uscc = uscc.strip().upper()
        if not reference.strip():
            raise InputInvalid("请填写决定依据（文号或平台记录编号）")
        with self.uow() as uow:
            number = uow.lists.in_force(self.region, effective_from)
            base = uow.lists.get(self.region, number)
            lst = uow.lists.load(self.region, number)
            current = {e.uscc: e for e in lst.enterprises}
            if uscc not in current:
                raise RevisionNotFound(
                    f"{effective_from.isoformat()}生效的第{number}版清单中没有统一社会信用代码为"
                    f"{uscc}的企业"
                )
            decision = GradeDecision(
                uscc=uscc,
                grade=grade,
                effective_from=effective_from,
                source=source,
                reference=reference.strip(),
                recorded_at=now,
                recorded_by=by,
                note=note.strip(),
            )
            known = uow.grades.decisions(self.region, uscc)
            same = next(
                (
                    d
                    for d in known
                    if (d.grade, d.effective_from, d.source, d.reference)
                    == (grade, effective_from, source, decision.reference)
                ),
                None,
            )
            if same is not None:
                return GradeResult(same, None, (), (), repeated=True)
            decision = uow.grades.record(self.region, decision)
            effect = in_effect([*uow.grades.decisions(self.region)], effective_from)
            changed: list[Enterprise] = []
            notes: list[str] = []
            amended = []
            for e in lst.enterprises:
                d = effect.get(e.uscc)
                if d is None or d.grade is e.grade:
                    amended.append(e)
                    continue
                new, why = regrade(e, d.grade, self.book)
                amended.append(new)
                changed.append(new)
                notes += why
            revision: Revision | None = None
            if changed:
                start = max(effective_from, base.effective_from)
                revision = uow.lists.store(
                    self.region,
                    dataclasses.replace(lst, enterprises=tuple(amended)),
                    effective_from=start,
                    source=f"第{number}版清单{AMENDED}（{decision.reference}）",
                    sha256=hashlib.sha256(
                        f"grades:{base.sha256}:{start}:{sorted(d.id for d in effect.values())}".encode()
                    ).hexdigest(),
                    imported_at=now.astimezone(dt.UTC),
                    warnings=notes,
                )
            later = [
                s.revision.number
                for s in uow.lists.summaries(self.region)
                if s.revision.effective_from > effective_from
                and s.revision.number != number
                and (revision is None or s.revision.number != revision.number)
            ]
            uow.audit.record(
                AuditEntry(
                    at=now,
                    actor=by,
                    action=AuditAction.LIST_GRADE,
                    reason=f"{current[uscc].name}绩效等级{current[uscc].grade.value}→{grade.value}，"
                    f"{effective_from.isoformat()}起（{source.label}，{decision.reference}）",
                    detail={
                        "uscc": uscc,
                        "grade": grade.value,
                        "decision": decision.id,
                        "revision": revision.number if revision else None,
                    },
                )
            )
            uow.commit()
        return GradeResult(decision, revision, tuple(notes), tuple(later))

    def grade_history(self, uscc: str) -> tuple[str, list[GradeStep]]:
        """An enterprise's name and grade history: each list revision's grade and every decision."""
        uscc = uscc.strip().upper()
        with self.uow() as uow:
            listed: list[tuple[int, dt.date, Grade]] = []
            name = ""
            for s in uow.lists.summaries(self.region):
                r = s.revision
                e = uow.lists.enterprise(self.region, r.number, uscc)
                if e is not None:
                    listed.append((r.number, r.effective_from, e.grade))
                    name = e.name
            decisions = uow.grades.decisions(self.region, uscc)
        if not listed and not decisions:
            raise RevisionNotFound(f"清单中没有统一社会信用代码为{uscc}的企业")
        return name, history(listed, decisions)

    def upgrade_report(
        self, on: dt.date, alert_days: Callable[[dt.date, dt.date], dict[AlertLevel, float]]
    ) -> UpgradeReport:
        """创A升B on ``on``: the list in force then against ``config/grading.toml``, with every
        enterprise's grade history; ``alert_days``: the days at each level in a season (its first
        and last day), which weigh what an upgrade lifts."""
        if self.grading is None:
            raise InputInvalid("未配置绩效等级提升目标（config/grading.toml）")
        with self.uow() as uow:
            number = uow.lists.in_force(self.region, on)
            lst = uow.lists.load(self.region, number)
            listed: dict[str, list[tuple[int, dt.date, Grade]]] = {}
            for s in uow.lists.summaries(self.region):
                r = s.revision
                if r.effective_from > on:
                    continue
                for uscc, g in uow.lists.grades(self.region, r.number).items():
                    listed.setdefault(uscc, []).append((r.number, r.effective_from, g))
            decided: dict[str, list[GradeDecision]] = {}
            for d in uow.grades.decisions(self.region):
                decided.setdefault(d.uscc, []).append(d)
        steps = {
            e.uscc: history(listed.get(e.uscc, []), decided.get(e.uscc, []))
            for e in lst.enterprises
        }
        first, last = self.grading.last_season(on)
        return upgrade_report(
            lst,
            number=number,
            on=on,
            config=self.grading,
            book=self.book,
            history=steps,
            alert_days=alert_days(first, last),
        )

    # --- the revision calendar -------------------------------------------------------------------

    def calendar_view(self, on: dt.date) -> CalendarView:
        """When the next revision is due and what changed since the last one."""
        with self.uow() as uow:
            revisions = [s.revision for s in uow.lists.summaries(self.region)]
            if not revisions:
                raise RevisionNotFound("尚未导入应急减排清单")
            decisions = uow.grades.decisions(self.region)
            newest = [
                runs[0]
                for registry in Registry
                if (runs := uow.coverage.runs(self.region, registry, limit=1))
            ]
        return calendar_view(self.calendar, revisions, decisions, newest, on)

    def write_draft(
        self,
        out: Path,
        on: dt.date,
        extra: Sequence[Sequence[str]] = (),
        answers: Callable[[int], Mapping[tuple[str, str], str]] | None = None,
    ) -> CalendarView:
        """The draft of the next revision for the counties to fill in: the list in force ``on``
        (grade decisions applied) as the canonical workbook, and a sheet of what to settle —
        the newest coverage findings with what the units answered to each (``answers``: a run's
        answers by finding, as text, which the caller reads from the check tasks), and ``extra``
        rows (the effect assessments' suggestions, which the caller gathers). Filled in, it
        imports as the next revision."""
        view = self.calendar_view(on)
        with self.uow() as uow:
            lst = uow.lists.load(self.region, uow.lists.in_force(self.region, on))
        todo = []
        for run in view.coverage:
            answered = answers(run.id) if answers is not None else {}
            todo += [
                (
                    f.kind.label,
                    f.county,
                    f.key,
                    f.name,
                    f.detail,
                    f.kind.action,
                    answered.get(f.ident, ""),
                )
                for f in run.findings
            ]
        export_list(lst, out, [*todo, *extra])
        return view

    # --- coverage ------------------------------------------------------------------------------

    def check_coverage(
        self,
        registry: Registry,
        path: Path,
        *,
        now: dt.datetime,
        by: str,
        revision: int | None = None,
        keep: bool = True,
        name: str = "",
    ) -> CoverageReport:
        """Compare list revision ``revision`` (default: the newest) with a registry export, both
        ways; with ``keep``, record the run (audited) and compare it with the previous run against
        the same registry. Rows of the export that cannot be read are skipped and named."""
        source = name or str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ListFileInvalid([f"{source}: 无法读取：{exc.strerror}"]) from None
        problems: list[str] = []
        found = holders(registry, source, read_registry(path, registry, source), problems)
        with self.uow() as uow:
            number = revision if revision is not None else uow.lists.latest(self.region)
            lst = uow.lists.load(self.region, number)
            findings = compare(registry, lst, found)
            before = uow.coverage.runs(self.region, registry, limit=1)
            previous = before[0] if before else None
            run = CoverageRun(
                id=0,
                registry=registry,
                list_revision=number,
                ran_at=now,
                ran_by=by,
                source=Path(source).name,
                sha256=hashlib.sha256(data).hexdigest(),
                holders=len(found),
                findings=tuple(findings),
            )
            if keep:
                run = uow.coverage.record(self.region, run)
                uow.audit.record(
                    AuditEntry(
                        at=now,
                        actor=by,
                        action=AuditAction.LIST_COVERAGE,
                        reason=f"{registry.label}比对第{number}版清单，发现{len(findings)}项",
                        detail={"run": run.id, "registry": registry.value, "sha256": run.sha256},
                    )
                )
                uow.commit()
        new, resolved = changes(findings, previous.findings if previous else ())
        return CoverageReport(
            run=run, previous=previous, new=new, resolved=resolved, problems=tuple(problems)
        )

    def coverage_runs(self, registry: Registry | None = None, limit: int = 50) -> list[CoverageRun]:
        """The kept coverage runs, newest first."""
        with self.uow() as uow:
            return uow.coverage.runs(self.region, registry, limit)

    # --- reading -------------------------------------------------------------------------------

    def summaries(self) -> list[RevisionSummary]:
        with self.uow() as uow:
            return uow.lists.summaries(self.region)

    def revision(self, number: int | None = None) -> tuple[Revision, EmissionList]:
        """Revision ``number`` (default: the newest) and its content."""
        with self.uow() as uow:
            n = number if number is not None else uow.lists.latest(self.region)
            return uow.lists.get(self.region, n), uow.lists.load(self.region, n)

    def get(self, number: int) -> Revision:
        with self.uow() as uow:
            return uow.lists.get(self.region, number)

    def in_force(self, on: dt.date) -> int | None:
        """The revision in force on ``on`` (None: no list yet)."""
        with self.uow() as uow:
            try:
                return uow.lists.in_force(self.region, on)
            except RevisionNotFound:
                return None

    def find(self, number: int, **filters: str | int) -> EnterprisePage:
        with self.uow() as uow:
            return uow.lists.find(self.region, number, **filters)  # type: ignore[arg-type]

    def enterprise(self, number: int, uscc: str) -> Enterprise | None:
        with self.uow() as uow:
            return uow.lists.enterprise(self.region, number, uscc)

    def diff(self, a: int, b: int) -> ListDiff:
        with self.uow() as uow:
            return diff_lists(uow.lists.load(self.region, a), uow.lists.load(self.region, b))

    def level_check(
        self,
        level: AlertLevel,
        at: dt.datetime,
        *,
        on: dt.date,
        revision: int | None = None,
        counties: Sequence[str] = (),
    ) -> DayCheck | None:
        """What the plan of ``level`` adds at ``at`` under the list in force ``on`` (or
        ``revision``) against the city's targets (an alert of ``counties``: theirs), with what
        is already required discounted (:func:`day_check`). None: no list in force then."""
        with self.uow() as uow:
            try:
                return day_check(
                    uow,
                    self.region,
                    self.city,
                    level,
                    at,
                    on=on,
                    revision=revision,
                    counties=counties,
                )
            except RevisionNotFound:
                if revision is not None:
                    raise
                return None

    @staticmethod
    def levels() -> tuple[AlertLevel, ...]:
        return ALERT_LEVELS
