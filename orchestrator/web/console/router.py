"""The console's router: sign-in and out, the dashboard (值班台), the audit log, and the pages of
alerts, consultations and emission lists."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from orchestrator.accounts.model import Permission, Session, allowed
from orchestrator.audit.model import AuditAction
from orchestrator.notices.contexts import cn_time
from orchestrator.response.model import RevisionStatus
from orchestrator.web.console.alerts import alert_routes
from orchestrator.web.console.base import (
    HEADERS,
    Console,
    Page,
)
from orchestrator.web.console.consultations import consultation_routes
from orchestrator.web.console.daily import daily_routes
from orchestrator.web.console.directives import directive_routes
from orchestrator.web.console.documents import document_routes
from orchestrator.web.console.grading import coverage_routes, grading_routes
from orchestrator.web.console.lists import list_routes
from orchestrator.web.console.maps import map_routes
from orchestrator.web.console.sessions import session_routes
from orchestrator.web.dashboard import Limits, dashboard
from orchestrator.web.site import Site

AUDIT_PAGE = 100

_JS, _CSS = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
#: Every file under /static/: the console's own scripts and the map library (Leaflet, vendored)
STATIC = {
    "console.js": _JS,
    "map.js": _JS,
    "leaflet/leaflet.js": _JS,
    "leaflet/leaflet.css": _CSS,
}


def console_router(site: Site) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    c = Console(site)
    clock = site.clock
    session_routes(router, c)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        data = dashboard(
            reads=site.reads,
            alerts=site.alerts,
            receipts=site.receipts,
            consultant=site.consultant,
            controls=site.controls,
            outbox=site.outbox,
            now=clock.now(),
            zone=site.zone,
            recent=site.recent,
            limits=Limits(
                worker_minutes=site.console.worker_stale_minutes,
                scheduler_minutes=site.console.scheduler_stale_minutes,
                consultation_hours=site.console.consultation_stale_hours,
            ),
        )
        data["queue"] = queue(session)
        data["directives"] = received(now=clock.now())
        # the page's script asks for the live part alone (X-Fragment: main) every so often
        fragment = request.headers.get("X-Fragment") == "main"
        return c.page(
            "console/_dashboard_main.html" if fragment else "console/dashboard.html",
            session=session,
            d=data,
            refresh=site.console.refresh_seconds,
        )

    loader = site.env.loader
    assert loader is not None
    # read through the templates' loader: a city's folder may replace them like any template
    assets = {
        name: (Path(loader.get_source(site.env, f"static/{name}")[1] or "").read_bytes(), media)
        for name, media in STATIC.items()
    }

    @router.get("/static/{name:path}")
    def static(name: str) -> Response:
        """The console's scripts and styles (public: they hold no data): a fixed set, never a
        path on the server."""
        found = assets.get(name)
        if found is None:
            return Response("未找到该文件", status_code=404, media_type="text/plain; charset=utf-8")
        return Response(
            found[0],
            media_type=found[1],
            headers={**HEADERS, "Cache-Control": "public, max-age=300"},
        )

    def received(now: dt.datetime) -> list[dict[str, object]]:
        """The province's 调度令 the city received that still bind it (or ended a day ago)."""
        if site.directives is None:
            return []
        zone = site.zone
        out: list[dict[str, object]] = []
        for r in site.directives.current(now):
            o = r.order
            asked = site.directives.requests(o.province, o.ref) if r.lift_requested_at else []
            out.append(
                {
                    "ref": o.ref,
                    "request": asked[-1].number if asked else "",
                    "number": o.number,
                    "title": o.title,
                    "issuer": o.issuer,
                    "level": o.level.value,
                    "level_term": o.level.term,
                    "window": f"{cn_time(o.start, zone)}至{cn_time(o.end, zone)}",
                    "measures": list(o.measures),
                    "received_at": cn_time(r.received_at, zone),
                    "alert_id": r.alert_id,
                    "note": r.note,
                    "lifted": cn_time(r.lifted_at, zone) if r.lifted_at else "",
                    "chased": cn_time(r.chased_at, zone) if r.chased_at else "",
                    "report": f"发布后{o.report_within_hours}小时内报送启动情况，"
                    f"每日{o.daily_report_by:%H:%M}前报送落实情况",
                }
            )
        return out

    def queue(session: Session) -> list[dict[str, str]]:
        """What waits for this user: drafts to submit, revisions to approve or issue (as the
        user's role may), and overdue orders to chase."""
        out: list[dict[str, str]] = []
        role = session.user.role
        now = clock.now()
        for rev in site.alerts.alerts():
            st = rev.state
            link = c.url(f"/alerts/{rev.alert_id}")
            what = f"预警{rev.alert_id}（{st.kind.label}{st.level.term}）"
            if st.status is RevisionStatus.DRAFT and allowed(role, Permission.DRAFT):
                out.append({"text": f"{what}待提交审批", "href": link})
            elif st.status is RevisionStatus.PENDING_APPROVAL and allowed(role, Permission.APPROVE):
                out.append({"text": f"{what}待审批", "href": link})
            elif st.status is RevisionStatus.APPROVED and allowed(role, Permission.ISSUE):
                out.append({"text": f"{what}已批准，待发布", "href": link})
        situation = site.alerts.situation(now)
        if situation.active is not None and allowed(role, Permission.RESEND):
            alert_id = situation.active.alert_id
            summary = site.recent.get(
                ("queue-overdue", situation.active.revision_id, now.replace(second=0)),
                lambda: site.receipts.summary(alert_id, now=now, listed=0),
            )
            if summary.overdue_count:
                out.append(
                    {
                        "text": f"预警{alert_id}有{summary.overdue_count}家企业逾期未签收，请督办",
                        "href": c.url(f"/alerts/{alert_id}/notices?state=overdue"),
                    }
                )
        return out

    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(
        request: Request, actor: str = "", action: str = "", alert: str = "", page: Page = 1
    ) -> Response:
        session = c.require(request, Permission.AUDIT)
        if isinstance(session, Response):
            return session
        alert_id = int(alert) if alert.strip().isdigit() and len(alert.strip()) <= 9 else None
        page = max(page, 1)
        rows, total = site.audit.entries(
            actor=actor,
            action=action,
            alert_id=alert_id,
            offset=(page - 1) * AUDIT_PAGE,
            limit=AUDIT_PAGE,
        )
        pages = max(1, -(-total // AUDIT_PAGE))
        return c.page(
            "console/audit.html",
            session=session,
            rows=[
                {
                    "at": r.at.astimezone(site.zone).strftime("%Y-%m-%d %H:%M:%S"),
                    "actor": r.actor,
                    "action": r.label,
                    "alert_id": r.alert_id,
                    "reason": r.reason,
                }
                for r in rows
            ],
            total=total,
            actors=site.audit.actors(),
            actions={a.value: a.label for a in AuditAction},
            filters={"actor": actor, "action": action, "alert": alert},
            page=min(page, pages),
            pages=pages,
        )

    consultation_routes(router, c)
    alert_routes(router, c)
    if site.directives is not None:  # a city under a provincial platform
        directive_routes(router, c)
    document_routes(router, c)
    daily_routes(router, c)
    # before list_routes: /lists/upgrading and /lists/coverage are not /lists/{number}
    grading_routes(router, c)
    coverage_routes(router, c)
    list_routes(router, c)
    map_routes(router, c)
    return router
