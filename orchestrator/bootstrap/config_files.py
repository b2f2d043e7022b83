"""Reads the data files under ``config/`` and hands each table to its concept's values: AQI
standards, warning rulesets, measure tables, the city, the command office, delivery, the
consultation, recurring controls, the console and the effect assessment. Every problem is a
:class:`~orchestrator.errors.ConfigInvalid` naming the file and the key."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from orchestrator.accounts.config import ConsoleConfig
from orchestrator.alerts.model import AlertLevel, Ruleset
from orchestrator.aqi.model import AqiStandard
from orchestrator.assessment.config import AssessmentConfig
from orchestrator.consultation.config import ConsultationConfig
from orchestrator.controls.model import Control, controls_from_mapping
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.emissions.calendar import ListCalendar
from orchestrator.emissions.measures import Bounds, Contradictions, MeasureBook, MeasureTable
from orchestrator.emissions.model import Amounts, CityProfile
from orchestrator.emissions.upgrading import GradingConfig
from orchestrator.errors import ConfigInvalid
from orchestrator.geography.config import MapConfig
from orchestrator.geography.outlines import Outlines
from orchestrator.inspection.config import InspectionConfig
from orchestrator.network.config import matrix_from_mapping
from orchestrator.network.model import Matrix
from orchestrator.notices.model import DocumentStyle
from orchestrator.region.config import (
    ProvinceOffice,
    check_city,
    province_from_mapping,
    regions_from_mapping,
)
from orchestrator.region.model import RegionTree
from orchestrator.response.config import ResponseConfig


class Folder(Protocol):
    """Where the data files are found by name: ``config/`` itself (a :class:`~pathlib.Path`) or
    one city's view of it in a provincial installation (:class:`CityFolder`)."""

    def __truediv__(self, name: str) -> Path: ...


#: The files that describe one city: in a provincial installation each city has its own or none
#: (never another city's); every other file is shared by the cities unless a city has its own.
CITY_OWN = frozenset(
    {"city.toml", "approval.toml", "network.toml", "map.toml", "grading.toml", "controls.toml"}
)


@dataclass(frozen=True, slots=True)
class CityFolder:
    """One city's configuration in a provincial installation: ``config/cities/<code>/`` (its
    :data:`CITY_OWN` files, and any shared file it replaces), then the installation's
    ``config/`` for the rest (AQI tables, rulesets, measure tables, delivery, documents …)."""

    own: Path
    shared: Path

    def __truediv__(self, name: str) -> Path:
        mine = self.own / name
        if name in CITY_OWN or mine.exists():
            return mine
        return self.shared / name

    def __str__(self) -> str:
        return str(self.own)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid(f"{path}: {exc}") from exc
    except OSError as exc:
        raise ConfigInvalid(f"{path}: {exc.strerror}") from exc


def load_standards(config_dir: Folder) -> tuple[AqiStandard, ...]:
    """Every ``config/aqi/*.toml``, oldest first; overlapping effective dates are an error."""
    folder = config_dir / "aqi"
    loaded = sorted(
        (
            (p, AqiStandard.from_mapping(_read(p), source=str(p)))
            for p in sorted(folder.glob("*.toml"))
        ),
        key=lambda item: item[1].effective_from,
    )
    if not loaded:
        raise ConfigInvalid(f"{folder}: no AQI standard (*.toml) found")
    for (path, a), (_, b) in itertools.pairwise(loaded):
        if a.effective_to is None or a.effective_to >= b.effective_from:
            raise ConfigInvalid(
                f"{path}: effective dates of {a.id} overlap {b.id} (from {b.effective_from}); "
                f"set effective_to before that"
            )
    return tuple(s for _, s in loaded)


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve(folder: Path, name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    path = folder / f"{name}.toml"
    if name in seen:
        raise ConfigInvalid(f"{path}: extends itself through {' -> '.join(seen)}")
    if not path.exists():
        raise ConfigInvalid(f"{folder}: no ruleset file {name}.toml")
    data = _read(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    return _merge(_resolve(folder, str(parent), (*seen, name)), data)


def load_rulesets(config_dir: Folder) -> tuple[Ruleset, ...]:
    """Every ``config/rulesets/*.toml``, with ``extends`` resolved; ids must match file names.
    Read parents before the files that extend them, so that a mistake in a parent is reported
    under the parent's own name; returned by name."""
    folder = config_dir / "rulesets"
    out = []
    for path in sorted(folder.glob("*.toml"), key=lambda p: (_depth(folder, p.stem), p.stem)):
        ruleset = Ruleset.from_mapping(_resolve(folder, path.stem), source=str(path))
        if ruleset.id != path.stem:
            raise ConfigInvalid(f"{path}: id {ruleset.id!r} differs from the file name")
        out.append(ruleset)
    if not out:
        raise ConfigInvalid(f"{folder}: no ruleset (*.toml) found")
    return tuple(sorted(out, key=lambda r: r.id))


def _depth(folder: Path, name: str) -> int:
    """How many files ``name`` extends, through its parents (0 for one that extends none; a
    broken chain counts as 0 here and is reported when the file is read)."""
    depth, seen = 0, {name}
    while True:
        path = folder / f"{name}.toml"
        try:
            parent = _read(path).get("extends")
        except ConfigInvalid:
            return depth
        if parent is None or str(parent) in seen:
            return depth
        name = str(parent)
        seen.add(name)
        depth += 1


def load_measure_book(config_dir: Folder) -> MeasureBook:
    """Every ``config/measures/*.toml``: measure tables by industry × grade × level; and
    ``config/list.toml`` (optional): how import treats a line that contradicts its grade, and
    what it refuses as implausible."""
    folder = config_dir / "measures"
    tables = [
        MeasureTable.from_mapping(_read(p), source=str(p)) for p in sorted(folder.glob("*.toml"))
    ]
    industries = [t.industry for t in tables]
    for name in set(industries):
        if industries.count(name) > 1:
            raise ConfigInvalid(f"{folder}: industry {name!r} has more than one table")
    policy = config_dir / "list.toml"
    if not policy.exists():
        return MeasureBook.of(tables)
    data = _read(policy)
    return MeasureBook.of(
        tables,
        Contradictions.from_mapping(data.get("contradictions", {}), source=str(policy)),
        Bounds.from_mapping(data.get("bounds", {}), source=str(policy)),
    )


def load_city(config_dir: Folder) -> CityProfile:
    """``config/city.toml``: counties, citywide emissions and reduction targets."""
    path = config_dir / "city.toml"
    data = _read(path)
    try:
        return CityProfile(
            region_code=str(data["region_code"]),
            region_name=str(data["region_name"]),
            counties=tuple(str(c) for c in data["counties"]),
            citywide=Amounts(**{k: float(v) for k, v in data["citywide"].items()}),
            targets={
                AlertLevel(level): Amounts(**{k: float(v) for k, v in ratios.items()})
                for level, ratios in data["targets"].items()
            },
            county_inventory={
                str(county): Amounts(**{k: float(v) for k, v in amounts.items()})
                for county, amounts in data.get("county_inventory", {}).items()
            },
        )
    except KeyError as exc:
        raise ConfigInvalid(f"{path}: missing key {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigInvalid(f"{path}: {exc}") from exc


def load_response(config_dir: Folder, city: CityProfile) -> ResponseConfig:
    """``config/approval.toml``: the office issuing for ``city``, the approval policy and the
    people who may act."""
    path = config_dir / "approval.toml"
    try:
        return ResponseConfig.from_mapping(
            _read(path),
            region_code=city.region_code,
            region_name=city.region_name,
            source=str(path),
        )
    except ValueError as exc:
        raise ConfigInvalid(str(exc)) from exc


def load_documents(config_dir: Folder) -> DocumentStyle:
    """``config/documents.toml``: how the office's documents look (fonts by role)."""
    path = config_dir / "documents.toml"
    try:
        return DocumentStyle.from_mapping(_read(path), source=str(path))
    except ValueError as exc:
        raise ConfigInvalid(str(exc)) from exc


def load_map(config_dir: Folder) -> MapConfig | None:
    """``config/map.toml``: the map's outlines, stations and colours (None: no map)."""
    path = config_dir / "map.toml"
    if not path.exists():
        return None
    return MapConfig.from_mapping(_read(path), source=str(path))


def load_outlines(path: Path, name_property: str, counties: tuple[str, ...]) -> Outlines:
    """The county outlines at ``path`` (config/map.toml's ``outlines``); every outline must
    name one of the city's ``counties``."""
    outlines = Outlines.read(path, name_property=name_property)
    strange = [c for c in outlines.counties if c not in counties]
    if strange:
        raise ConfigInvalid(
            f"{path}: county “{strange[0]}” is not one of city.toml's counties "
            f"({', '.join(counties)})"
        )
    return outlines


def load_list_calendar(config_dir: Folder) -> ListCalendar:
    """``config/list.toml`` [calendar]: when the list is due for revision (default 09-30)."""
    path = config_dir / "list.toml"
    if not path.exists():
        return ListCalendar()
    return ListCalendar.from_mapping(_read(path).get("calendar", {}), source=str(path))


def load_network(config_dir: Folder, city: CityProfile) -> Matrix | None:
    """``config/network.toml``: the response network and its responsibility matrix (None: none)."""
    path = config_dir / "network.toml"
    if not path.exists():
        return None
    return matrix_from_mapping(_read(path), source=str(path), counties=city.counties)


def load_regions(config_dir: Folder, city: CityProfile, serves: str = "") -> RegionTree | None:
    """``config/regions.toml``: the province–city–county tiers and the area served (``serves``
    when given, the settings' choice; None: no file, a city alone as before). The city of
    ``city.toml`` must be the tree's, with its counties."""
    path = config_dir / "regions.toml"
    if not path.exists():
        if serves and serves != city.region_code:
            raise ConfigInvalid(f"{path}: missing; serves {serves} needs the region tree")
        return None
    data = _read(path)
    if serves:
        data = {**data, "serves": serves}
    tree = regions_from_mapping(data, source=str(path))
    check_city(tree, source=str(path), code=city.region_code, counties=city.counties)
    return tree


def load_province(config_dir: Folder) -> ProvinceOffice | None:
    """``config/province.toml``: the provincial office issuing 调度令 (None: absent)."""
    path = config_dir / "province.toml"
    if not path.exists():
        return None
    return province_from_mapping(_read(path), source=str(path))


def load_grading(config_dir: Folder) -> GradingConfig | None:
    """``config/grading.toml``: the city's 创A升B targets (None: none set)."""
    path = config_dir / "grading.toml"
    if not path.exists():
        return None
    return GradingConfig.from_mapping(_read(path), source=str(path))


def load_delivery(config_dir: Folder) -> DeliveryConfig:
    """``config/delivery.toml``: channels, retries, escalation, links and compliance checks."""
    path = config_dir / "delivery.toml"
    try:
        return DeliveryConfig.from_mapping(_read(path), source=str(path))
    except ValueError as exc:
        raise ConfigInvalid(str(exc)) from exc
    except TypeError as exc:  # an unknown key in [retry] or [compliance]
        raise ConfigInvalid(f"{path}: {exc}") from exc


def load_controls(config_dir: Folder) -> tuple[Control, ...]:
    """``config/controls.toml``: recurring controls (none if the file is absent)."""
    path = config_dir / "controls.toml"
    if not path.exists():
        return ()
    try:
        return controls_from_mapping(_read(path), source=str(path))
    except (ValueError, TypeError) as exc:
        raise ConfigInvalid(str(exc) if isinstance(exc, ValueError) else f"{path}: {exc}") from exc


def load_console(config_dir: Folder) -> ConsoleConfig:
    """``config/console.toml``: sign-in lockout and sessions (defaults if the file is absent)."""
    path = config_dir / "console.toml"
    data = _read(path) if path.exists() else {}
    try:
        return ConsoleConfig.from_mapping(data, source=str(path))
    except ValueError as exc:
        raise ConfigInvalid(str(exc)) from exc


def load_assessment(config_dir: Folder) -> AssessmentConfig:
    """``config/assessment.toml``: what the effect assessment proposes (defaults if absent)."""
    path = config_dir / "assessment.toml"
    data = _read(path) if path.exists() else {}
    try:
        return AssessmentConfig.from_mapping(data, source=str(path))
    except ValueError as exc:
        raise ConfigInvalid(str(exc)) from exc


def load_consultation(config_dir: Folder) -> ConsultationConfig:
    """``config/consultation.toml``: forecast and monitoring sources, health gate, schedule."""
    path = config_dir / "consultation.toml"
    try:
        return ConsultationConfig.from_mapping(_read(path), source=str(path))
    except (ValueError, TypeError) as exc:
        raise ConfigInvalid(str(exc) if isinstance(exc, ValueError) else f"{path}: {exc}") from exc


def load_inspection(config_dir: Folder) -> InspectionConfig:
    """``config/inspection.toml``: the inspection score's rules and weights and the queue's draw."""
    path = config_dir / "inspection.toml"
    if not path.exists():
        raise ConfigInvalid(f"{path}: 缺少检查清单配置（评分规则和分值）")
    try:
        return InspectionConfig.from_mapping(_read(path), source=str(path))
    except ValueError as exc:
        raise ConfigInvalid(str(exc)) from exc
