"""The registries the list must cover, and what comparing them with the list finds (pure).

Three registries, each an export the city's office gets from the department that keeps it:

- 排污许可名录 (the pollutant-discharge permit registry, 全国排污许可证管理信息平台): every permit
  holder and registrant with its 许可证编号, 管理类别 (重点管理, 简化管理, 登记管理), whether it
  emits to air, its permitted capacity and its status;
- 在建工地名录 (住建's register of construction sites): each site with its 区县, 建设单位 and status;
- 重点用车单位名录 (the register of key transport users, > 10 truck trips a day).

Both directions are checked: who is in the registry but not in the list (应纳入), and who is in the
list but not (or no longer) in the registry (应核实); for permit holders also a permit number that
disagrees, a listed firm without one, a name that differs, and 登记管理 registrants with VOCs — the
usual gap (汽修, small printers) — flagged for review rather than as missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orchestrator.emissions.model import EmissionList, Enterprise, uscc_valid


class Registry(StrEnum):
    PERMITS = "permits"
    SITES = "sites"
    TRANSPORT = "transport"

    @property
    def label(self) -> str:
        return _REGISTRY_LABEL[self]


_REGISTRY_LABEL = {
    Registry.PERMITS: "排污许可名录",
    Registry.SITES: "在建工地名录",
    Registry.TRANSPORT: "重点用车单位名录",
}


class FindingKind(StrEnum):
    """What one comparison found; ordered as a county works through them."""

    MISSING = "missing"  # in the registry, not in the list: to be added
    REVIEW = "review"  # 登记管理 with VOCs, not in the list: to be checked
    ABSENT = "absent"  # in the list, not in the registry
    INACTIVE = "inactive"  # in the list, closed in the registry (注销, 撤销, 竣工 …)
    PERMIT_MISMATCH = "permit_mismatch"  # the list's 许可证编号 is not the registry's
    NO_PERMIT = "no_permit"  # the list gives no 许可证编号
    RENAMED = "renamed"  # one USCC, two names
    CAPACITY_MISSING = "capacity_missing"  # 限产 counts from 许可产能, the list gives none
    CAPACITY_MISMATCH = "capacity_mismatch"  # the list's 许可产能 is not the registry's

    @property
    def label(self) -> str:
        return _KIND_LABEL[self]

    @property
    def action(self) -> str:
        """What the county is asked to do about it."""
        return _KIND_ACTION[self]


_KIND_LABEL = {
    FindingKind.MISSING: "名录中有、清单中无",
    FindingKind.REVIEW: "登记管理涉VOCs、清单中无",
    FindingKind.ABSENT: "清单中有、名录中无",
    FindingKind.INACTIVE: "名录中已注销或完工",
    FindingKind.PERMIT_MISMATCH: "许可证编号不一致",
    FindingKind.NO_PERMIT: "清单未填许可证编号",
    FindingKind.RENAMED: "名称不一致",
    FindingKind.CAPACITY_MISSING: "清单未填许可产能",
    FindingKind.CAPACITY_MISMATCH: "许可产能不一致",
}
_KIND_ACTION = {
    FindingKind.MISSING: "核实后纳入应急减排清单，明确各级预警减排措施",
    FindingKind.REVIEW: "核实是否涉气排放，涉及的纳入清单",
    FindingKind.ABSENT: "核实是否已关停、更名或未办理许可，并说明情况",
    FindingKind.INACTIVE: "核实是否已关停或完工，据实从清单中移除",
    FindingKind.PERMIT_MISMATCH: "核对许可证编号，以排污许可证为准更正清单",
    FindingKind.NO_PERMIT: "补填排污许可证编号",
    FindingKind.RENAMED: "核对企业名称，以营业执照为准更正清单",
    FindingKind.CAPACITY_MISSING: "按排污许可证补填许可产能，限产基数按环评、许可、上年实际产能孰低核定",
    FindingKind.CAPACITY_MISMATCH: "核对许可产能，以排污许可证为准更正清单",
}


@dataclass(frozen=True, slots=True)
class RegistryColumn:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


#: The columns each registry export is read by (headers as the export writes them; aliases for the
#: variants seen). Documented in emission_lists/README.md.
REGISTRY_COLUMNS: Mapping[Registry, tuple[RegistryColumn, ...]] = {
    Registry.PERMITS: (
        RegistryColumn("uscc", "统一社会信用代码", True, ("社会信用代码", "信用代码")),
        RegistryColumn("name", "单位名称", True, ("企业名称", "排污单位名称")),
        RegistryColumn("permit_no", "许可证编号", False, ("排污许可证编号", "登记编号")),
        RegistryColumn("category", "管理类别", False, ("许可管理类别", "排污管理类别")),
        RegistryColumn("county", "区县", False, ("所属区县", "行政区划")),
        RegistryColumn("industry", "行业类别", False, ("行业",)),
        RegistryColumn("air", "涉气", True, ("涉气排放", "排放大气污染物")),
        RegistryColumn("pollutants", "主要污染物类别", False, ("大气污染物种类", "污染物种类")),
        RegistryColumn("capacity", "许可产能", False, ("设计产能", "生产能力")),
        RegistryColumn("status", "状态", False, ("许可证状态", "证书状态")),
    ),
    Registry.SITES: (
        RegistryColumn("name", "项目名称", True, ("工地名称",)),
        RegistryColumn("county", "区县", True, ("所属区县",)),
        RegistryColumn("owner", "建设单位", False, ()),
        RegistryColumn("licence", "施工许可证号", False, ("施工许可证编号",)),
        RegistryColumn("status", "状态", False, ("工程状态", "施工状态")),
    ),
    Registry.TRANSPORT: (
        RegistryColumn("uscc", "统一社会信用代码", True, ("社会信用代码", "信用代码")),
        RegistryColumn("name", "单位名称", True, ("企业名称",)),
        RegistryColumn("county", "区县", False, ("所属区县",)),
        RegistryColumn("daily_trips", "日均货车运输车次", False, ("日均车次",)),
        RegistryColumn("status", "状态", False, ()),
    ),
}

#: Statuses that mean a holder or a site is no longer there.
_CLOSED = ("注销", "撤销", "吊销", "过期", "失效", "竣工", "完工", "停业", "关闭")
_YES = {"是", "有", "true", "yes", "y", "1", "涉气"}
_NO = {"否", "无", "false", "no", "n", "0", ""}


def _norm(text: object) -> str:
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def _same_name(a: str, b: str) -> bool:
    """Names equal but for spaces, full-width forms and bracket styles."""

    def plain(s: str) -> str:
        return re.sub(r"\s+", "", _norm(s)).replace("(", "（").replace(")", "）")

    return plain(a) == plain(b)


@dataclass(frozen=True, slots=True, kw_only=True)
class Holder:
    """One row of a registry as read: who (USCC or, for a site, name and county), what it says."""

    key: str
    name: str
    county: str = ""
    permit_no: str = ""
    category: str = ""  # 重点管理, 简化管理, 登记管理
    air: bool = True
    vocs: bool = False
    capacity: str = ""
    industry: str = ""
    closed: bool = False
    status: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    kind: FindingKind
    key: str  # USCC, or 区县/工地名称
    name: str
    county: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "key": self.key,
            "name": self.name,
            "county": self.county,
            "detail": self.detail,
        }

    @classmethod
    def of(cls, d: Mapping[str, Any]) -> Finding:
        return cls(
            kind=FindingKind(d["kind"]),
            key=str(d["key"]),
            name=str(d["name"]),
            county=str(d["county"]),
            detail=str(d["detail"]),
        )

    @property
    def ident(self) -> tuple[str, str]:
        """What makes it the same finding in the next run."""
        return (self.kind.value, self.key)


def site_key(county: str, name: str) -> str:
    plain = re.sub(r"\s+", "", _norm(name))
    return f"{_norm(county)}/{plain}"


def holders(
    registry: Registry, name: str, rows: Sequence[tuple[str, dict[str, str]]], problems: list[str]
) -> list[Holder]:
    """The registry's rows (``(place, cells)``, ``place`` as ``file:row``) as holders; a row
    that cannot be used is a problem naming its place and column."""
    out: list[Holder] = []
    headers = {c.key: c.header for c in REGISTRY_COLUMNS[registry]}
    for place, cells in rows:

        def fail(key: str, message: str, place: str = place) -> None:
            problems.append(f"{place}:{headers[key]}: {message}")

        status = _norm(cells.get("status"))
        closed = any(word in status for word in _CLOSED)
        if registry is Registry.SITES:
            site, county = _norm(cells.get("name")), _norm(cells.get("county"))
            if not site:
                fail("name", "不能为空")
                continue
            if not county:
                fail("county", "不能为空")
                continue
            out.append(
                Holder(
                    key=site_key(county, site),
                    name=site,
                    county=county,
                    closed=closed,
                    status=status,
                    permit_no=_norm(cells.get("licence")),
                )
            )
            continue
        uscc = _norm(cells.get("uscc")).upper()
        if not uscc_valid(uscc):
            fail("uscc", f"“{uscc}”不是有效的统一社会信用代码" if uscc else "不能为空")
            continue
        air_text = _norm(cells.get("air")).lower() if registry is Registry.PERMITS else "是"
        if air_text not in _YES | _NO:
            fail("air", f"应为“是”或“否”，实为“{cells.get('air')}”")
            continue
        pollutants = _norm(cells.get("pollutants")).upper()
        out.append(
            Holder(
                key=uscc,
                name=_norm(cells.get("name")),
                county=_norm(cells.get("county")),
                permit_no=_norm(cells.get("permit_no")).upper(),
                category=_norm(cells.get("category")),
                air=air_text in _YES,
                vocs="VOC" in pollutants or "挥发性有机物" in pollutants,
                capacity=_norm(cells.get("capacity")),
                industry=_norm(cells.get("industry")),
                closed=closed,
                status=status,
            )
        )
    return out


def compare(registry: Registry, lst: EmissionList, found: Iterable[Holder]) -> list[Finding]:
    """What the registry and the list say differently, in both directions."""
    if registry is Registry.PERMITS:
        out = _permits(lst, found)
    elif registry is Registry.SITES:
        sites = {site_key(s.county, s.name): (s.name, s.county) for s in lst.dust_sites}
        out = _both_ways(sites, found, what="工地")
    else:
        users = {u.uscc: (u.name, u.county) for u in lst.transport_users}
        out = _both_ways(users, found, what="单位")
    order = list(FindingKind)
    return sorted(out, key=lambda f: (order.index(f.kind), f.county, f.key))


def _both_ways(
    listed: Mapping[str, tuple[str, str]], found: Iterable[Holder], *, what: str
) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[str, Holder] = {}
    for h in found:
        seen[h.key] = h
        if h.key not in listed and not h.closed:
            out.append(
                Finding(
                    kind=FindingKind.MISSING,
                    key=h.key,
                    name=h.name,
                    county=h.county,
                    detail=f"名录中{what}未列入清单" + (f"（{h.status}）" if h.status else ""),
                )
            )
    for key, (name, county) in listed.items():
        known = seen.get(key)
        if known is None:
            out.append(
                Finding(
                    kind=FindingKind.ABSENT,
                    key=key,
                    name=name,
                    county=county,
                    detail=f"清单中的{what}不在名录中",
                )
            )
        elif known.closed:
            out.append(
                Finding(
                    kind=FindingKind.INACTIVE,
                    key=key,
                    name=name,
                    county=county,
                    detail=f"名录状态为“{known.status}”",
                )
            )
    return out


def _permits(lst: EmissionList, found: Iterable[Holder]) -> list[Finding]:
    out: list[Finding] = []
    listed = {e.uscc: e for e in lst.enterprises}
    seen: dict[str, Holder] = {}
    for h in found:
        seen[h.key] = h
        if h.key in listed or h.closed:
            continue
        if h.air:
            capacity = f"，许可产能{h.capacity}" if h.capacity else ""
            out.append(
                Finding(
                    kind=FindingKind.MISSING,
                    key=h.key,
                    name=h.name,
                    county=h.county,
                    detail=f"{h.category or '持证'}涉气排污单位未列入清单"
                    f"（{h.industry or '行业未填'}，许可证编号{h.permit_no or '无'}{capacity}）",
                )
            )
        elif h.vocs and "登记" in h.category:
            out.append(
                Finding(
                    kind=FindingKind.REVIEW,
                    key=h.key,
                    name=h.name,
                    county=h.county,
                    detail=f"登记管理，污染物含VOCs（{h.industry or '行业未填'}），待核实是否纳入",
                )
            )
    for uscc, e in listed.items():
        held = seen.get(uscc)
        if held is None:
            out.append(
                Finding(
                    kind=FindingKind.ABSENT,
                    key=uscc,
                    name=e.name,
                    county=e.county,
                    detail="排污许可名录中无此统一社会信用代码（可能已注销、更名或未办理许可）",
                )
            )
            continue
        if held.closed:
            out.append(
                Finding(
                    kind=FindingKind.INACTIVE,
                    key=uscc,
                    name=e.name,
                    county=e.county,
                    detail=f"排污许可证状态为“{held.status}”",
                )
            )
        if not e.permit_no:
            out.append(
                Finding(
                    kind=FindingKind.NO_PERMIT,
                    key=uscc,
                    name=e.name,
                    county=e.county,
                    detail=f"名录中的许可证编号为{held.permit_no}"
                    if held.permit_no
                    else "名录中亦无编号",
                )
            )
        elif held.permit_no and _norm(e.permit_no).upper() != held.permit_no:
            out.append(
                Finding(
                    kind=FindingKind.PERMIT_MISMATCH,
                    key=uscc,
                    name=e.name,
                    county=e.county,
                    detail=f"清单为{e.permit_no}，名录为{held.permit_no}",
                )
            )
        if (found_capacity := _capacity_finding(e, held)) is not None:
            out.append(found_capacity)
        if held.name and not _same_name(held.name, e.name):
            out.append(
                Finding(
                    kind=FindingKind.RENAMED,
                    key=uscc,
                    name=e.name,
                    county=e.county,
                    detail=f"名录中的单位名称为“{held.name}”",
                )
            )
    return out


_FIGURE = re.compile(
    r"^(?P<pre>年产|日产)?(?P<value>[0-9]+(?:\.[0-9]+)?)(?P<wan>万)?(?P<unit>[^0-9/.][^/]*?)"
    r"(?:/(?P<per>年|a|日|天|d))?$"
)
_PER = {"年": "年", "a": "年", "日": "日", "天": "日", "d": "日"}
_UNITS = {"t": "吨", "吨": "吨", "m3": "立方米", "m³": "立方米", "立方米": "立方米"}


def capacity_figure(text: str) -> tuple[float, str] | None:
    """A capacity as written (年产11万吨, 11万吨/年, 3000 t/d) as (value, "吨/年"); None when it
    gives no figure, or no period (年/日) to compare it by."""
    plain = re.sub(r"[\s,，]", "", _norm(text)).lower()
    m = _FIGURE.match(plain)
    if m is None:
        return None
    per = _PER.get(m["per"] or "") or {"年产": "年", "日产": "日"}.get(m["pre"] or "")
    if per is None:
        return None
    unit = m["unit"]
    if unit.startswith("万"):
        unit, factor = unit[1:], 10000.0
    else:
        factor = 10000.0 if m["wan"] else 1.0
    return float(m["value"]) * factor, f"{_UNITS.get(unit, unit)}/{per}"


def _capacity_finding(e: Enterprise, held: Holder) -> Finding | None:
    """The list's 许可产能 against the registry's: missing where a line's measure table counts 限产
    from it (``binding``), or a total that is not the registry's (same unit, more than 1 % off)."""
    registry = capacity_figure(held.capacity) if held.capacity else None
    caps = [ln.capacity for ln in e.lines if ln.capacity is not None]
    binding = [ln for ln in e.lines if ln.capacity is not None and ln.capacity.binding]
    if held.capacity and any(ln.capacity.permitted is None for ln in binding if ln.capacity):
        return Finding(
            kind=FindingKind.CAPACITY_MISSING,
            key=e.uscc,
            name=e.name,
            county=e.county,
            detail=f"限产基数按孰低核定的生产线未填许可产能，名录中的许可产能为{held.capacity}",
        )
    if registry is None:
        return None
    value, unit = registry
    listed = [
        (figure[0], figure[1])
        for c in caps
        if c.permitted is not None
        and (figure := capacity_figure(f"{_plain_number(c.permitted)}{c.unit}")) is not None
        and figure[1] == unit
    ]
    if not listed:
        return None
    total = sum(v for v, _ in listed)
    if abs(total - value) <= 0.01 * value:
        return None
    return Finding(
        kind=FindingKind.CAPACITY_MISMATCH,
        key=e.uscc,
        name=e.name,
        county=e.county,
        detail=f"清单许可产能合计{_plain_number(total)}{unit}，名录为{held.capacity}",
    )


def _plain_number(v: float) -> str:
    return f"{v:.6g}" if v != int(v) else str(int(v))


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageRun:
    """One comparison of the list with a registry, as kept."""

    id: int
    registry: Registry
    list_revision: int
    ran_at: Any  # dt.datetime
    ran_by: str
    source: str
    sha256: str
    holders: int
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageReport:
    """A run with what changed since the previous run against the same registry."""

    run: CoverageRun
    previous: CoverageRun | None
    new: tuple[Finding, ...]  # not found last time
    resolved: tuple[Finding, ...]  # found last time, not any more
    problems: tuple[str, ...]  # registry rows that could not be read (skipped)

    def counts(self) -> dict[str, int]:
        out = {k.value: 0 for k in FindingKind}
        for f in self.run.findings:
            out[f.kind.value] += 1
        return out

    def by_county(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in self.run.findings:
            out.setdefault(f.county or "未注明区县", []).append(f)
        return dict(sorted(out.items()))


def changes(
    findings: Sequence[Finding], previous: Sequence[Finding]
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Findings new since ``previous``, and those of ``previous`` no longer found."""
    now = {f.ident for f in findings}
    before = {f.ident for f in previous}
    return (
        tuple(f for f in findings if f.ident not in before),
        tuple(f for f in previous if f.ident not in now),
    )
