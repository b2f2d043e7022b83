"""Emission-list revisions in the database: store (bulk, in one transaction), load, list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, Text, cast, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.db.bulk import duplicate, insert_dicts
from orchestrator.db.tables import (
    list_dust_sites,
    list_enterprises,
    list_lines,
    list_plan_entries,
    list_plans,
    list_revisions,
    list_transport_users,
)
from orchestrator.emissions.bulk import paused_gc
from orchestrator.emissions.model import (
    Amounts,
    Capacity,
    ControlCategory,
    DustSite,
    EmissionList,
    Enterprise,
    EnterprisePage,
    EnterpriseRow,
    Grade,
    Line,
    Load,
    LoadUnit,
    Measure,
    MeasureKind,
    Revision,
    RevisionNotFound,
    RevisionSummary,
    SourceRow,
    Species,
    TransportUser,
)
from orchestrator.emissions.plans import (
    PlanEntry,
    enterprise_record,
    entry_from_record,
    level_record,
    plan_mode,
)
from orchestrator.emissions.targets import LevelReduction, level_reductions
from orchestrator.geography.model import Position


def _revision(row: Any) -> Revision:
    return Revision(
        number=row.number,
        effective_from=row.effective_from,
        source=row.source,
        sha256=row.sha256,
        imported_at=row.imported_at,
    )


def _revision_id(conn: Connection, region: str, number: int) -> int:
    rid = conn.execute(
        select(list_revisions.c.id).where(
            list_revisions.c.region_code == region, list_revisions.c.number == number
        )
    ).scalar()
    if rid is None:
        raise RevisionNotFound(f"清单第{number}版不存在")
    return int(rid)


_EMPTY_LEVEL: dict[str, Any] = {
    f"{lv.value}_{k}": None
    for lv in ALERT_LEVELS
    for k in ("kind", "text", "value", "so2", "nox", "pm", "vocs", "from_table", "unit")
}


def _measure_columns(line: Line) -> dict[str, Any]:
    out: dict[str, Any] = dict(_EMPTY_LEVEL)
    for m in line.measures:
        p = m.level.value
        out[f"{p}_kind"] = m.kind.value
        out[f"{p}_text"] = m.text
        out[f"{p}_value"] = m.value
        out[f"{p}_so2"] = m.reduction.so2
        out[f"{p}_nox"] = m.reduction.nox
        out[f"{p}_pm"] = m.reduction.pm
        out[f"{p}_vocs"] = m.reduction.vocs
        out[f"{p}_from_table"] = m.from_table
        out[f"{p}_unit"] = m.unit.value if m.unit is not None else None
    return out


def _line_measures(row: Any) -> tuple[Measure, ...]:
    out = []
    for lv, (k, t, v, so2, nox, pm, vocs, ft, u) in _LEVEL_POS:
        kind = row[k]
        if kind is None:
            continue
        out.append(
            Measure(
                level=lv,
                kind=MeasureKind(kind),
                text=row[t],
                value=row[v],
                reduction=Amounts(so2=row[so2], nox=row[nox], pm=row[pm], vocs=row[vocs]),
                from_table=bool(row[ft]),
                unit=LoadUnit(row[u]) if row[u] else None,
            )
        )
    return tuple(out)


def _measure_record(m: Measure) -> dict[str, Any]:
    return {
        "level": m.level.value,
        "kind": m.kind.value,
        "text": m.text,
        "value": m.value,
        "reduction": {s.value: m.reduction.get(s) for s in Species},
    }


def _measure_of(rec: dict[str, Any]) -> Measure:
    return Measure(
        level=AlertLevel(rec["level"]),
        kind=MeasureKind(rec["kind"]),
        text=rec["text"],
        value=rec["value"],
        reduction=Amounts(**rec["reduction"]),
    )


def _capacity_columns(c: Capacity | None) -> dict[str, Any]:
    if c is None:
        return dict.fromkeys(("cap_eia", "cap_permit", "cap_actual", "cap_unit", "cap_binding"))
    return {
        "cap_eia": c.eia,
        "cap_permit": c.permitted,
        "cap_actual": c.actual,
        "cap_unit": c.unit,
        "cap_binding": c.binding,
    }


def _dust_record(s: DustSite) -> dict[str, Any]:
    return {
        "name": s.name,
        "site_type": s.site_type,
        "county": s.county,
        "owner": s.owner,
        "uscc": s.uscc,
        "contact": s.contact,
        "phone": s.phone,
        "baseline_pm": s.baseline_pm,
        "measures": [_measure_record(m) for m in s.measures],
        "lon": s.location.lon if s.location else None,
        "lat": s.location.lat if s.location else None,
    }


def _dust_site(rec: dict[str, Any]) -> DustSite:
    """A stored site (records stored before migration 0017 have no position)."""
    lon, lat = rec.pop("lon", None), rec.pop("lat", None)
    return DustSite(
        **{**rec, "measures": tuple(_measure_of(m) for m in rec["measures"])},
        location=Position(lon=lon, lat=lat) if lon is not None and lat is not None else None,
    )


def _transport_record(u: TransportUser) -> dict[str, Any]:
    return {
        "name": u.name,
        "uscc": u.uscc,
        "county": u.county,
        "industry": u.industry,
        "daily_trips": u.daily_trips,
        "gate_camera": u.gate_camera,
        "contact": u.contact,
        "phone": u.phone,
        "measures": [_measure_record(m) for m in u.measures],
    }


_LINE_POS = {name: i for i, name in enumerate(list_lines.c.keys())}
_LEVEL_POS = tuple(
    (
        lv,
        tuple(
            _LINE_POS[f"{lv.value}_{k}"]
            for k in ("kind", "text", "value", "so2", "nox", "pm", "vocs", "from_table", "unit")
        ),
    )
    for lv in ALERT_LEVELS
)
_BASE_POS = tuple(_LINE_POS[f"base_{k}"] for k in ("so2", "nox", "pm", "vocs"))


def _line(r: Any) -> Line:
    return Line(
        name=r.name,
        industry=r.industry,
        declared_grade=Grade(r.declared_grade),
        baseline=Amounts(
            so2=r[_BASE_POS[0]], nox=r[_BASE_POS[1]], pm=r[_BASE_POS[2]], vocs=r[_BASE_POS[3]]
        ),
        measures=_line_measures(r),
        check_method=r.check_method,
        meter_no=r.meter_no,
        note=r.note,
        rated=Load(r.rated_value, LoadUnit(r.rated_unit)) if r.rated_unit else None,
        capacity=Capacity(
            eia=r.cap_eia,
            permitted=r.cap_permit,
            actual=r.cap_actual,
            unit=r.cap_unit,
            binding=bool(r.cap_binding),
        )
        if r.cap_unit
        else None,
    )


def _enterprise(r: Any, lines: Iterable[Line]) -> Enterprise:
    return Enterprise(
        uscc=r.uscc,
        name=r.name,
        county=r.county,
        town=r.town,
        category=ControlCategory(r.category),
        grade=Grade(r.grade),
        permit_no=r.permit_no,
        lines=tuple(lines),
        contact=r.contact,
        phone=r.phone,
        email=r.email,
        channel=r.channel,
        location=Position(lon=r.lon, lat=r.lat)
        if r.lon is not None and r.lat is not None
        else None,
    )


def _load(conn: Connection, region: str, number: int) -> EmissionList:
    rid = _revision_id(conn, region, number)
    lines: dict[int, list[Line]] = {}
    for r in conn.execute(
        select(list_lines).where(list_lines.c.revision_id == rid).order_by(list_lines.c.position)
    ):
        lines.setdefault(r.enterprise_id, []).append(_line(r))
    enterprises = tuple(
        _enterprise(r, lines.get(r.id, ()))
        for r in conn.execute(
            select(list_enterprises)
            .where(list_enterprises.c.revision_id == rid)
            .order_by(list_enterprises.c.position)
        )
    )
    dust, transport = _others(conn, rid)
    return EmissionList(enterprises=enterprises, dust_sites=dust, transport_users=transport)


def _others(conn: Connection, rid: int) -> tuple[tuple[DustSite, ...], tuple[TransportUser, ...]]:
    """A revision's 扬尘源 sites and 移动源 users, in list order."""
    dust = tuple(
        _dust_site(dict(rec))
        for (rec,) in conn.execute(
            select(list_dust_sites.c.record)
            .where(list_dust_sites.c.revision_id == rid)
            .order_by(list_dust_sites.c.position)
        )
    )
    transport = tuple(
        TransportUser(**{**rec, "measures": tuple(_measure_of(m) for m in rec["measures"])})
        for (rec,) in conn.execute(
            select(list_transport_users.c.record)
            .where(list_transport_users.c.revision_id == rid)
            .order_by(list_transport_users.c.position)
        )
    )
    return dust, transport


def store_plans(
    conn: Connection,
    revision_id: int,
    emission_list: EmissionList,
    levels: tuple[AlertLevel, ...] = ALERT_LEVELS,
) -> None:
    """Select the dispatch plans once and keep them with the list revision: one record per
    enterprise with every level's entry (``enterprise_record``), and what each level achieves.

    A list revision never changes, so neither do its plans; approving an alert then refers to
    one instead of reloading and re-selecting 100,000 enterprises while the duty officers wait.
    Levels already kept are left as they are."""
    with paused_gc():
        kept = set(
            conn.execute(
                select(list_plans.c.level).where(list_plans.c.revision_id == revision_id)
            ).scalars()
        )
        for red in level_reductions(
            emission_list, tuple(lv for lv in levels if lv.value not in kept)
        ):
            conn.execute(
                insert(list_plans).values(
                    revision_id=revision_id, level=red.level.value, reduction=red.to_json()
                )
            )
        has_entries = conn.execute(
            select(list_plan_entries.c.id)
            .where(list_plan_entries.c.revision_id == revision_id)
            .limit(1)
        ).first()
        if has_entries is None and emission_list.enterprises:
            insert_dicts(
                conn,
                list_plan_entries,
                [
                    {
                        "revision_id": revision_id,
                        "position": i,
                        "uscc": e.uscc,
                        "mode": plan_mode(e).value,
                        "record": enterprise_record(e, ALERT_LEVELS),
                        "county": e.county,
                    }
                    for i, e in enumerate(emission_list.enterprises)
                ],
            )


class ListStore:
    """Emission-list revisions (the ``ListStore`` port): stored in bulk in the unit of work's
    transaction, loaded, searched and listed."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find_by_content(self, region: str, sha256: str, effective_from: dt.date) -> Revision | None:
        conn = self.conn
        row = conn.execute(
            select(list_revisions).where(
                list_revisions.c.region_code == region,
                list_revisions.c.sha256 == sha256,
                list_revisions.c.effective_from == effective_from,
            )
        ).first()
        return _revision(row) if row else None

    def summaries(self, region: str) -> list[RevisionSummary]:
        """Every revision with its enterprise and line counts and its warnings, oldest first."""
        conn = self.conn
        ents = (
            select(list_enterprises.c.revision_id, func.count().label("n"))
            .group_by(list_enterprises.c.revision_id)
            .subquery()
        )
        lines = (
            select(list_lines.c.revision_id, func.count().label("n"))
            .group_by(list_lines.c.revision_id)
            .subquery()
        )
        rows = conn.execute(
            select(list_revisions, ents.c.n.label("enterprises"), lines.c.n.label("lines"))
            .outerjoin(ents, ents.c.revision_id == list_revisions.c.id)
            .outerjoin(lines, lines.c.revision_id == list_revisions.c.id)
            .where(list_revisions.c.region_code == region)
            .order_by(list_revisions.c.number)
        ).all()
        return [
            RevisionSummary(
                revision=_revision(r),
                enterprises=r.enterprises or 0,
                lines=r.lines or 0,
                warnings=tuple(r.warnings),
            )
            for r in rows
        ]

    def get(self, region: str, number: int) -> Revision:
        conn = self.conn
        row = conn.execute(
            select(list_revisions).where(
                list_revisions.c.region_code == region, list_revisions.c.number == number
            )
        ).first()
        if row is None:
            raise RevisionNotFound(f"清单第{number}版不存在")
        return _revision(row)

    def in_force(self, region: str, on: dt.date) -> int:
        """Number of the revision in force on ``on``: latest effective date ≤ on, newest import wins."""
        conn = self.conn
        number = conn.execute(
            select(list_revisions.c.number)
            .where(list_revisions.c.region_code == region, list_revisions.c.effective_from <= on)
            .order_by(list_revisions.c.effective_from.desc(), list_revisions.c.number.desc())
            .limit(1)
        ).scalar()
        if number is None:
            raise RevisionNotFound(f"{on.isoformat()}没有生效的应急减排清单，请先导入清单")
        return int(number)

    def latest(self, region: str) -> int:
        conn = self.conn
        number = conn.execute(
            select(func.max(list_revisions.c.number)).where(list_revisions.c.region_code == region)
        ).scalar()
        if number is None:
            raise RevisionNotFound("尚未导入应急减排清单")
        return int(number)

    def store(
        self,
        region: str,
        emission_list: EmissionList,
        *,
        effective_from: dt.date,
        source: str,
        sha256: str,
        imported_at: dt.datetime,
        warnings: list[str],
    ) -> Revision:
        """Insert a new revision with bulk inserts; the caller's transaction makes it all-or-nothing."""
        conn = self.conn
        number = (
            conn.execute(
                select(func.max(list_revisions.c.number)).where(
                    list_revisions.c.region_code == region
                )
            ).scalar()
            or 0
        ) + 1
        rid = conn.execute(
            insert(list_revisions).values(
                region_code=region,
                number=number,
                effective_from=effective_from,
                source=source,
                sha256=sha256,
                imported_at=imported_at,
                warnings=warnings,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        ents = emission_list.enterprises
        if ents:
            insert_dicts(
                conn,
                list_enterprises,
                [
                    {
                        "revision_id": rid,
                        "uscc": e.uscc,
                        "name": e.name,
                        "county": e.county,
                        "town": e.town,
                        "category": e.category.value,
                        "grade": e.grade.value,
                        "permit_no": e.permit_no,
                        "contact": e.contact,
                        "phone": e.phone,
                        "email": e.email,
                        "channel": e.channel,
                        "position": i,
                        "lon": e.location.lon if e.location else None,
                        "lat": e.location.lat if e.location else None,
                    }
                    for i, e in enumerate(ents)
                ],
            )
            ent_ids = dict(
                conn.execute(
                    select(list_enterprises.c.uscc, list_enterprises.c.id).where(
                        list_enterprises.c.revision_id == rid
                    )
                ).all()
            )
            insert_dicts(
                conn,
                list_lines,
                [
                    {
                        "revision_id": rid,
                        "enterprise_id": ent_ids[e.uscc],
                        "name": ln.name,
                        "industry": ln.industry,
                        "declared_grade": ln.declared_grade.value,
                        **{f"base_{s.value}": ln.baseline.get(s) for s in Species},
                        "check_method": ln.check_method,
                        "meter_no": ln.meter_no,
                        "note": ln.note,
                        "rated_value": ln.rated.value if ln.rated else None,
                        "rated_unit": ln.rated.unit.value if ln.rated else None,
                        **_capacity_columns(ln.capacity),
                        "position": j,
                        **_measure_columns(ln),
                    }
                    for e in ents
                    for j, ln in enumerate(e.lines)
                ],
            )
        if emission_list.dust_sites:
            conn.execute(
                insert(list_dust_sites),
                [
                    {"revision_id": rid, "position": i, "record": _dust_record(s)}
                    for i, s in enumerate(emission_list.dust_sites)
                ],
            )
        if emission_list.transport_users:
            conn.execute(
                insert(list_transport_users),
                [
                    {"revision_id": rid, "position": i, "record": _transport_record(u)}
                    for i, u in enumerate(emission_list.transport_users)
                ],
            )
        store_plans(conn, rid, emission_list)
        return Revision(
            number=number,
            effective_from=effective_from,
            source=source,
            sha256=sha256,
            imported_at=imported_at,
        )

    def load(self, region: str, number: int) -> EmissionList:
        """The list content of revision ``number``, exactly as stored."""
        conn = self.conn
        with paused_gc():
            return _load(conn, region, number)

    def source_rows(self, region: str, number: int, level: AlertLevel) -> list[SourceRow]:
        """Revision ``number``'s 扬尘源 sites and 移动源 users under a measure at ``level``,
        in list order, read straight from their records."""
        rid = _revision_id(self.conn, region, number)
        out: list[SourceRow] = []
        for table, sheet in (
            (list_dust_sites, "dust_sites"),
            (list_transport_users, "transport_users"),
        ):
            query = (
                select(cast(table.c.record, Text))
                .where(table.c.revision_id == rid)
                .order_by(table.c.position)
            )
            for (text,) in self.conn.execute(query):
                rec = orjson.loads(text)
                measure = next(
                    (m["text"] for m in rec["measures"] if m["level"] == level.value), None
                )
                if measure is None:
                    continue
                detail = (
                    rec["site_type"] if sheet == "dust_sites" else f"日均{rec['daily_trips']}车次"
                )
                out.append(
                    SourceRow(
                        sheet, rec["name"], rec["county"], rec.get("uscc") or "", detail, measure
                    )
                )
        return out

    def find(
        self,
        region: str,
        number: int,
        *,
        text: str = "",
        county: str = "",
        industry: str = "",
        grade: str = "",
        offset: int = 0,
        limit: int = 100,
    ) -> EnterprisePage:
        """A page of revision ``number``'s enterprises matching the filters (name or USCC containing
        ``text``; county, industry of any line, grade), in list order, filtered and paged in SQL;
        with the values each filter can take."""
        conn = self.conn
        rid = _revision_id(conn, region, number)
        e, ln = list_enterprises, list_lines
        where = [e.c.revision_id == rid]
        if text.strip():
            pattern = (
                "%"
                + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            where.append(
                or_(e.c.name.like(pattern, escape="\\"), e.c.uscc.like(pattern, escape="\\"))
            )
        if county:
            where.append(e.c.county == county)
        if grade:
            where.append(e.c.grade == grade)
        if industry:
            where.append(exists().where(ln.c.enterprise_id == e.c.id, ln.c.industry == industry))
        total = conn.execute(select(func.count()).select_from(e).where(*where)).scalar_one()
        page = conn.execute(
            select(e.c.id, e.c.uscc, e.c.name, e.c.county, e.c.grade)
            .where(*where)
            .order_by(e.c.position)
            .offset(offset)
            .limit(limit)
        ).all()
        per: dict[int, list[str]] = {r.id: [] for r in page}
        if per:
            for eid, ind in conn.execute(
                select(ln.c.enterprise_id, ln.c.industry)
                .where(ln.c.enterprise_id.in_(per))
                .order_by(ln.c.enterprise_id, ln.c.position)
            ):
                per[eid].append(ind)

        def distinct(col: Any) -> list[str]:
            return sorted(
                conn.execute(select(col).distinct().where(col.table.c.revision_id == rid)).scalars()
            )

        return EnterprisePage(
            rows=[
                EnterpriseRow(
                    r.uscc,
                    r.name,
                    r.county,
                    r.grade,
                    "、".join(dict.fromkeys(per[r.id])),
                    len(per[r.id]),
                )
                for r in page
            ],
            total=int(total),
            counties=distinct(e.c.county),
            industries=distinct(ln.c.industry),
            grades=distinct(e.c.grade),
        )

    def grades(self, region: str, number: int) -> dict[str, Grade]:
        """Every enterprise's grade in revision ``number``."""
        rid = _revision_id(self.conn, region, number)
        t = list_enterprises.c
        return {
            u: Grade(g)
            for u, g in self.conn.execute(select(t.uscc, t.grade).where(t.revision_id == rid))
        }

    def enterprise(self, region: str, number: int, uscc: str) -> Enterprise | None:
        """One enterprise of revision ``number`` with its lines and measures, or None."""
        conn = self.conn
        rid = _revision_id(conn, region, number)
        row = conn.execute(
            select(list_enterprises).where(
                list_enterprises.c.revision_id == rid, list_enterprises.c.uscc == uscc
            )
        ).first()
        if row is None:
            return None
        lines = conn.execute(
            select(list_lines)
            .where(list_lines.c.enterprise_id == row.id)
            .order_by(list_lines.c.position)
        )
        return _enterprise(row, (_line(r) for r in lines))

    def plan_entries(self, plan_id: int, usccs: Iterable[str]) -> list[PlanEntry]:
        chosen = sorted(set(usccs))
        if not chosen:
            return []
        revision_id, level = self.conn.execute(
            select(list_plans.c.revision_id, list_plans.c.level).where(list_plans.c.id == plan_id)
        ).one()
        t = list_plan_entries.c
        out = []
        for i in range(0, len(chosen), 500):  # bounded IN lists
            for rec in self.conn.execute(
                select(t.record)
                .where(t.revision_id == revision_id, t.uscc.in_(chosen[i : i + 500]))
                .order_by(t.position)
            ).scalars():
                out.append(entry_from_record(level_record(rec, AlertLevel(level))))
        return out

    def level_plan(self, region: str, number: int, level: AlertLevel) -> tuple[int, LevelReduction]:
        """The id of revision ``number``'s plan for ``level`` and what it achieves; its entries are
        the revision's ``list_plan_entries`` (``level_record`` takes the level out). Revisions
        stored before plans were kept get theirs selected now, once."""
        conn = self.conn
        rid = _revision_id(conn, region, number)
        row = conn.execute(
            select(list_plans.c.id, list_plans.c.reduction).where(
                list_plans.c.revision_id == rid, list_plans.c.level == level.value
            )
        ).first()
        if row is None:
            try:
                with conn.begin_nested():
                    store_plans(conn, rid, self.load(region, number), (level,))
            except IntegrityError as exc:
                if not duplicate(exc):
                    raise
                pass  # another approval selected it a moment ago: use theirs
            return self.level_plan(region, number, level)
        return int(row.id), LevelReduction.from_json(row.reduction)
