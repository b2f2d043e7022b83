"""The composition root: the one place that turns settings into wired collaborators.

:func:`bootstrap` reads the settings and every data file under ``config/`` into a
:class:`Context`; the context builds each use case over a unit of work on its database (the
configured one, or the one it was bound to with :meth:`Context.on`). The web service, the
command line, the scheduler, drills, the demo, the render workers and the tests all get their
objects here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment

from orchestrator.accounts.config import ConsoleConfig
from orchestrator.accounts.model import Scope
from orchestrator.accounts.service import Accounts
from orchestrator.alerts.model import Ruleset, select_ruleset
from orchestrator.aqi.model import AqiStandard
from orchestrator.assessment.config import AssessmentConfig
from orchestrator.assessment.electricity import Meters, suspect_words
from orchestrator.assessment.service import Assessor, ObservationSource
from orchestrator.audit.service import AuditTrail
from orchestrator.bootstrap.config_files import (
    CityFolder,
    Folder,
    load_assessment,
    load_city,
    load_console,
    load_consultation,
    load_controls,
    load_delivery,
    load_documents,
    load_grading,
    load_inspection,
    load_list_calendar,
    load_map,
    load_measure_book,
    load_network,
    load_outlines,
    load_province,
    load_regions,
    load_response,
    load_rulesets,
    load_standards,
)
from orchestrator.checks.service import CoverageChecks
from orchestrator.clock import Clock, SystemClock
from orchestrator.consultation.config import ConsultationConfig
from orchestrator.consultation.duty import DutyLine
from orchestrator.consultation.service import Consultant
from orchestrator.controls.model import Control
from orchestrator.controls.service import ControlOffice
from orchestrator.daily.service import DailyDispatch
from orchestrator.db.database import database_at, fresh_sqlite, open_database, tenant_url
from orchestrator.db.uow import Database
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.model import MessageKind, Recipient
from orchestrator.delivery.outbox import Outbox
from orchestrator.delivery.receipts import Receipts
from orchestrator.delivery.routing import unit_recipient
from orchestrator.delivery.units import UnitReceipts
from orchestrator.delivery.worker import DeliveryWorker
from orchestrator.emissions.calendar import ListCalendar
from orchestrator.emissions.measures import MeasureBook
from orchestrator.emissions.model import CityProfile
from orchestrator.emissions.service import ListService
from orchestrator.emissions.upgrading import GradingConfig
from orchestrator.errors import ConfigInvalid, InputInvalid
from orchestrator.geography.config import MapConfig
from orchestrator.geography.outlines import Outlines
from orchestrator.inspection.service import Inspections
from orchestrator.negotiation.service import Negotiations
from orchestrator.network.model import Matrix
from orchestrator.notices import parallel
from orchestrator.notices.links import LinkSigner, load_or_create_key
from orchestrator.notices.model import DocumentStyle, PlanChunk
from orchestrator.notices.parallel import WorkerBoot
from orchestrator.notices.render import make_environment, render
from orchestrator.notices.service import NoticeService
from orchestrator.region.config import ProvinceOffice
from orchestrator.region.documents import (
    LIFT_TEMPLATE,
    ORDER_TEMPLATE,
    REQUEST_TEMPLATE,
    lift_document,
    order_document,
    request_document,
)
from orchestrator.region.exchange import AwaitingPull, CityExchange, ProvinceExchange
from orchestrator.region.model import RegionTree, Tier
from orchestrator.region.ports import CityDesk, ProvinceInbox
from orchestrator.region.remote import RemoteProvince
from orchestrator.region.service import DirectiveDesk, ProvincialOffice
from orchestrator.region.signing import Signer, Verifier, load_signer, load_verifier
from orchestrator.response.config import Office, ResponseConfig
from orchestrator.response.service import CommandOffice
from orchestrator.settings import PROJECT_ROOT, Settings, load_settings


@dataclass(frozen=True, slots=True)
class Context:
    settings: Settings
    standards: tuple[AqiStandard, ...]
    rulesets: tuple[Ruleset, ...]
    clock: Clock
    city: CityProfile
    measures: MeasureBook
    response: ResponseConfig
    delivery: DeliveryConfig
    consultation: ConsultationConfig
    controls: tuple[Control, ...]
    console: ConsoleConfig
    assessment: AssessmentConfig
    documents: DocumentStyle
    map: MapConfig | None = None  # config/map.toml (None: no map)
    grading: GradingConfig | None = None  # config/grading.toml (None: no 创A升B targets)
    list_calendar: ListCalendar | None = None  # config/list.toml [calendar]
    network: Matrix | None = None  # config/network.toml (None: no response network)
    regions: RegionTree | None = None  # config/regions.toml (None: the city alone)
    province: ProvinceOffice | None = None  # config/province.toml (a provincial platform's)
    drill: bool = False  # a drill: every notice, message and report is marked 演练
    bound: Database | None = None  # the database it is bound to (None: the configured one)
    # In a provincial installation: the city this context is (None: the province itself), and
    # the installation's own database, where the console accounts are kept.
    tenant: str | None = None
    home: Database | None = None
    folder: Folder | None = None  # where its data files are found (None: settings.config_dir)
    # the cities' databases it was bound to, by code (a test's, a drill's; absent: beside its own)
    bound_cities: Mapping[str, Database] = dataclasses.field(default_factory=dict)

    # --- the area served -----------------------------------------------------------------------

    @property
    def provincial(self) -> bool:
        """The installation serves a province and all its cities."""
        return self.regions is not None and self.regions.provincial

    @property
    def province_home(self) -> bool:
        """This is the province's own context of a provincial installation: no city's work is
        done on it (:meth:`city_context` gives a city's)."""
        return self.provincial and self.tenant is None

    @property
    def area(self) -> str:
        """The code of the area this context acts for (a city's, or the province's)."""
        if self.province_home:
            assert self.regions is not None
            return self.regions.serves
        return self.city.region_code

    @property
    def account_region(self) -> str | None:
        """The region a console account added here acts for: the city's or the province's code
        on a provincial installation, None (the one city) on a city's own."""
        return self.area if self.provincial else None

    def scope(self) -> Scope:
        """Whose matters this context's pages and API serve (see :class:`Scope`)."""
        if not self.provincial:
            return Scope(city=self.city.region_code)
        assert self.regions is not None
        return Scope(
            city=self.tenant,
            province=self.regions.serves,
            names=tuple((r.code, r.name) for r in self.regions.regions),
        )

    def city_codes(self) -> tuple[str, ...]:
        """The cities the installation serves (hosts), by code: not those running their own
        installation under it (``config/province.toml`` [federation])."""
        if self.regions is None:
            return (self.city.region_code,)
        away = self.province.federated if self.province is not None and self.provincial else ()
        return tuple(r.code for r in self.regions.cities() if r.code not in away)

    @property
    def federated(self) -> bool:
        """A city's own installation under a provincial platform (``province_url`` set): its
        orders are fetched from there and its report-backs sent there."""
        return bool(self.settings.province_url) and not self.provincial

    @property
    def under_province(self) -> bool:
        """A city that answers to a provincial platform: hosted by it, or linked to it."""
        return self.tenant is not None or self.federated

    # --- federation -----------------------------------------------------------------------------

    def signer(self) -> Signer:
        """This installation's signing key (the province's, or the city's own)."""
        path = self.settings.federation_key_file
        if path is None:
            raise ConfigInvalid(
                "未配置本平台的签名私钥（设置 federation_key_file，"
                "由 orchestrator federation keygen 生成）"
            )
        return load_signer(self.area, path)

    def checker(self, code: str) -> Verifier:
        """The public key of the installation of ``code`` (config/federation/<code>.pub)."""
        return load_verifier(code, self.settings.config_dir / "federation" / f"{code}.pub")

    def province_exchange(self) -> ProvinceExchange:
        """The province's side of the cities running their own installation."""
        if self.province is None or not self.province_home or self.regions is None:
            raise InputInvalid("本系统不是省级平台，不向各市提供调度令")
        return ProvinceExchange(
            self.home or self.database(),
            office=self.province,
            tree=self.regions,
            signer=self.signer(),
            checkers={code: self.checker(code) for code in self.province.federated},
        )

    def city_exchange(self) -> CityExchange:
        """A city's own installation's side: its orders fetched, its report-backs sent."""
        if not self.federated or self.regions is None:
            raise InputInvalid("本系统未连接省级平台（设置 province_url 和 province_token）")
        if self.regions.root.tier is not Tier.PROVINCE:
            raise ConfigInvalid("config/regions.toml 未列出本市所属的省（[province]）")
        province = self.regions.root.code
        return CityExchange(
            self.uow(),
            province=province,
            city=self.city.region_code,
            desk=self.directive_desk,
            link=RemoteProvince(self.settings.province_url, self.settings.province_token),
            checker=self.checker(province),
            signer=self.signer(),
            clock=self.clock.now,
        )

    def city_context(self, code: str, database: Database | None = None) -> Context:
        """The context of the city ``code``: this one when it is that city, else (a provincial
        installation) the city's own configuration — ``config/cities/<code>/`` over the shared
        files, ``config/`` itself for the city of ``config/city.toml`` — on the city's own
        database (``database``, else the one beside the installation's: see
        :func:`~orchestrator.db.database.tenant_url`)."""
        if code == self.tenant or (not self.provincial and code == self.city.region_code):
            return self if database is None else self.on(database)
        if code not in self.city_codes() or not self.provincial:
            raise InputInvalid(f"本系统不服务行政区划代码为{code}的市")
        if self.tenant is not None:
            raise InputInvalid("一个市的上下文不能切换到另一个市")
        return _city_context(self, code, database or self.bound_cities.get(code))

    def on_cities(self, databases: Mapping[str, Database]) -> Context:
        """This (provincial) context with its cities bound to ``databases``, by code."""
        return dataclasses.replace(self, bound_cities=dict(databases))

    # --- configuration -------------------------------------------------------------------------

    @property
    def office(self) -> Office:
        """Who issues for which area."""
        return self.response.office

    def ruleset(self, ruleset_id: str | None = None) -> Ruleset:
        return select_ruleset(self.rulesets, ruleset_id or self.settings.ruleset)

    def templates(self) -> Environment:
        """The one Jinja2 environment: the city's overrides first, then the shipped templates."""
        return _templates(
            self.settings.templates_dir,
            self.settings.city_templates_dir,
            self.drill,
            self.documents,
        )

    def outlines(self) -> Outlines | None:
        """The county outlines of config/map.toml (read once per process)."""
        if self.map is None or not self.map.outlines:
            return None
        return _outlines(
            (self.folder or self.settings.config_dir) / self.map.outlines,
            self.map.name_property,
            self.city.counties,
        )

    def link_key(self) -> bytes:
        """The city's secret key: its acknowledge links' (each city of a provincial
        installation its own: one city's link never opens another's page)."""
        key = load_or_create_key(self.settings.link_secret, self.settings.data_dir / "link.key")
        if self.tenant is not None and self.settings.link_secret:
            key = hmac.new(key, f"city:{self.tenant}".encode(), hashlib.sha256).hexdigest().encode()
        return key

    def links(self) -> LinkSigner:
        """The signer of the enterprises' acknowledge links."""
        return LinkSigner(self.link_key(), self.delivery.link_valid_days)

    # --- the database --------------------------------------------------------------------------

    def on(self, database: Database) -> Context:
        """This context bound to another database (a drill's, the demo's, a test's)."""
        return dataclasses.replace(self, bound=database)

    def on_fresh(self, path: Path) -> Context:
        """This context bound to a new, empty SQLite database at ``path``."""
        return self.on(fresh_sqlite(path))

    def database(self) -> Database:
        """The bound database, else the configured one migrated to the newest schema (once);
        use cases open their units of work on it."""
        return self.bound or open_database(self.settings.effective_database_url)

    def uow(self) -> Database:
        """The database a city's use cases work on; refused on the province's own context."""
        if self.province_home:
            raise InputInvalid(
                "本系统服务全省：请指明办理哪个市的事项（命令行 --city 行政区划代码）"
            )
        return self.database()

    def accounts_database(self) -> Database:
        """Where the console accounts are kept: the installation's own database."""
        return self.home or self.database()

    # --- use cases -----------------------------------------------------------------------------

    def lists(self) -> ListService:
        """The emission list: import, check, read."""
        return ListService(
            self.uow(),
            city=self.city,
            book=self.measures,
            outlines=self.outlines(),
            grading=self.grading,
            calendar=self.list_calendar,
        )

    def negotiations(self) -> Negotiations:
        """Negotiated reductions (协商减排) recorded with alert revisions."""
        return Negotiations(self.uow(), region=self.office.region_code, zone=self.settings.zone)

    def notices(self, workers: int | None = None) -> NoticeService:
        """Every notice of an issued alert, rendered once (by worker processes when many)."""
        db = self.uow()
        s = self.settings

        def boot() -> WorkerBoot | None:
            if db.in_memory:  # no other process can open it
                return None
            return WorkerBoot(
                render_worker,
                (db.url, s.templates_dir, s.city_templates_dir, self.drill, self.documents),
            )

        return NoticeService(
            db,
            env=self.templates(),
            office=self.office,
            city=self.city,
            zone=self.settings.zone,
            links=self.links(),
            workers=workers,
            boot=boot,
            network=self.network,
        )

    def alerts(self, workers: int | None = None) -> CommandOffice:
        """The command office: draft, approve, issue (then the notices), adjust, lift."""
        return CommandOffice(
            self.uow(), config=self.response, city=self.city, notices=self.notices(workers)
        )

    def units(self) -> dict[str, Recipient]:
        """The response network's units as recipients of their task notices, by code."""
        if self.network is None:
            return {}
        return {u.uscc: unit_recipient(u) for u in self.network.units}

    def outbox(self, config: DeliveryConfig | None = None) -> Outbox:
        return Outbox(self.uow(), config or self.delivery, self.units())

    def receipts(self) -> Receipts:
        return Receipts(self.uow(), office=self.office)

    def unit_receipts(self) -> UnitReceipts:
        """The response network's units' side: their task notices and acknowledgements."""
        return UnitReceipts(self.uow(), office=self.office, units=self.units())

    def daily(self) -> DailyDispatch:
        """每日调度: daily reports, the day's round (chase, roll-up to the leaders)."""
        origin = urlsplit(self.office.acknowledge_base)
        return DailyDispatch(
            self.uow(),
            network=self.network,
            office=self.office,
            zone=self.settings.zone,
            delivery=self.delivery,
            units=self.units(),
            links=self.links(),
            env=self.templates(),
            console_base=f"{origin.scheme}://{origin.netloc}" if origin.netloc else "",
        )

    def checks(self) -> CoverageChecks:
        """核查任务: a coverage run's findings sent to the network's units, and their answers."""
        return CoverageChecks(
            self.uow(),
            network=self.network,
            office=self.office,
            zone=self.settings.zone,
            delivery=self.delivery,
            units=self.units(),
            links=self.links(),
            env=self.templates(),
        )

    def delivery_worker(
        self, config: DeliveryConfig | None = None, clock: Clock | None = None
    ) -> DeliveryWorker:
        """A delivery worker on the database, the configured (or given) channels and clock."""
        config = config or self.delivery
        db = self.uow()
        return DeliveryWorker(
            db,
            outbox=Outbox(db, config, self.units()),
            config=config,
            env=self.templates(),
            links=self.links(),
            clock=clock or self.clock,
            office=self.office,
            zone=self.settings.zone,
            root=self.settings.data_dir,
            pdf_base=self.settings.templates_dir,
            sqlite=db.dialect == "sqlite",
            complete_notices=self.notices().complete,
        )

    def consultant(self) -> Consultant:
        """The daily consultation on the database and the configured sources."""
        return Consultant(
            self.uow(),
            command=self.alerts(),
            config=self.consultation,
            ruleset=self.ruleset(),
            standards=self.standards,
            office=self.office,
            zone=self.settings.zone,
            root=PROJECT_ROOT,
            data_dir=self.settings.data_dir,
            env=self.templates(),
            pdf_base=self.settings.templates_dir,
        )

    def control_office(self) -> ControlOffice:
        """Recurring controls; forecast-triggered ones read the consultation's default source."""
        consultant = self.consultant()
        return ControlOffice(
            self.uow(),
            controls=self.controls,
            office=self.office,
            links=self.links(),
            zone=self.settings.zone,
            env=self.templates(),
            outlook=lambda day, now: consultant.outlook(day, now),
        )

    def meters(self) -> Meters:
        """Meter readings in, electricity evidence of compliance out."""
        return Meters(self.uow(), config=self.delivery.compliance)

    def inspections(self) -> Inspections:
        """The inspection evidence and each alert day's queue (config/inspection.toml); its
        random draw is keyed by a secret derived from the city's key."""
        meters = self.meters()

        def suspect(alert_id: int, now: dt.datetime) -> dict[str, list[tuple[str, str]]]:
            out: dict[str, list[tuple[str, str]]] = {}
            for line in meters.check(alert_id, now=now):
                if line.verdict == "suspect":
                    out.setdefault(line.uscc, []).append((line.line, suspect_words(line)))
            return out

        return Inspections(
            self.uow(),
            config=load_inspection(self.settings.config_dir),
            region=self.city.region_code,
            zone=self.settings.zone,
            receipt_hours=self.office.receipt_hours,
            secret=hmac.new(self.link_key(), b"inspection-draw", hashlib.sha256).digest(),
            electricity=suspect,
        )

    def assessor(self, monitoring: ObservationSource | None = None) -> Assessor:
        """The effect assessment; observations not given come from ``monitoring``, by default
        the consultation's monitoring source."""
        return Assessor(
            self.uow(),
            receipts=self.receipts(),
            meters=self.meters(),
            config=self.assessment,
            ruleset=self.ruleset(),
            standards=self.standards,
            office=self.office,
            zone=self.settings.zone,
            env=self.templates(),
            pdf_base=self.settings.templates_dir,
            monitoring=monitoring or self.consultant().observations_between,
            daily=self.daily(),
        )

    def province_office(self) -> ProvincialOffice:
        """The province's office: its 调度令 and the cities' report-backs (on the
        installation's own database), handing orders to each city's desk."""
        if not self.provincial or self.province is None:
            raise InputInvalid(
                "本系统不服务全省（config/regions.toml serves、config/province.toml）"
            )
        assert self.regions is not None
        db = self.home or self.database()
        root = self if self.tenant is None else None

        def desk(code: str) -> CityDesk:
            if root is None:
                raise InputInvalid("省级调度令只能由全省平台下达")
            if code in self.province.federated if self.province else False:
                found = root.regions.get(code) if root.regions else None
                return AwaitingPull(found.name if found else code)
            return root.city_context(code).directive_desk()

        return ProvincialOffice(
            db, office=self.province, tree=self.regions, zone=self.settings.zone, desks=desk
        )

    def directive_document(self, directive_id: int, *, lift: bool = False) -> tuple[str, str]:
        """A 调度令's document (its lifting notice when ``lift``): (file name, HTML), as
        GB/T 9704 documents are rendered; refused when the order is not issued (lifted) yet."""
        office = self.province_office()
        d = office.directive(directive_id)
        assert self.province is not None
        assert self.regions is not None
        zone = self.settings.zone
        if lift:
            if d.lifted_at is None:
                raise InputInvalid(f"调度令{d.number or directive_id}尚未解除，没有解除通知")
            context: object = lift_document(d, self.province, self.regions, zone)
            template, name = LIFT_TEMPLATE, f"解除调度令-{d.lift_number}.html"
        else:
            if d.issued_at is None:
                raise InputInvalid(f"调度令{directive_id}尚未发布，没有文件")
            context = order_document(d, self.province, self.regions, zone)
            template, name = ORDER_TEMPLATE, f"调度令-{d.number}.html"
        return name, render(self.templates(), template, context)

    def request_document(self, ref: int) -> tuple[str, str]:
        """The city's newest request (请示) to lift its province's order ``ref`` early: (file
        name, HTML); refused when it made none."""
        if self.regions is None:
            raise InputInvalid("未配置行政区划（config/regions.toml）")
        desk = self.directive_desk()
        province = self.regions.root.code
        got = desk.received_order(province, ref)
        made = desk.requests(province, ref)
        if not made:
            raise InputInvalid(f"本市未就调度令{got.order.number}申请提前解除，没有请示")
        issued = None
        if got.alert_id is not None:
            revisions = self.alerts().revisions(got.alert_id)
            issued = next((v for v in revisions if v.state.issued_at is not None), None)
        context = request_document(got, made[-1], self.office, self.settings.zone, issued)
        return f"请示-{made[-1].number}.html", render(self.templates(), REQUEST_TEMPLATE, context)

    def directive_desk(self) -> DirectiveDesk:
        """The city's side of its province's 调度令: receive, report back, ask to lift."""

        def inbox() -> ProvinceInbox | None:
            if self.tenant is not None and self.province is not None:
                return self.province_office()
            if self.federated:
                return self.city_exchange()
            return None

        return DirectiveDesk(
            self.uow(),
            city=self.city.region_code,
            zone=self.settings.zone,
            command=self.alerts(),
            receipts=self.receipts(),
            daily=self.daily(),
            inbox=inbox,
            tell=self.tell_duty,
            counties={r.code: r.name for r in self.regions.counties(self.city.region_code)}
            if self.regions is not None
            else {},
        )

    def tell_duty(self, key: str, subject: str, text: str) -> bool:
        """Tell the city's duty officers at once, on the channels of config/consultation.toml
        [notify]: True when every channel took it."""
        if self.drill:
            subject = "【演练】" + subject
        page = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
        told = DutyLine(self.consultation, data_dir=self.settings.data_dir).tell(
            key=key,
            kind=MessageKind.DIRECTIVE,
            folder="directives",
            recipient=key.replace(":", "-"),
            subject=subject,
            text=f"{subject}\n{text}",
            html=(
                f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                f"<title>{html.escape(subject)}</title></head><body><h1>{html.escape(subject)}</h1>"
                f"{page}</body></html>"
            ),
            filename=f"{subject}.html",
        )
        return told.done

    def accounts(self) -> Accounts:
        return Accounts(self.accounts_database(), policy=self.console.policy)

    def audit_log(self) -> AuditTrail:
        return AuditTrail(self.database())


@functools.cache
def _outlines(path: Path, name_property: str, counties: tuple[str, ...]) -> Outlines:
    return load_outlines(path, name_property, counties)


@functools.cache
def _templates(
    templates_dir: Path, override_dir: Path | None, drill: bool, style: DocumentStyle
) -> Environment:
    return make_environment(templates_dir, override_dir, drill=drill, style=style)


def render_worker(
    url: str, templates_dir: Path, override_dir: Path | None, drill: bool, style: DocumentStyle
) -> None:
    """Start a render worker process: its own engine on the database, its own templates."""
    db = database_at(url)

    def read(chunk: PlanChunk) -> list[tuple[str, dict[str, Any]]]:
        with db() as uow:
            return uow.plans.chunk(chunk)

    env = make_environment(templates_dir, override_dir, auto_reload=False, drill=drill, style=style)
    parallel.install(read, env)


def _city_context(province: Context, code: str, database: Database | None) -> Context:
    s = province.settings
    own = s.config_dir / "cities" / code
    folder: Folder = CityFolder(own, s.config_dir)
    if code == province.city.region_code and not own.exists():
        folder = s.config_dir  # the city of config/city.toml keeps config/ as its own
    city = load_city(folder)
    if city.region_code != code:
        raise ConfigInvalid(f"{folder / 'city.toml'}: region_code {city.region_code} is not {code}")
    base = province.database()
    templates = own / "templates"
    settings = s.model_copy(
        update={
            "region_code": code,
            "region_name": city.region_name,
            "data_dir": s.data_dir / "cities" / code,
            "database_url": "" if database is not None else tenant_url(base.url, code),
            "city_templates_dir": templates if templates.is_dir() else s.city_templates_dir,
        }
    )
    return dataclasses.replace(
        _context(settings, folder, city, province.clock, serves=province.area),
        drill=province.drill,
        bound=database,
        tenant=code,
        home=base,
        folder=folder,
    )


def _context(
    settings: Settings, folder: Folder, city: CityProfile, clock: Clock, serves: str = ""
) -> Context:
    return Context(
        settings=settings,
        standards=load_standards(folder),
        rulesets=load_rulesets(folder),
        clock=clock,
        city=city,
        response=load_response(folder, city),
        measures=load_measure_book(folder),
        delivery=load_delivery(folder),
        consultation=load_consultation(folder),
        controls=load_controls(folder),
        console=load_console(folder),
        assessment=load_assessment(folder),
        documents=load_documents(folder),
        map=load_map(folder),
        grading=load_grading(folder),
        list_calendar=load_list_calendar(folder),
        network=load_network(folder, city),
        regions=load_regions(folder, city, serves),
        province=load_province(folder),
    )


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Context:
    settings = settings or load_settings()
    city = load_city(settings.config_dir)
    if city.region_code != settings.region_code:
        raise ConfigInvalid(
            f"{settings.config_dir / 'city.toml'}: region_code {city.region_code} differs from the "
            f"settings' region_code {settings.region_code}"
        )
    return _context(
        settings, settings.config_dir, city, clock or SystemClock(settings.zone), settings.serves
    )
