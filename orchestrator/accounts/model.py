"""Console accounts as values (pure): users, sessions, and what each role may do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from orchestrator.errors import OrchestratorError
from orchestrator.response.model import Action, Person, Role


class AccountError(OrchestratorError):
    """A refused account operation or sign-in; the message is shown to the user (Chinese)."""


class Permission(StrEnum):
    """What a console page or API call needs; reading is open to every signed-in role."""

    VIEW = "view"
    DRAFT = "draft"
    APPROVE = "approve"
    ISSUE = "issue"
    RESEND = "resend"
    DAILY = "daily"  # 每日调度: enter a daily report for an enterprise or unit (代报)
    LIST_UPLOAD = "list_upload"
    USERS = "users"
    AUDIT = "audit"


#: Who may do what.
PERMITS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW: frozenset(Role),
    Permission.DRAFT: frozenset({Role.DUTY_OFFICER, Role.DIRECTOR}),
    Permission.APPROVE: frozenset({Role.DIRECTOR, Role.VICE_MAYOR, Role.MAYOR}),
    Permission.ISSUE: frozenset({Role.DUTY_OFFICER, Role.DIRECTOR}),
    Permission.RESEND: frozenset({Role.DUTY_OFFICER, Role.DIRECTOR}),
    Permission.DAILY: frozenset({Role.DUTY_OFFICER, Role.DIRECTOR}),
    Permission.LIST_UPLOAD: frozenset({Role.ADMIN, Role.DIRECTOR}),
    Permission.USERS: frozenset({Role.ADMIN}),
    Permission.AUDIT: frozenset(Role) - {Role.VIEWER},
}

#: The permission each lifecycle action needs.
ACTION_PERMISSION: dict[Action, Permission] = {
    Action.SUBMIT: Permission.DRAFT,
    Action.WITHDRAW: Permission.DRAFT,
    Action.APPROVE: Permission.APPROVE,
    Action.REJECT: Permission.APPROVE,
    Action.ISSUE: Permission.ISSUE,
    Action.UPGRADE: Permission.DRAFT,
    Action.DOWNGRADE: Permission.DRAFT,
    Action.EXTEND: Permission.DRAFT,
    Action.LIFT: Permission.DRAFT,
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in PERMITS[permission]


def holders(permission: Permission) -> str:
    """The roles holding ``permission``, in words (refusals say who may)."""
    return "、".join(r.label for r in sorted(PERMITS[permission], key=lambda r: r.value))


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    # the city's or the province's code the account acts for (None: the one city of a city's
    # own installation)
    region: str | None = None

    @property
    def role_label(self) -> str:
        return self.role.label

    @property
    def person(self) -> Person | None:
        """Who the user is for the alert lifecycle (None: admin and viewer act on no alert)."""
        if not self.role.acts:
            return None
        return Person(name=self.display_name, role=self.role)


#: What an account that only sees a site (a provincial officer on a city's pages) may do there.
SEEING = frozenset({Permission.VIEW, Permission.AUDIT})


class Reach(StrEnum):
    """What an account may do on a site (a city's console, or the province's)."""

    NONE = "none"  # neither see nor act
    READ = "read"  # see only (a provincial officer on a city's pages)
    FULL = "full"  # see, and act as the role allows


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Whose matters a site serves: ``city`` (None: the province's own pages), under
    ``province`` (None: a city's own installation, the default), with the names of the regions
    for the refusals."""

    city: str | None = None
    province: str | None = None
    names: tuple[tuple[str, str], ...] = ()

    def name(self, code: str | None) -> str:
        return dict(self.names).get(code or "", code or "未指定地区")

    @property
    def here(self) -> str:
        return self.name(self.city or self.province)

    def reach(self, user: User) -> Reach:
        """A city's own installation: its accounts (no region, or the city's) act. A provincial
        installation: a city's accounts act on that city only; the province's see every city and
        act on the province's own pages; an account without a region reaches nothing."""
        if self.province is None:
            return Reach.FULL if user.region in (None, self.city) else Reach.NONE
        if user.region is None:
            return Reach.NONE
        if self.city is None:
            return Reach.FULL if user.region == self.province else Reach.NONE
        if user.region == self.city:
            return Reach.FULL
        return Reach.READ if user.region == self.province else Reach.NONE

    def refusal(self, user: User, permission: Permission) -> str | None:
        """Why ``user`` may not do what ``permission`` allows here, in words (None: the region
        is no obstacle; the role is checked on its own)."""
        reach = self.reach(user)
        if reach is Reach.FULL or (reach is Reach.READ and permission in SEEING):
            return None
        if reach is Reach.READ:
            return f"省级账号可查看{self.here}的事项，但不能代其办理，请由{self.here}的账号办理。"
        if user.region is None:
            return "您的账号未指定所属地区，请系统管理员以 --city 重新添加。"
        return f"您的账号属于{self.name(user.region)}，无权查看或办理{self.here}的事项。"


@dataclass(frozen=True, slots=True)
class Credentials:
    """What signing in checks: the user and the password hash."""

    user: User
    password_hash: str


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as an administrator sees it (never the token itself)."""

    id: int
    username: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
