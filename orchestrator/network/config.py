"""``config/network.toml``: the units of the response network and the responsibility matrix,
read and checked — every mistake named with the file and the key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.emissions.model import uscc_valid
from orchestrator.errors import ConfigInvalid
from orchestrator.network.model import Duty, Leader, Matrix, Oversees, Unit, UnitKind

#: Keys of [duties.LEVEL] that give a duty to every unit of a kind.
EVERY = {"*county": UnitKind.COUNTY, "*township": UnitKind.TOWNSHIP}


def _unit(d: Mapping[str, Any], where: str, **fields: Any) -> Unit:
    """A unit with the code and contacts ``d`` gives (delivered like an enterprise's orders)."""
    uscc = str(d.get("uscc", "")).strip().upper()
    if not uscc_valid(uscc):
        raise ConfigInvalid(
            f"{where}.uscc: “{uscc}” is not a valid 统一社会信用代码 (18 characters, GB 32100 "
            "check character); each unit is known by its own"
        )
    return Unit(
        uscc=uscc,
        contact=str(d.get("contact", "")),
        phone=str(d.get("phone", "")),
        email=str(d.get("email", "")),
        channel=str(d.get("channel", "")),
        **fields,
    )


def matrix_from_mapping(
    data: Mapping[str, Any], *, source: str, counties: Collection[str]
) -> Matrix:
    """The matrix in ``data``; ``counties``: the city's (config/city.toml)."""
    unknown = set(data) - {"members", "counties", "duties", "tasks", "daily", "checks"}
    if unknown:
        raise ConfigInvalid(f"{source}: {sorted(unknown)[0]}: unknown key")
    units: list[Unit] = []
    for i, m in enumerate(data.get("members", [])):
        where = f"{source}: members[{i}]"
        try:
            uid, name = str(m["id"]), str(m["name"])
        except KeyError as exc:
            raise ConfigInvalid(f"{where}: {exc.args[0]} is missing") from None
        if not uid.isidentifier():
            raise ConfigInvalid(f"{where}.id: “{uid}” must be a plain identifier (letters, _)")
        oversees = []
        for o in m.get("oversees", []):
            try:
                oversees.append(Oversees(o))
            except ValueError:
                known = ", ".join(x.value for x in Oversees)
                raise ConfigInvalid(f"{where}.oversees: “{o}” is unknown ({known})") from None
        units.append(
            _unit(m, where, id=uid, name=name, kind=UnitKind.MEMBER, oversees=tuple(oversees))
        )
    seen_counties: set[str] = set()
    for i, c in enumerate(data.get("counties", [])):
        where = f"{source}: counties[{i}]"
        county = str(c.get("name", ""))
        if county not in counties:
            raise ConfigInvalid(
                f"{where}.name: “{county}” is not one of city.toml's counties ({', '.join(counties)})"
            )
        if county in seen_counties:
            raise ConfigInvalid(f"{where}.name: “{county}” is given twice")
        seen_counties.add(county)
        units.append(
            _unit(
                c,
                where,
                id=f"county:{county}",
                name=str(c.get("unit", f"{county}人民政府")),
                kind=UnitKind.COUNTY,
                county=county,
            )
        )
        towns = c.get("townships", [])
        if len(set(map(str, towns))) != len(towns):
            raise ConfigInvalid(f"{where}.townships: a township is given twice")
        for j, t in enumerate(towns):
            t = t if isinstance(t, Mapping) else {"name": t}
            town = str(t["name"])
            units.append(
                _unit(
                    t,
                    f"{where}.townships[{j}]",
                    id=f"township:{county}/{town}",
                    name=str(t.get("unit", f"{county}{town}")),
                    kind=UnitKind.TOWNSHIP,
                    county=county,
                    township=town,
                )
            )
    ids = [u.id for u in units]
    twice = next((x for x in ids if ids.count(x) > 1), None)
    if twice is not None:
        raise ConfigInvalid(f"{source}: unit “{twice}” is given twice")
    codes = [u.uscc for u in units]
    twice = next((x for x in codes if codes.count(x) > 1), None)
    if twice is not None:
        named = "、".join(u.name for u in units if u.uscc == twice)
        raise ConfigInvalid(f"{source}: uscc “{twice}” is given to more than one unit ({named})")
    by_id = {u.id: u for u in units}
    duties: list[Duty] = []
    for level_key, table in dict(data.get("duties", {})).items():
        try:
            level = AlertLevel(level_key)
        except ValueError:
            level = None
        if level not in ALERT_LEVELS:
            raise ConfigInvalid(f"{source}: duties.{level_key}: a level is yellow, orange or red")
        assert level is not None
        for key, items in dict(table).items():
            if key in EVERY:
                targets = [u.id for u in units if u.kind is EVERY[key]]
            elif key in by_id:
                targets = [key]
            else:
                members = ", ".join(u.id for u in units if u.kind is UnitKind.MEMBER)
                raise ConfigInvalid(
                    f"{source}: duties.{level_key}.{key}: unknown unit "
                    f"(members: {members}; *county, *township for every county or township)"
                )
            for j, item in enumerate(items):
                where = f"{source}: duties.{level_key}.{key}[{j}]"
                try:
                    text, done = str(item["text"]).strip(), str(item["done"]).strip()
                except (KeyError, TypeError):
                    raise ConfigInvalid(f"{where}: a duty needs text and done") from None
                if not text or not done:
                    raise ConfigInvalid(f"{where}: text and done must not be empty")
                duties += [
                    Duty(
                        unit=t,
                        level=level,
                        text=text,
                        done=done,
                        report=str(item.get("report", "")),
                    )
                    for t in targets
                ]
    tasks, daily = dict(data.get("tasks", {})), dict(data.get("daily", {}))
    listed = tasks.get("enterprises_listed", 100)
    if not isinstance(listed, int) or isinstance(listed, bool) or listed < 0:
        raise ConfigInvalid(f"{source}: tasks.enterprises_listed: a whole number ≥ 0")
    answer_days = dict(data.get("checks", {})).get("answer_days", 15)
    if not isinstance(answer_days, int) or isinstance(answer_days, bool) or answer_days < 1:
        raise ConfigInvalid(f"{source}: checks.answer_days: a whole number ≥ 1")
    text = str(daily.get("report_by", "16:00"))
    try:
        report_by = dt.time.fromisoformat(text)
    except ValueError:
        raise ConfigInvalid(f"{source}: daily.report_by: “{text}” is no time (HH:MM)") from None
    leaders = []
    for i, d in enumerate(daily.get("leaders", [])):
        where = f"{source}: daily.leaders[{i}]"
        if not isinstance(d, Mapping) or not str(d.get("name", "")).strip():
            raise ConfigInvalid(f"{where}: a leader needs a name")
        if not (d.get("phone") or d.get("email")):
            raise ConfigInvalid(f"{where}: a leader needs a phone or an e-mail address")
        leaders.append(
            Leader(
                name=str(d["name"]),
                title=str(d.get("title", "")),
                phone=str(d.get("phone", "")),
                email=str(d.get("email", "")),
                channel=str(d.get("channel", "")),
            )
        )
    return Matrix(
        units=tuple(units),
        duties=tuple(duties),
        report_by=report_by,
        enterprises_listed=listed,
        leaders=tuple(leaders),
        answer_days=answer_days,
    )
