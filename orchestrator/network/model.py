"""The response network as values (pure): its units, the responsibility matrix by level, and
which of the list's items each unit answers for.

Three kinds of unit: member units of the command (成员单位: 住建, 交通运输, 公安交警 …), counties and
districts (区县, 属地), townships and streets (乡镇/街道, 属地 under their county). The matrix gives,
for each level, each unit's duties — fixed tasks with what counts as done and, where the office
wants a figure, what is counted — and the list items a unit answers for follow from what it
is given: a member unit the sheets it oversees (扬尘源 sites, 移动源 users, industrial enterprises),
a county everything in it, a township the enterprises in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from orchestrator.alerts.model import AlertLevel
from orchestrator.emissions.model import EmissionList


class UnitKind(StrEnum):
    MEMBER = "member"
    COUNTY = "county"
    TOWNSHIP = "township"

    @property
    def label(self) -> str:
        return {"member": "成员单位", "county": "县（市、区）", "township": "乡镇（街道）"}[
            self.value
        ]


class Oversees(StrEnum):
    """The list's sheets a member unit answers for."""

    DUST_SITES = "dust_sites"
    TRANSPORT_USERS = "transport_users"
    ENTERPRISES = "enterprises"

    @property
    def label(self) -> str:
        return {"dust_sites": "扬尘源工地", "transport_users": "移动源重点用车单位",
                "enterprises": "工业企业"}[self.value]  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """A unit of the network with its contacts (delivered like an enterprise's orders)."""

    id: str  # zhujian, county:城东区, township:城东区/东关街道
    name: str  # 市住房和城乡建设局, 城东区人民政府, 城东区东关街道办事处
    kind: UnitKind
    uscc: str = ""  # its 统一社会信用代码: task notices, receipts and reports are filed under it
    county: str = ""  # a county's own name; a township's county
    township: str = ""  # a township's name as the list writes it (东关街道)
    oversees: tuple[Oversees, ...] = ()
    contact: str = ""
    phone: str = ""
    email: str = ""
    channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Leader:
    """Someone the daily roll-up (应急管控工作日报) is sent to."""

    name: str
    title: str  # 副市长, 指挥部办公室主任
    phone: str = ""
    email: str = ""
    channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Duty:
    """One duty of one unit at one level."""

    unit: str  # Unit.id
    level: AlertLevel
    text: str  # 中小学、幼儿园停止户外活动
    done: str  # what counts as done
    report: str = ""  # what the unit reports as a number each day ("" = none): 停工工地数（处）


@dataclass(frozen=True, slots=True, kw_only=True)
class Matrix:
    """The responsibility matrix: the units and their duties by level (``config/network.toml``)."""

    units: tuple[Unit, ...]
    duties: tuple[Duty, ...]
    report_by: dt.time = dt.time(16, 0)  # 每日调度: each day's report is due by this local time
    enterprises_listed: int = 100  # a task notice names a unit's enterprises up to this many
    leaders: tuple[Leader, ...] = ()  # the daily roll-up goes to them
    answer_days: int = 15  # a coverage check task (核查任务) is answered within this many days
    # lookups by unit id and by (unit id, level): a large city has thousands of units
    _units: dict[str, Unit] = field(init=False, repr=False, compare=False)
    _duties: dict[tuple[str, AlertLevel], tuple[Duty, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        duties: dict[tuple[str, AlertLevel], list[Duty]] = {}
        for d in self.duties:
            duties.setdefault((d.unit, d.level), []).append(d)
        object.__setattr__(self, "_units", {u.id: u for u in self.units})
        object.__setattr__(self, "_duties", {k: tuple(v) for k, v in duties.items()})

    def unit(self, unit_id: str) -> Unit | None:
        return self._units.get(unit_id)

    def duties_of(self, unit_id: str, level: AlertLevel) -> tuple[Duty, ...]:
        return self._duties.get((unit_id, level), ())


@dataclass(frozen=True, slots=True, kw_only=True)
class Charge:
    """What one unit answers for in one list: counts of each kind of item (the task notice lists
    them by name)."""

    enterprises: tuple[str, ...] = ()  # USCCs
    dust_sites: tuple[str, ...] = ()  # 区县/工地名称
    transport_users: tuple[str, ...] = ()  # USCCs

    @property
    def empty(self) -> bool:
        return not (self.enterprises or self.dust_sites or self.transport_users)


def unplaced(matrix: Matrix, lst: EmissionList) -> list[tuple[str, str, str]]:
    """Enterprises whose 乡镇街道 is no township of the matrix: (USCC, name, county/town); only
    where the matrix has townships for that county."""
    known = {(u.county, u.township) for u in matrix.units if u.kind is UnitKind.TOWNSHIP}
    counties = {c for c, _ in known}
    return [
        (e.uscc, e.name, f"{e.county}{e.town}")
        for e in lst.enterprises
        if e.county in counties and (e.county, e.town) not in known
    ]
