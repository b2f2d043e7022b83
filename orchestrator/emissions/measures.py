"""Measure tables by industry × grade × level (``config/measures/``) and what they are used for:
filling a measure the list left empty, and flagging a row weaker than its grade requires."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.emissions.model import Amounts, Grade, Measure, MeasureKind, Species
from orchestrator.errors import ConfigInvalid
from orchestrator.geography.model import Extent

# A grade without its own row takes a stricter neighbour's: B- -> C, 非引领性 -> C, A+ and 引领性 -> A.
_FALLBACK = {
    Grade.B_MINUS: Grade.C,
    Grade.NON_LEADING: Grade.C,
    Grade.A_PLUS: Grade.A,
    Grade.LEADING: Grade.A,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TableEntry:
    kind: MeasureKind
    text: str
    value: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureTable:
    industry: str
    source: str
    key_industry: bool
    lowest_grade: Grade
    entries: Mapping[tuple[Grade, AlertLevel], TableEntry]
    # 限产 counts from the least of the approved (环评), permitted (许可) and last year's actual
    # output: a line's capacities in the list then set its output cap in the order
    least_base: bool = False

    def entry(self, grade: Grade, level: AlertLevel) -> TableEntry | None:
        g = self.lowest_grade if grade is Grade.UNGRADED else grade
        hit = self.entries.get((g, level))
        if hit is None and g in _FALLBACK:
            hit = self.entries.get((_FALLBACK[g], level))
        return hit

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> MeasureTable:
        try:
            entries: dict[tuple[Grade, AlertLevel], TableEntry] = {}
            for grade_key, levels in data["grades"].items():
                grade = Grade(grade_key)
                for level_key, spec in levels.items():
                    level = AlertLevel(level_key)
                    if level not in ALERT_LEVELS:
                        raise ValueError(f"grades.{grade_key}: no measures for {level_key}")
                    value = spec.get("value")
                    entries[(grade, level)] = TableEntry(
                        kind=MeasureKind(spec["kind"]),
                        text=str(spec["text"]),
                        value=float(value) if value is not None else None,
                    )
            return cls(
                industry=str(data["industry"]),
                source=str(data["source"]),
                key_industry=bool(data.get("key_industry", False)),
                lowest_grade=Grade(data.get("lowest_grade", "D")),
                entries=entries,
                least_base=_least_base(data.get("limit_base", ""), source),
            )
        except KeyError as exc:
            raise ConfigInvalid(f"{source}: missing key {exc.args[0]!r}") from exc
        except (TypeError, ValueError) as exc:
            raise ConfigInvalid(f"{source}: {exc}") from exc


def _least_base(value: object, source: str) -> bool:
    if value in ("", None):
        return False
    if value == "least":
        return True
    raise ConfigInvalid(f'{source}: limit_base: only "least" is known, got {value!r}')


class Severity(StrEnum):
    """What import makes of a contradiction between a line's measures and its grade."""

    ERROR = "error"  # the import is refused, the place named
    HINT = "hint"  # imported, stored with the revision as a 提示


# 措施说明 that marks a measure as agreed with the enterprise (协商减排)
NEGOTIATED = "协商减排"


@dataclass(frozen=True, slots=True, kw_only=True)
class Contradictions:
    """``config/list.toml`` [contradictions]: the severity of each kind of contradiction."""

    mandatory_on_autonomous_grade: Severity = Severity.ERROR
    weaker_than_grade: Severity = Severity.HINT

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Contradictions:
        known = {f: Severity(getattr(cls(), f)) for f in cls.__dataclass_fields__}
        values: dict[str, Severity] = {}
        for key, value in data.items():
            if key not in known:
                raise ConfigInvalid(f"{source}: contradictions.{key}: unknown rule")
            try:
                values[key] = Severity(value)
            except ValueError:
                raise ConfigInvalid(
                    f'{source}: contradictions.{key}: must be "error" or "hint", got {value!r}'
                ) from None
        return cls(**values)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bounds:
    """``config/list.toml`` [bounds]: what an import refuses as implausible."""

    max_kg_per_day: float = 100_000.0  # one line, one pollutant (emission or reduction)
    extent: Extent = field(default_factory=Extent)  # where a 经度/纬度 may lie (China's extent)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Bounds:
        unknown = set(data) - {"max_kg_per_day", "longitude", "latitude"}
        if unknown:
            raise ConfigInvalid(f"{source}: bounds.{sorted(unknown)[0]}: unknown bound")
        try:
            limit = float(data.get("max_kg_per_day", cls().max_kg_per_day))
        except (TypeError, ValueError):
            raise ConfigInvalid(f"{source}: bounds.max_kg_per_day: must be a number") from None
        if not 0 < limit < float("inf"):
            raise ConfigInvalid(f"{source}: bounds.max_kg_per_day: must be positive and finite")
        d = Extent()
        lon = data.get("longitude", [d.lon_min, d.lon_max])
        lat = data.get("latitude", [d.lat_min, d.lat_max])
        try:
            (lon_min, lon_max), (lat_min, lat_max) = lon, lat
            extent = Extent(float(lon_min), float(lon_max), float(lat_min), float(lat_max))
        except (TypeError, ValueError) as exc:
            raise ConfigInvalid(
                f"{source}: bounds.longitude/latitude: two increasing numbers each ({exc})"
            ) from None
        return cls(max_kg_per_day=limit, extent=extent)


@dataclass(frozen=True, slots=True)
class MeasureBook:
    """All tables, looked up by industry name, and how import treats a line that contradicts its
    grade."""

    tables: Mapping[str, MeasureTable]
    contradictions: Contradictions = Contradictions()
    bounds: Bounds = Bounds()

    @classmethod
    def of(
        cls,
        tables: Iterable[MeasureTable],
        contradictions: Contradictions | None = None,
        bounds: Bounds | None = None,
    ) -> MeasureBook:
        return cls(
            {t.industry: t for t in tables}, contradictions or Contradictions(), bounds or Bounds()
        )

    def table(self, industry: str) -> MeasureTable | None:
        return self.tables.get(industry)

    def is_key_industry(self, industry: str) -> bool:
        t = self.tables.get(industry)
        return t is not None and t.key_industry

    def lowest_grade(self, industry: str) -> Grade:
        t = self.tables.get(industry)
        return t.lowest_grade if t is not None else Grade.D


def estimate(kind: MeasureKind, value: float | None, baseline: Amounts) -> Amounts:
    """Reduction of a measure filled from a table: all of a stop, the share of a limit."""
    if kind is MeasureKind.STOP:
        return baseline
    if kind is MeasureKind.LIMIT and value:
        return Amounts(**{s.value: round(baseline.get(s) * value / 100, 3) for s in Species})
    return Amounts()


def table_measure(entry: TableEntry, level: AlertLevel, baseline: Amounts) -> Measure:
    """A table's measure on a line of ``baseline``: its reduction estimated, marked as filled
    from the table."""
    return Measure(
        level=level,
        kind=entry.kind,
        text=entry.text,
        value=entry.value,
        reduction=estimate(entry.kind, entry.value, baseline),
        from_table=True,
    )


#: The measure of an autonomous grade (A+, A, 引领性) where the list gives none.
AUTONOMOUS_TEXT = "自主采取减排措施"


def weaker_than(measure: Measure, entry: TableEntry) -> bool:
    """True when ``measure`` does less than the table asks (a D line that does not stop, a 10 %
    limit where the table asks 30 %)."""
    a, b = measure.kind.strength, entry.kind.strength
    if a != b:
        return a < b
    if measure.kind is entry.kind and measure.kind is MeasureKind.LIMIT:
        return (measure.value or 0) < (entry.value or 0)
    return False
