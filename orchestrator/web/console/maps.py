"""The console's map: the county outlines, the monitoring stations with their newest AQI, and
the list's enterprises and dust sites at their positions — coloured, on an alert's map, by
where each enterprise's order stands. Drawn in the browser by Leaflet from the page's own data
(no internet map tiles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestrator.delivery.model import OrderState, Subject
from orchestrator.emissions.model import EmissionList, RevisionNotFound
from orchestrator.geography.config import MapConfig
from orchestrator.notices.contexts import cn_time
from orchestrator.web.console.base import Console, Id

#: What a point is, as the page's script reads it.
ENTERPRISE, SITE = "e", "s"
OVERDUE = "overdue"
LABELS = {
    **{s.value: s.label for s in OrderState},
    OVERDUE: "逾期未签收",
    "not_ordered": "本次无指令",
    "enterprise": "清单企业",
    "site": "扬尘源工地",
}


def points(
    lst: EmissionList, states: dict[str, str] | None, link: str
) -> tuple[list[list[Any]], list[dict[str, str]]]:
    """The list's enterprises and sites with a position, as ``[lon, lat, kind, name, detail,
    county, state, href]`` rows, and the enterprises without one (name, USCC, county).

    ``states``: each ordered enterprise's state (an alert's map; None: the list alone);
    ``link``: where an enterprise's name leads, ``{uscc}`` filled in."""
    rows: list[list[Any]] = []
    unplaced: list[dict[str, str]] = []
    for e in lst.enterprises:
        if e.location is None:
            unplaced.append({"name": e.name, "uscc": e.uscc, "county": e.county})
            continue
        state = "enterprise" if states is None else states.get(e.uscc, "not_ordered")
        rows.append(
            [
                e.location.lon,
                e.location.lat,
                ENTERPRISE,
                e.name,
                f"{e.uscc}　绩效等级{e.grade.value}",
                e.county,
                state,
                link.format(uscc=e.uscc) if state != "not_ordered" else "",
            ]
        )
    for s in lst.dust_sites:
        if s.location is None:
            continue
        rows.append(
            [s.location.lon, s.location.lat, SITE, s.name, s.site_type, s.county, "site", ""]
        )
    return rows, unplaced


def counted(rows: Iterable[list[Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r[6]] = out.get(r[6], 0) + 1
    return out


def map_routes(router: APIRouter, c: Console) -> None:
    site = c.site
    zone = site.zone

    def stations(config: MapConfig) -> list[dict[str, Any]]:
        """The configured stations with their newest hour's AQI (as of the newest consultation)."""
        newest = next(iter(site.consultant.recorded(1)), None)
        seen = {
            s["station"]: s
            for s in ((newest.record.get("observed") or {}).get("stations", []) if newest else [])
        }
        out = []
        for name, p in config.stations.items():
            s = seen.get(name, {})
            hour = s.get("hour", "")
            out.append(
                {
                    "name": name,
                    "lon": p.lon,
                    "lat": p.lat,
                    "aqi": s.get("aqi"),
                    "category": s.get("category", ""),
                    "color": s.get("color", ""),
                    "hour": cn_time(dt.datetime.fromisoformat(hour), zone) if hour else "",
                }
            )
        return out

    def page(
        session: Any,
        title: str,
        lst: EmissionList | None,
        states: dict[str, str] | None,
        link: str,
        **more: Any,
    ) -> Response:
        config = site.map
        if config is None:
            return c.message(
                session, "未配置地图", "未配置地图（config/map.toml），请联系系统管理员。", 404
            )
        rows, unplaced = points(lst, states, link) if lst is not None else ([], [])
        counts = counted(rows)
        data = {
            "colours": dict(config.colours),
            "labels": LABELS,
            "outlines": site.outlines.document if site.outlines is not None else None,
            "stations": stations(config),
            "points": rows,
        }
        return c.page(
            "console/map.html",
            session=session,
            title=title,
            data=data,
            legend=[
                {
                    "key": k,
                    "label": LABELS[k],
                    "colour": config.colours[k],
                    "count": counts.get(k, 0),
                }
                for k in LABELS
                if counts.get(k) or (states is not None and k in (*(s.value for s in OrderState),))
            ],
            unplaced=unplaced,
            **more,
        )

    @router.get("/map", response_class=HTMLResponse)
    def list_map(request: Request) -> Response:
        """The list in force today: every enterprise and site where it is."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        now = c.clock.now()
        number = site.lists.in_force(now.astimezone(zone).date())
        lst = site.lists.revision(number)[1] if number is not None else None
        situation = site.alerts.situation(now)
        active = situation.active.alert_id if situation.active is not None else None
        return page(
            session,
            f"应急减排清单分布（第{number}版）" if number else "应急减排清单分布",
            lst,
            None,
            link=c.url(f"/lists/{number}/enterprises/{{uscc}}"),
            active=active,
            alert_id=None,
            no_list=number is None,
        )

    @router.get("/alerts/{alert_id}/map", response_class=HTMLResponse)
    def alert_map(request: Request, alert_id: Id) -> Response:
        """The alert's orders where the enterprises are, coloured by state."""
        session = c.require(request)
        if isinstance(session, Response):
            return session
        revision_id = site.receipts.newest_issued(alert_id)
        if revision_id is None:
            return c.message(session, "尚未发布", f"预警{alert_id}尚未发布，没有指令可以标注", 404)
        now = c.clock.now()
        summary = site.receipts.summary(alert_id, now=now, listed=0)
        late = now > summary.deadline
        found = site.receipts.order_page(
            Subject(revision_id=revision_id), limit=max(summary.orders, 1)
        )
        states = {
            r.uscc: OVERDUE if late and r.state is OrderState.UNSIGNED else r.state.value
            for r in found.rows
        }
        number = next(
            (
                v.list_revision
                for v in site.alerts.revisions(alert_id)
                if v.revision_id == revision_id
            ),
            None,
        )
        try:
            lst = site.lists.revision(number)[1] if number is not None else None
        except RevisionNotFound:
            lst = None
        return page(
            session,
            f"预警{alert_id}指令落实分布 {summary.document_number}",
            lst,
            states,
            link=c.url(f"/alerts/{alert_id}/revisions/{revision_id}/orders/{{uscc}}"),
            active=None,
            alert_id=alert_id,
            no_list=lst is None,
            deadline=cn_time(summary.deadline, zone),
        )
