"""Console accounts: users with roles, Argon2id password hashes (argon2-cffi), lockout after
repeated failures, server-side sessions (the cookie holds a random token; the database keeps
only its SHA-256, with the session's CSRF token) and API tokens for integrations."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.db.tables import api_tokens, users, web_sessions
from orchestrator.errors import OrchestratorError
from orchestrator.plans.lifecycle import Person, Role

#: Console roles and their Chinese names. The approving roles are the lifecycle's own.
ROLES = {
    "admin": "系统管理员",
    "duty_officer": "值班人员",
    "director": "应急办主任",
    "vice_mayor": "分管副市长",
    "mayor": "市长",
    "viewer": "只读用户",
}
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 10

_HASHER = PasswordHasher()  # Argon2id, the library's current recommended parameters
# verified against when the user does not exist, so that both answers take as long
_DUMMY = _HASHER.hash(secrets.token_hex(16))


class AccountError(OrchestratorError):
    """A refused account operation or sign-in; the message is shown to the user (Chinese)."""


@dataclass(frozen=True, slots=True)
class Policy:
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    session_hours: float = 12.0


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    policy: Policy
    secure_cookies: bool = False
    # the dashboard's receipt counts are recomputed at most this often (0: on every view)
    receipts_seconds: float = 0.0

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str) -> ConsoleConfig:
        try:
            policy = Policy(
                lockout_attempts=int(data.get("lockout_attempts", 5)),
                lockout_minutes=int(data.get("lockout_minutes", 15)),
                session_hours=float(data.get("session_hours", 12)),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source}: {exc}") from None
        if policy.lockout_attempts < 1 or policy.lockout_minutes < 1 or policy.session_hours <= 0:
            raise ValueError(
                f"{source}: lockout_attempts, lockout_minutes and session_hours must be positive"
            )
        try:
            receipts_seconds = float(data.get("receipts_seconds", 0))
        except (TypeError, ValueError):
            raise ValueError(f"{source}: receipts_seconds must be a number of seconds") from None
        if not 0 <= receipts_seconds <= 300:
            raise ValueError(f"{source}: receipts_seconds must be between 0 and 300")
        return cls(policy, bool(data.get("secure_cookies", False)), receipts_seconds)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    active: bool

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def person(self) -> Person | None:
        """Who the user is for the alert lifecycle (None: admin and viewer act on no alert)."""
        try:
            return Person(name=self.display_name, role=Role(self.role))
        except ValueError:
            return None


def _user(row: Any) -> User:
    return User(row.id, row.username, row.display_name, row.role, row.active)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    engine: Engine, *, username: str, display_name: str, role: str, password: str, now: dt.datetime
) -> User:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountError("用户名应为2至32位小写字母、数字或._-，以字母或数字开头")
    if not display_name.strip():
        raise AccountError("请填写姓名（签发文件时使用）")
    if role not in ROLES:
        raise AccountError(f"未知角色“{role}”（可用：{'、'.join(ROLES)}）")
    check_password(password)
    try:
        with engine.begin() as conn:
            row = conn.execute(
                insert(users)
                .values(
                    username=username,
                    display_name=display_name.strip(),
                    role=role,
                    password_hash=_HASHER.hash(password),
                    active=True,
                    failed_logins=0,
                    created_at=now,
                )
                .returning(users)
            ).one()
    except IntegrityError:
        raise AccountError(f"用户名“{username}”已存在") from None
    return _user(row)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少{MIN_PASSWORD}位")
    if password.isdigit() or password.isalpha():
        raise AccountError("密码应同时包含字母和数字或符号")


def set_password(engine: Engine, username: str, password: str) -> None:
    check_password(password)
    with engine.begin() as conn:
        done = conn.execute(
            update(users)
            .where(users.c.username == username)
            .values(password_hash=_HASHER.hash(password), failed_logins=0, locked_until=None)
        )
    if done.rowcount != 1:
        raise AccountError(f"用户“{username}”不存在")


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def authenticate(
    engine: Engine, username: str, password: str, *, now: dt.datetime, policy: Policy
) -> User:
    """The user, if the password is right and the account neither locked nor disabled. Each
    wrong password counts; after ``lockout_attempts`` in a row the account is locked for
    ``lockout_minutes``. The message never says whether the user exists."""
    wrong = AccountError("用户名或密码不正确")
    with engine.connect() as conn:
        row = conn.execute(
            select(users).where(users.c.username == username.strip().lower())
        ).first()
    if row is None:
        _verify(_DUMMY, password)
        raise wrong
    if row.locked_until is not None and row.locked_until > now:
        left = max(1, math.ceil((row.locked_until - now).total_seconds() / 60))
        raise AccountError(f"连续登录失败次数过多，账户已锁定，请{left}分钟后重试或联系系统管理员")
    if not _verify(row.password_hash, password):
        failed = row.failed_logins + 1
        values: dict[str, Any] = {"failed_logins": failed}
        if failed >= policy.lockout_attempts:
            values = {
                "failed_logins": 0,
                "locked_until": now + dt.timedelta(minutes=policy.lockout_minutes),
            }
        with engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == row.id).values(values))
        if "locked_until" in values:
            raise AccountError(
                f"连续{policy.lockout_attempts}次登录失败，账户已锁定{policy.lockout_minutes}分钟"
            )
        raise wrong
    if not row.active:
        raise AccountError("账户已停用，请联系系统管理员")
    values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if _HASHER.check_needs_rehash(row.password_hash):
        values["password_hash"] = _HASHER.hash(password)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == row.id).values(values))
    return _user(row)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- sessions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str
    expires_at: dt.datetime


def open_session(engine: Engine, user: User, *, now: dt.datetime, policy: Policy) -> str:
    """A new session for ``user``; returns the token for the cookie (kept nowhere else)."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(web_sessions).values(
                token_hash=_digest(token),
                user_id=user.id,
                csrf=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + dt.timedelta(hours=policy.session_hours),
            )
        )
    return token


def session_of(engine: Engine, token: str, *, now: dt.datetime) -> Session | None:
    if not token:
        return None
    s, u = web_sessions.c, users.c
    with engine.connect() as conn:
        row = conn.execute(
            select(users, s.csrf, s.expires_at)
            .join(web_sessions, s.user_id == u.id)
            .where(s.token_hash == _digest(token), s.expires_at > now, u.active.is_(True))
        ).first()
    if row is None:
        return None
    return Session(_user(row), row.csrf, row.expires_at)


def close_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == _digest(token)))


# --- API tokens --------------------------------------------------------------------------------


def issue_token(engine: Engine, username: str, name: str, *, now: dt.datetime) -> str:
    """A new API token acting as ``username`` (shown once; only its SHA-256 is kept)."""
    token = "orc_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
        if user_id is None:
            raise AccountError(f"用户“{username}”不存在")
        conn.execute(
            insert(api_tokens).values(
                user_id=user_id, name=name, token_hash=_digest(token), created_at=now
            )
        )
    return token


def token_user(engine: Engine, token: str, *, now: dt.datetime) -> User | None:
    t, u = api_tokens.c, users.c
    with engine.begin() as conn:
        row = conn.execute(
            select(users, t.id.label("token_id"))
            .join(api_tokens, t.user_id == u.id)
            .where(t.token_hash == _digest(token), t.revoked_at.is_(None), u.active.is_(True))
        ).first()
        if row is None:
            return None
        conn.execute(update(api_tokens).where(t.id == row.token_id).values(last_used_at=now))
    return _user(row)


def revoke_token(engine: Engine, token_id: int, *, now: dt.datetime) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return done.rowcount == 1
