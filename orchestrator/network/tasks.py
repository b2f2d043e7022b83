"""What an issued alert revision asks of each unit of the response network (pure): the items it
answers for at the level (enterprises of the frozen plan, 扬尘源 sites and 移动源 users of the list
with their measures), its duties, and — on an adjustment or a lift — what changed for it since
the previous revision. The task notice (任务单) is written from a :class:`TaskSheet`; the daily
report asks for its duties' figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import EmissionList, Measure, SourceRow
from orchestrator.emissions.plans import RosterEntry
from orchestrator.emissions.registries import site_key
from orchestrator.network.model import Charge, Duty, Matrix, Oversees, Unit, UnitKind


class ItemKind(StrEnum):
    """The kinds of list item a unit answers for (the list's sheets)."""

    ENTERPRISE = "enterprise"
    DUST_SITE = "dust_site"
    TRANSPORT_USER = "transport_user"

    @property
    def label(self) -> str:
        return {"enterprise": "工业企业", "dust_site": "扬尘源工地",
                "transport_user": "重点用车单位"}[self.value]  # fmt: skip

    @property
    def oversight(self) -> Oversees:
        """The sheet a member unit oversees to answer for items of this kind."""
        return {
            ItemKind.ENTERPRISE: Oversees.ENTERPRISES,
            ItemKind.DUST_SITE: Oversees.DUST_SITES,
            ItemKind.TRANSPORT_USER: Oversees.TRANSPORT_USERS,
        }[self]


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One list item under measures at a level, as a task notice lists it."""

    kind: ItemKind
    key: str  # USCC (enterprises, transport users) or 区县/工地名称 (sites)
    name: str
    county: str
    town: str = ""  # enterprises: 乡镇街道
    measure: str  # what it must do at the level (a summary over an enterprise's lines)
    detail: str = ""  # 绩效等级 of an enterprise, type of a site, daily trips of a user


def answers_for(unit: Unit, item: Item) -> bool:
    """Whether ``unit`` answers for ``item``: a member unit for the sheets it oversees, a county
    for everything in it, a township for the enterprises of its county and 乡镇街道."""
    if unit.kind is UnitKind.MEMBER:
        return item.kind.oversight in unit.oversees
    if unit.kind is UnitKind.COUNTY:
        return item.county == unit.county
    return (
        item.kind is ItemKind.ENTERPRISE
        and item.county == unit.county
        and item.town == unit.township
    )


def assign(matrix: Matrix, items: Iterable[Item]) -> dict[str, tuple[Item, ...]]:
    """Each unit's items (by unit id), in the order given; every unit has an entry."""
    out: dict[str, list[Item]] = {u.id: [] for u in matrix.units}
    members = [u for u in matrix.units if u.kind is UnitKind.MEMBER]
    # by lookup, not unit by unit: 100,000 items and 5,000 units
    watching = {k: [m.id for m in members if k.oversight in m.oversees] for k in ItemKind}
    counties = {u.county: u.id for u in matrix.units if u.kind is UnitKind.COUNTY}
    towns = {(u.county, u.township): u.id for u in matrix.units if u.kind is UnitKind.TOWNSHIP}
    for item in items:
        for m in watching[item.kind]:
            out[m].append(item)
        if (c := counties.get(item.county)) is not None:
            out[c].append(item)
        if item.kind is ItemKind.ENTERPRISE and (t := towns.get((item.county, item.town))):
            out[t].append(item)
    return {k: tuple(v) for k, v in out.items()}


def _at(measures: Iterable[Measure], level: AlertLevel | None) -> str | None:
    """The text of the measure at ``level`` (None: none there); any level: ""."""
    if level is None:
        return ""
    return next((m.text for m in measures if m.level is level), None)


def list_items(lst: EmissionList, level: AlertLevel | None = None) -> list[Item]:
    """The list's items under measures at ``level`` (every item when None, no measure text):
    its enterprises, then its sites and transport users. Enterprises under an alert come from
    its frozen plan instead (:func:`plan_item`)."""
    out = [
        Item(
            kind=ItemKind.ENTERPRISE,
            key=e.uscc,
            name=e.name,
            county=e.county,
            town=e.town,
            measure="",
            detail=e.grade.value,
        )
        for e in (lst.enterprises if level is None else ())
    ]
    for s in lst.dust_sites:
        if (text := _at(s.measures, level)) is not None:
            out.append(
                Item(
                    kind=ItemKind.DUST_SITE,
                    key=site_key(s.county, s.name),
                    name=s.name,
                    county=s.county,
                    measure=text,
                    detail=s.site_type,
                )
            )
    for t in lst.transport_users:
        if (text := _at(t.measures, level)) is not None:
            out.append(
                Item(
                    kind=ItemKind.TRANSPORT_USER,
                    key=t.uscc,
                    name=t.name,
                    county=t.county,
                    measure=text,
                    detail=f"日均{t.daily_trips}车次",
                )
            )
    return out


def source_item(row: SourceRow) -> Item:
    """A site or transport user read for a task notice (:func:`list_items`, read light)."""
    if row.sheet == "dust_sites":
        return Item(kind=ItemKind.DUST_SITE, key=site_key(row.county, row.name), name=row.name,
                    county=row.county, measure=row.measure, detail=row.detail)  # fmt: skip
    return Item(kind=ItemKind.TRANSPORT_USER, key=row.uscc, name=row.name, county=row.county,
                measure=row.measure, detail=row.detail)  # fmt: skip


def plan_item(entry: Mapping[str, Any], mode_label: str) -> Item:
    """An enterprise of a frozen plan (``entry_record`` shape) as an item: its measures in
    one line (every line's the same: that measure; else each line's)."""
    texts = [(ln["name"], ln["measure"]["text"]) for ln in entry["lines"] if ln.get("measure")]
    return _item(entry["uscc"], entry["name"], entry["county"], entry.get("town", ""),
                 entry.get("grade", ""), texts, mode_label)  # fmt: skip


def roster_item(e: RosterEntry, mode_label: str) -> Item:
    """:func:`plan_item` of a roster entry (what a revision's task notices read: 100,000 of
    them without building each level's whole entry)."""
    return _item(e.uscc, e.name, e.county, e.town, e.grade, e.lines, mode_label)


def _item(
    uscc: str,
    name: str,
    county: str,
    town: str,
    grade: str,
    texts: list[tuple[str, str]],
    mode_label: str,
) -> Item:
    same = {t for _, t in texts}
    if not texts:
        measure = mode_label
    elif len(same) == 1:
        measure = texts[0][1]
    else:
        measure = "；".join(f"{n}：{t}" for n, t in texts)
    return Item(
        kind=ItemKind.ENTERPRISE,
        key=uscc,
        name=name,
        county=county,
        town=town,
        measure=measure,
        detail=grade,
    )


def charges(matrix: Matrix, lst: EmissionList) -> Mapping[str, Charge]:
    """Each unit's items in ``lst`` at any level, by kind (``network show``)."""
    return {
        uid: Charge(
            enterprises=tuple(i.key for i in mine if i.kind is ItemKind.ENTERPRISE),
            dust_sites=tuple(i.key for i in mine if i.kind is ItemKind.DUST_SITE),
            transport_users=tuple(i.key for i in mine if i.kind is ItemKind.TRANSPORT_USER),
        )
        for uid, mine in assign(matrix, list_items(lst)).items()
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSheet:
    """What one unit is asked to do at one level."""

    unit: Unit
    level: AlertLevel
    duties: tuple[Duty, ...]
    items: tuple[Item, ...]

    @property
    def empty(self) -> bool:
        return not (self.duties or self.items)

    def of_kind(self, kind: ItemKind) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind is kind)


def sheets(matrix: Matrix, level: AlertLevel, items: Iterable[Item]) -> dict[str, TaskSheet]:
    """Every unit's sheet at ``level`` (by unit id); an empty one where it has nothing to do."""
    mine = assign(matrix, items)
    return {
        u.id: TaskSheet(
            unit=u,
            level=level,
            duties=matrix.duties_of(u.id, level) if level.colour else (),
            items=mine[u.id],
        )
        for u in matrix.units
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    """What changed for one unit from its previous sheet to this one (an adjustment)."""

    duties_added: tuple[Duty, ...] = ()
    duties_ended: tuple[Duty, ...] = ()
    items_added: tuple[Item, ...] = ()
    items_removed: tuple[Item, ...] = ()
    items_changed: tuple[tuple[Item, str], ...] = ()  # (the item now, its measure before)

    @property
    def none(self) -> bool:
        return not (
            self.duties_added
            or self.duties_ended
            or self.items_added
            or self.items_removed
            or self.items_changed
        )


def changes(before: TaskSheet | None, after: TaskSheet) -> Changes:
    """``after`` against ``before`` (None: the unit had nothing to do before). Duties compare
    by their text, items by kind and key (a changed measure is a change of the item)."""
    if before is None:
        return Changes(duties_added=after.duties, items_added=after.items)
    old_duties = {d.text for d in before.duties}
    new_duties = {d.text for d in after.duties}
    old_items = {(i.kind, i.key): i for i in before.items}
    new_items = {(i.kind, i.key): i for i in after.items}
    return Changes(
        duties_added=tuple(d for d in after.duties if d.text not in old_duties),
        duties_ended=tuple(d for d in before.duties if d.text not in new_duties),
        items_added=tuple(i for k, i in new_items.items() if k not in old_items),
        items_removed=tuple(i for k, i in old_items.items() if k not in new_items),
        items_changed=tuple(
            (i, old_items[k].measure)
            for k, i in new_items.items()
            if k in old_items and old_items[k].measure != i.measure
        ),
    )


def tasked(
    now: Mapping[str, TaskSheet], before: Mapping[str, TaskSheet] | None, *, lifted: bool
) -> list[str]:
    """The units (ids, in the matrix's order) a revision sends a task notice: on issue those
    with something to do; on an adjustment also those whose tasks end; on a lift those that had
    something to do."""
    out = []
    for uid, sheet in now.items():
        had = before is not None and uid in before and not before[uid].empty
        if lifted:
            if had:
                out.append(uid)
        elif not sheet.empty or had:
            out.append(uid)
    return out
