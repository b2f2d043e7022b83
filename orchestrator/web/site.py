"""What the web service serves with: the office, the clock, the templates and the use cases
``bootstrap`` built, handed to every router."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment

from orchestrator.accounts.config import ConsoleConfig
from orchestrator.accounts.model import Scope
from orchestrator.accounts.service import Accounts
from orchestrator.assessment.service import Assessor
from orchestrator.audit.service import AuditTrail
from orchestrator.checks.service import CoverageChecks
from orchestrator.clock import Clock
from orchestrator.consultation.service import Consultant
from orchestrator.controls.service import ControlOffice
from orchestrator.daily.service import DailyDispatch
from orchestrator.delivery.callbacks import CallbackKey
from orchestrator.delivery.outbox import Outbox
from orchestrator.delivery.receipts import Receipts
from orchestrator.delivery.units import UnitReceipts
from orchestrator.emissions.service import ListService
from orchestrator.geography.config import MapConfig
from orchestrator.geography.outlines import Outlines
from orchestrator.negotiation.service import Negotiations
from orchestrator.notices.links import LinkSigner
from orchestrator.notices.service import NoticeService
from orchestrator.region.service import DirectiveDesk
from orchestrator.response.config import Office
from orchestrator.response.service import CommandOffice
from orchestrator.web.dashboard import PageReads, Recent


@dataclass(frozen=True, slots=True)
class Site:
    office: Office
    zone: ZoneInfo
    clock: Clock
    env: Environment
    links: LinkSigner
    console: ConsoleConfig
    alerts: CommandOffice
    notices: NoticeService
    lists: ListService
    receipts: Receipts
    units: UnitReceipts  # the response network's units: task notices and acknowledgements
    daily: DailyDispatch  # 每日调度: daily reports and the roll-up
    checks: CoverageChecks  # 核查任务: coverage findings sent to the units, and their answers
    outbox: Outbox
    consultant: Consultant
    controls: ControlOffice
    accounts: Accounts
    audit: AuditTrail
    negotiations: Negotiations
    uploads: Path  # where list uploads wait for their confirmation
    reads: Callable[[], PageReads]  # one unit of work for a page that reads several concepts
    assessor: Assessor | None = None  # the effect assessment (None: not offered)
    map: MapConfig | None = None  # the console's map (None: config/map.toml absent)
    outlines: Outlines | None = None  # the counties' outlines it draws
    # the secret SMS delivery reports are signed with; unset, /callbacks/sms refuses them all
    sms_callback: CallbackKey | None = None
    # the 调度令 the city received from its province (None: a city under no provincial platform)
    directives: DirectiveDesk | None = None
    # the city's newest request (请示) to lift an order early, by the order's number (None: none)
    requests: Callable[[int], tuple[str, str]] | None = None
    # where the browser reaches it ("": the root; "/c/<code>": a city of a provincial installation)
    root: str = ""
    scope: Scope = field(
        default_factory=Scope
    )  # whose matters it serves (the accounts that reach it)
    # the dashboard's receipt counts, shared by the pages and the API of one process
    recent: Recent = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "recent", Recent(self.console.receipts_seconds))

    @property
    def issuer(self) -> str:
        return self.office.issuer

    def served(self, url: str, default: str) -> tuple[str, str]:
        """Where the pages behind a link base ``url`` (the enterprises' or the check tasks')
        are: (their routes' path in this app, the path the browser reaches). Under this site's
        ``root`` the mount strips the root; elsewhere the path is taken as it is."""
        full = urlsplit(url).path.rstrip("/") or default
        if self.root and full.startswith(self.root + "/"):
            return full[len(self.root) :], full
        return full, full
