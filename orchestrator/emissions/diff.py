"""What changed between two list revisions, and whether two lists hold the same content (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from orchestrator.alerts.model import ALERT_LEVELS
from orchestrator.emissions.model import EmissionList, Enterprise


@dataclass(frozen=True, slots=True)
class ListDiff:
    added: list[Enterprise]
    removed: list[Enterprise]
    grade_changes: list[tuple[Enterprise, Enterprise]]
    measure_changes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.grade_changes or self.measure_changes)


def diff_lists(old: EmissionList, new: EmissionList) -> ListDiff:
    before = {e.uscc: e for e in old.enterprises}
    after = {e.uscc: e for e in new.enterprises}
    changes: list[str] = []
    grades = []
    for uscc in before.keys() & after.keys():
        a, b = before[uscc], after[uscc]
        if a.grade is not b.grade:
            grades.append((a, b))
        lines_a = {ln.name: ln for ln in a.lines}
        lines_b = {ln.name: ln for ln in b.lines}
        for name in sorted(lines_b.keys() - lines_a.keys()):
            changes.append(f"{b.name}：新增生产线“{name}”")
        for name in sorted(lines_a.keys() - lines_b.keys()):
            changes.append(f"{b.name}：删除生产线“{name}”")
        for name in sorted(lines_a.keys() & lines_b.keys()):
            for level in ALERT_LEVELS:
                ma, mb = lines_a[name].measure(level), lines_b[name].measure(level)
                if ma is None or mb is None:
                    if ma != mb:
                        changes.append(
                            f"{b.name}“{name}”{level.term}：措施{'新增' if ma is None else '删除'}"
                        )
                    continue
                if (ma.kind, ma.text, ma.value, ma.reduction) != (
                    mb.kind,
                    mb.text,
                    mb.value,
                    mb.reduction,
                ):
                    changes.append(f"{b.name}“{name}”{level.term}：“{ma.text}”→“{mb.text}”")
    order = {u: i for i, u in enumerate(after)}
    return ListDiff(
        added=[after[u] for u in after.keys() - before.keys()],
        removed=[before[u] for u in before.keys() - after.keys()],
        grade_changes=sorted(grades, key=lambda p: order.get(p[1].uscc, 0)),
        measure_changes=changes,
    )


def same_content(a: EmissionList, b: EmissionList) -> bool:
    """Equal lists, ignoring whether a measure was filled from a table (an export makes it explicit)."""

    def plain(lst: EmissionList) -> EmissionList:
        return replace(
            lst,
            enterprises=tuple(
                replace(
                    e,
                    lines=tuple(
                        replace(
                            ln, measures=tuple(replace(m, from_table=False) for m in ln.measures)
                        )
                        for ln in e.lines
                    ),
                )
                for e in lst.enterprises
            ),
        )

    return plain(a) == plain(b)
