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

    @property
    def role_label(self) -> str:
        return self.role.label

    @property
    def person(self) -> Person | None:
        """Who the user is for the alert lifecycle (None: admin and viewer act on no alert)."""
        if not self.role.acts:
            return None
        return Person(name=self.display_name, role=self.role)


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
