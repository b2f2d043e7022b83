"""The provincial installation's web service: the province's own pages at the root — every
city at a glance, the 调度令 with their boards, drafting and the four-eyes actions — and each
city's console, API and signed-link pages under ``/c/<code>`` (one app per city, on the city's
own database). One sign-in serves them all; what an account reaches is its region's (see
:class:`~orchestrator.accounts.model.Scope`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from orchestrator import __version__
from orchestrator.accounts.config import ConsoleConfig
from orchestrator.accounts.model import Permission, Scope, Session
from orchestrator.accounts.model import allowed as role_allows
from orchestrator.accounts.service import Accounts
from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel
from orchestrator.clock import Clock
from orchestrator.errors import ConfigInvalid, OrchestratorError
from orchestrator.region.config import ProvinceOffice
from orchestrator.region.directives import MAY, DirectiveAction, DirectiveStatus, allowed
from orchestrator.region.exchange import ProvinceExchange
from orchestrator.region.service import ProvincialOffice
from orchestrator.region.views import board_rows, when
from orchestrator.response.service import CommandOffice
from orchestrator.web.api import install_errors
from orchestrator.web.app import create_app
from orchestrator.web.checks import check_router
from orchestrator.web.console.base import HEADERS, Id, Pages
from orchestrator.web.console.documents import numbered_documents
from orchestrator.web.console.sessions import session_routes
from orchestrator.web.dashboard import Recent
from orchestrator.web.enterprise import enterprise_router
from orchestrator.web.errors import status_of
from orchestrator.web.federation import federation_router
from orchestrator.web.guard import Guard
from orchestrator.web.nul import RejectNul
from orchestrator.web.site import Site

#: The permission each action on a 调度令 needs of the console role (the province's own role,
#: from config/province.toml, is checked by the lifecycle).
DIRECTIVE_PERMISSION = {
    DirectiveAction.SUBMIT: Permission.DRAFT,
    DirectiveAction.WITHDRAW: Permission.DRAFT,
    DirectiveAction.APPROVE: Permission.APPROVE,
    DirectiveAction.REJECT: Permission.APPROVE,
    DirectiveAction.ISSUE: Permission.ISSUE,
    DirectiveAction.LIFT: Permission.APPROVE,
}

MEASURE_LINES = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class CityDesk:
    """A city as the province's pages show it: its pages' root and its alerts."""

    code: str
    name: str
    root: str
    alerts: CommandOffice


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvinceSite:
    """What the province's pages serve with."""

    province: ProvinceOffice
    office: ProvincialOffice
    cities: tuple[CityDesk, ...]
    env: Environment
    zone: ZoneInfo
    clock: Clock
    accounts: Accounts
    console: ConsoleConfig
    scope: Scope
    root: str = ""
    # the interface of the cities running their own installation (None: every city hosted)
    exchange: ProvinceExchange | None = None
    # an order's document, or its lifting notice's (id, lift) → (file name, HTML)
    documents: Callable[[int, bool], tuple[str, str]] | None = None
    pdf: Callable[[str], bytes] | None = None  # a document printed (WeasyPrint)
    recent: Recent = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "recent", Recent(self.console.receipts_seconds))

    @property
    def issuer(self) -> str:
        return self.province.issuer


def _local(value: str, zone: ZoneInfo) -> dt.datetime:
    t = dt.datetime.fromisoformat(value)
    return t if t.tzinfo is not None else t.replace(tzinfo=zone)


def province_router(site: ProvinceSite) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    c = Pages(site)
    clock, zone = site.clock, site.zone
    session_routes(router, c)
    codes = {d.code for d in site.cities}

    def cities_now(now: dt.datetime) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for city in site.cities:
            active = city.alerts.situation(now, recent=5).active
            row: dict[str, object] = {"code": city.code, "name": city.name, "root": city.root}
            if active is not None:
                st = active.state
                row.update(
                    alert_id=active.alert_id,
                    level=st.level.value,
                    level_term=st.level.term,
                    document_number=active.document_number or "",
                    window=f"{when(st.start, zone)}至{when(st.end, zone) or '另行通知'}",
                    ended=st.end is not None and st.end <= now,
                )
            rows.append(row)
        return rows

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        signed = c.signed_in(request)
        if signed is not None and signed.user.region in codes:
            # a city's account: its own city's console
            return RedirectResponse(f"/c/{signed.user.region}/", status_code=303, headers=HEADERS)
        session = c.check(request, signed)
        if isinstance(session, Response):
            return session
        now = clock.now()
        minute = now.replace(second=0, microsecond=0)
        cities = site.recent.get(("cities", minute), lambda: cities_now(now))
        # (recomputed at most every receipts_seconds, as the dashboard's counts)
        directives = site.recent.get("directives", listed)
        return c.page(
            "console/province.html", session=session, cities=cities, directives=directives
        )

    def listed() -> list[dict[str, str | int]]:
        return [
            {
                "id": d.id,
                "number": d.number or "（未编号）",
                "title": d.title,
                "level": d.level.value,
                "level_term": d.level.term,
                "status": d.status.label,
                "window": f"{when(d.start, zone)}至{when(d.end, zone)}",
                "cities": "、".join(site.office.city_name(x) for x in d.scope.cities),
            }
            for d in site.office.directives()
        ]

    def person_of(session: Session) -> str:
        """The province's person the account acts as (by name, config/province.toml)."""
        return site.province.person(session.user.display_name).name

    @router.get("/directives/new", response_class=HTMLResponse)
    def new_form(request: Request) -> Response:
        session = c.require(request, Permission.DRAFT)
        if isinstance(session, Response):
            return session
        return draft_page(session, {})

    def draft_page(
        session: Session, form: dict[str, object], error: str = "", status: int = 200
    ) -> HTMLResponse:
        return c.page(
            "console/directive_new.html",
            status,
            session=session,
            cities=[{"code": d.code, "name": d.name} for d in site.cities],
            levels=[(lv.value, lv.term) for lv in ALERT_LEVELS],
            form=form,
            error=error,
        )

    @router.post("/directives")
    async def draft(request: Request) -> Response:
        posted = await c.form(request, Permission.DRAFT)
        if isinstance(posted, Response):
            return posted
        session, form = posted
        chosen = [v for v in (await request.form()).getlist("cities") if isinstance(v, str)]
        kept: dict[str, object] = {**form, "cities": chosen}
        try:
            by = site.province.person(session.user.display_name)
            try:
                level = AlertLevel(form.get("level", ""))
                start = _local(form.get("start", ""), zone)
                end = _local(form.get("end", ""), zone)
            except ValueError:
                return draft_page(session, kept, "请选择等级并填写起止时间。", 400)
            measures = form.get("measures", "").splitlines()
            if len(measures) > MEASURE_LINES:
                return draft_page(session, kept, f"增加措施至多{MEASURE_LINES}条。", 400)
            d = await run_in_threadpool(
                lambda: site.office.draft(
                    title=form.get("title", ""),
                    cities=chosen,
                    level=level,
                    start=start,
                    end=end,
                    measures=measures,
                    reason=form.get("reason", ""),
                    by=by,
                    now=clock.now(),
                )
            )
        except OrchestratorError as exc:
            return draft_page(session, kept, str(exc), status_of(exc))
        site.recent.forget("directives")
        return RedirectResponse(f"/directives/{d.id}?done=draft", status_code=303, headers=HEADERS)

    @router.get("/directives/{directive_id}", response_class=HTMLResponse)
    def directive_page(request: Request, directive_id: Id, done: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            board = site.office.board(directive_id, clock.now())
        except OrchestratorError as exc:
            return c.refused(session, "无法查看", exc)
        d = board.directive
        actor = next((p for p in site.province.people if p.name == session.user.display_name), None)
        actions = [
            (a.value, a.label)
            for a in allowed(d)
            if actor is not None
            and actor.role in MAY[a]
            and role_allows(session.user.role, DIRECTIVE_PERMISSION[a])
        ]
        return c.page(
            "console/directive.html",
            session=session,
            d=d,
            rows=board_rows(board, zone),
            names={x.code: x.name for x in site.cities},
            issued_at=when(d.issued_at, zone),
            lifted_at=when(d.lifted_at, zone),
            window=f"{when(d.start, zone)}至{when(d.end, zone)}",
            actions=actions,
            pending=d.status is DirectiveStatus.ISSUED,
            done=done,
        )

    def of_kind(lift: bool) -> Callable[[int], tuple[str, str]] | None:
        documents = site.documents
        return None if documents is None else (lambda number: documents(number, lift))

    for suffix, lift in (("document", False), ("lift-document", True)):
        numbered_documents(
            router,
            c,
            f"/directives/{{number}}/{suffix}",
            of_kind(lift),
            site.pdf,
            name=f"directive_{suffix.replace('-', '_')}",
        )

    def action_route(action: DirectiveAction) -> None:
        async def handler(request: Request, directive_id: Id) -> Response:
            posted = await c.form(request, DIRECTIVE_PERMISSION[action])
            if isinstance(posted, Response):
                return posted
            session, form = posted
            now = clock.now()
            try:
                by = site.province.person(session.user.display_name)
                d = await run_in_threadpool(
                    site.office.act,
                    directive_id,
                    action,
                    by=by,
                    now=now,
                    reason=form.get("reason", ""),
                    tell=False,
                )
            except OrchestratorError as exc:
                return c.refused(session, f"未能{action.label}", exc)
            site.recent.forget("directives")
            # the cities' duty officers are told once the page has answered (a slow channel
            # does not hold the officer who issued); each city's scheduler tells what is missed
            told = BackgroundTasks()
            if action is DirectiveAction.ISSUE:
                told.add_task(site.office.tell, now, d.scope.cities)
            return RedirectResponse(
                f"/directives/{directive_id}?done={action.value}",
                status_code=303,
                headers=HEADERS,
                background=told,
            )

        handler.__name__ = f"directive_{action.value}"
        router.add_api_route(
            f"/directives/{{directive_id}}/{action.value}", handler, methods=["POST"]
        )

    for action in DirectiveAction:
        action_route(action)

    def forwarded(now: dt.datetime) -> str:
        done = site.office.forward(now)
        failed = sum(1 for f in done if not f.done)
        return f"本次送达{len(done) - failed}份" + (
            f"，{failed}份未能送达，稍后再试" if failed else ""
        )

    def chased(now: dt.datetime) -> str:
        found = site.office.chase(now)
        lines = "；".join(
            f"{site.office.city_name(city)}（{'、'.join(owed)}）" for _, city, owed in found
        )
        return f"已督办{len(found)}个市" + (f"：{lines}" if lines else "")

    def round_route(
        path: str, permission: Permission, title: str, run: Callable[[dt.datetime], str]
    ) -> None:
        """A round over every order (hand over, chase), taken by one of the province's people."""

        async def handler(request: Request) -> Response:
            posted = await c.form(request, permission)
            if isinstance(posted, Response):
                return posted
            session, _ = posted
            try:
                person_of(session)
            except OrchestratorError as exc:
                return c.refused(session, f"未能{title}", exc)
            said = await run_in_threadpool(run, clock.now())
            return c.message(session, title, said, 200)

        handler.__name__ = f"directives_{path.rsplit('/', 1)[1]}"
        router.add_api_route(path, handler, methods=["POST"])

    round_route("/directives/forward", Permission.ISSUE, "送达各市", forwarded)
    round_route("/directives/chase", Permission.RESEND, "督办", chased)

    return router


def province_app(site: ProvinceSite, cities: dict[str, Site]) -> FastAPI:
    """The province's pages at the root, each city's app under its root (``/c/<code>``); a
    city whose signed links lie outside its root (the sample city of ``config/`` keeps
    ``/ack``) has those pages at the root as well."""
    app = FastAPI(
        title="重污染天气应急指挥平台（省级）",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    pages = Pages(site)
    install_errors(app, lambda title, message, status: pages.message(None, title, message, status))
    app.add_middleware(RejectNul)
    app.add_middleware(Guard)
    app.include_router(province_router(site))
    if site.exchange is not None:
        app.include_router(federation_router(site.exchange, site.accounts, site.clock))
    taken: dict[str, str] = {}
    for code, city in cities.items():
        for url, default, router in (
            (city.office.acknowledge_base, "/ack", enterprise_router),
            (city.office.check_base, "/check", check_router),
        ):
            inside, reached = city.served(url, default)
            if inside != reached:
                continue  # under the city's root: its own app serves them
            if reached in taken:
                raise ConfigInvalid(
                    f"{code}与{taken[reached]}的签收链接地址相同（{reached}），请在各市 "
                    "approval.toml 的 acknowledge_base_url 中使用 /c/<代码>/ack"
                )
            taken[reached] = code
            app.include_router(router(dataclasses.replace(city, root="")))
        app.mount(city.root, create_app(city))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
