"""The composition root: the one place that turns settings into wired collaborators."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment
from sqlalchemy import Engine

from orchestrator.alerts.model import Ruleset, select_ruleset
from orchestrator.aqi.model import AqiStandard
from orchestrator.assessment.model import AssessmentConfig
from orchestrator.assessment.service import Assessor, ObservationSource
from orchestrator.clock import Clock, SystemClock
from orchestrator.config_files import (
    Approvals,
    load_approvals,
    load_assessment,
    load_city,
    load_console,
    load_consultation,
    load_controls,
    load_delivery,
    load_measure_book,
    load_rulesets,
    load_standards,
)
from orchestrator.consultation.config import ConsultationConfig
from orchestrator.consultation.service import Consultant
from orchestrator.controls.model import Control
from orchestrator.controls.service import ControlOffice
from orchestrator.db.database import make_engine, migrate
from orchestrator.delivery.config import DeliveryConfig
from orchestrator.delivery.worker import DeliveryWorker
from orchestrator.emissions.measures import MeasureBook
from orchestrator.emissions.model import CityProfile
from orchestrator.errors import ConfigInvalid
from orchestrator.links import LinkSigner, load_or_create_key
from orchestrator.notices.render import make_environment
from orchestrator.settings import PROJECT_ROOT, Settings, load_settings
from orchestrator.web.accounts import ConsoleConfig


@dataclass(frozen=True, slots=True)
class Context:
    settings: Settings
    standards: tuple[AqiStandard, ...]
    rulesets: tuple[Ruleset, ...]
    clock: Clock
    city: CityProfile
    measures: MeasureBook
    approvals: Approvals
    delivery: DeliveryConfig
    consultation: ConsultationConfig
    controls: tuple[Control, ...]
    console: ConsoleConfig
    assessment: AssessmentConfig
    drill: bool = False  # a drill: every notice, message and report is marked 演练

    def ruleset(self, ruleset_id: str | None = None) -> Ruleset:
        return select_ruleset(self.rulesets, ruleset_id or self.settings.ruleset)

    def templates(self) -> Environment:
        """The one Jinja2 environment: the city's overrides first, then the shipped templates."""
        return _templates(self.settings.templates_dir, self.settings.city_templates_dir, self.drill)

    def links(self) -> LinkSigner:
        """The signer of the enterprises' acknowledge links."""
        key = load_or_create_key(self.settings.link_secret, self.settings.data_dir / "link.key")
        return LinkSigner(key, self.delivery.link_valid_days)

    def delivery_worker(
        self,
        engine: Engine | None = None,
        config: DeliveryConfig | None = None,
        clock: Clock | None = None,
    ) -> DeliveryWorker:
        """A delivery worker on the configured database (or ``engine``), channels and clock."""
        notices = self.approvals.notices
        return DeliveryWorker(
            engine or self.database(),
            config=config or self.delivery,
            env=self.templates(),
            links=self.links(),
            clock=clock or self.clock,
            zone=self.settings.zone,
            region_name=self.city.region_name,
            acknowledge_base=notices["acknowledge_base_url"],
            office_phone=notices["office_phone"],
            receipt_hours=notices["receipt_hours"],
            root=self.settings.data_dir,
            pdf_base=self.settings.templates_dir,
        )

    def consultant(self, engine: Engine | None = None) -> Consultant:
        """The daily consultation on the configured database (or ``engine``) and sources."""
        return Consultant(
            engine or self.database(),
            config=self.consultation,
            ruleset=self.ruleset(),
            standards=self.standards,
            region_code=self.city.region_code,
            region_name=self.city.region_name,
            issuer=self.approvals.issuer,
            zone=self.settings.zone,
            root=PROJECT_ROOT,
            data_dir=self.settings.data_dir,
            env=self.templates(),
            pdf_base=self.settings.templates_dir,
        )

    def control_office(self, engine: Engine | None = None) -> ControlOffice:
        """Recurring controls on the configured database (or ``engine``); forecast-triggered
        ones read the consultation's default forecast source."""
        engine = engine or self.database()
        notices = self.approvals.notices
        consultant = self.consultant(engine)
        return ControlOffice(
            engine,
            controls=self.controls,
            region_code=self.city.region_code,
            region_name=self.city.region_name,
            issuer=self.approvals.issuer,
            office_phone=notices["office_phone"],
            acknowledge_base=notices["acknowledge_base_url"],
            links=self.links(),
            zone=self.settings.zone,
            env=self.templates(),
            outlook=lambda day, now: consultant.outlook(day, now),
        )

    def assessor(
        self, engine: Engine | None = None, monitoring: ObservationSource | None = None
    ) -> Assessor:
        """The effect assessment on the configured database (or ``engine``); observations not
        given come from ``monitoring``, by default the consultation's monitoring source."""
        engine = engine or self.database()
        return Assessor(
            engine,
            config=self.assessment,
            compliance=self.delivery.compliance,
            ruleset=self.ruleset(),
            standards=self.standards,
            region_code=self.city.region_code,
            region_name=self.city.region_name,
            issuer=self.approvals.issuer,
            zone=self.settings.zone,
            receipt_hours=self.approvals.notices["receipt_hours"],
            env=self.templates(),
            pdf_base=self.settings.templates_dir,
            monitoring=monitoring or self.consultant(engine).observations_between,
        )

    def database(self) -> Engine:
        """The engine of the configured database, migrated to the newest schema (once)."""
        return _database(self.settings.effective_database_url)


@functools.cache
def _templates(templates_dir: Path, override_dir: Path | None, drill: bool) -> Environment:
    return make_environment(templates_dir, override_dir, drill=drill)


@functools.cache
def _database(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Context:
    settings = settings or load_settings()
    city = load_city(settings.config_dir)
    if city.region_code != settings.region_code:
        raise ConfigInvalid(
            f"{settings.config_dir / 'city.toml'}: region_code {city.region_code} differs from the "
            f"settings' region_code {settings.region_code}"
        )
    return Context(
        settings=settings,
        standards=load_standards(settings.config_dir),
        rulesets=load_rulesets(settings.config_dir),
        clock=clock or SystemClock(settings.zone),
        city=city,
        approvals=load_approvals(settings.config_dir),
        measures=load_measure_book(settings.config_dir),
        delivery=load_delivery(settings.config_dir),
        consultation=load_consultation(settings.config_dir),
        controls=load_controls(settings.config_dir),
        console=load_console(settings.config_dir),
        assessment=load_assessment(settings.config_dir),
    )
