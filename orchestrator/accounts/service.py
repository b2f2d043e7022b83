"""Console accounts: users with roles, Argon2id password hashes (argon2-cffi), lockout after
repeated failures, server-side sessions (the cookie holds a random token; the store keeps only
its SHA-256, with the session's CSRF token) and API tokens for integrations. Signing in and out
is audited by the use case, in the transaction of the change."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re
import secrets
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from orchestrator.accounts.config import Policy
from orchestrator.accounts.model import AccountError, Session, TokenInfo, User
from orchestrator.accounts.ports import AccountUnitOfWork
from orchestrator.audit.model import AuditAction, AuditEntry
from orchestrator.errors import Conflict
from orchestrator.response.model import Role

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 10

_HASHER = PasswordHasher()  # Argon2id, the library's current recommended parameters


@functools.cache
def _dummy() -> str:
    """Verified against when the user does not exist, so that both answers take as long
    (hashed on first use, not when the module is imported)."""
    return _HASHER.hash(secrets.token_hex(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少{MIN_PASSWORD}位")
    if password.isdigit() or password.isalpha():
        raise AccountError("密码应同时包含字母和数字或符号")


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class Accounts:
    """Users, sign-in, sessions and API tokens."""

    def __init__(self, uow: Callable[[], AccountUnitOfWork], *, policy: Policy) -> None:
        self.uow, self.policy = uow, policy

    def add_user(
        self,
        *,
        username: str,
        display_name: str,
        role: str,
        password: str,
        now: dt.datetime,
        region: str | None = None,
    ) -> User:
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise AccountError("用户名应为2至32位小写字母、数字或._-，以字母或数字开头")
        if not display_name.strip():
            raise AccountError("请填写姓名（签发文件时使用）")
        try:
            chosen = Role(role)
        except ValueError:
            raise AccountError(f"未知角色“{role}”（可用：{'、'.join(Role)}）") from None
        check_password(password)
        try:
            with self.uow() as uow:
                user = uow.accounts.add_user(
                    username=username,
                    display_name=display_name.strip(),
                    role=chosen,
                    password_hash=_HASHER.hash(password),
                    created_at=now,
                    region=region,
                )
                uow.commit()
        except Conflict:
            raise AccountError(f"用户名“{username}”已存在") from None
        return user

    def set_password(
        self, username: str, password: str, *, by: str = "", now: dt.datetime | None = None
    ) -> None:
        """A new password (and the lockout lifted); every session of the user ends."""
        check_password(password)
        with self.uow() as uow:
            done = uow.accounts.set_password(username, _HASHER.hash(password))
            if not done:
                raise AccountError(f"用户“{username}”不存在")
            ended = uow.accounts.end_sessions(username)
            self._audit(uow, by, now, f"重设{username}的密码，结束其会话{ended}个")
            uow.commit()

    def set_active(self, username: str, active: bool, *, by: str, now: dt.datetime) -> User:
        """Disable a user (signed out everywhere, API tokens unusable, sign-in refused) or enable
        one again."""
        with self.uow() as uow:
            user = uow.accounts.change(username, active=active)
            if user is None:
                raise AccountError(f"用户“{username}”不存在")
            ended = uow.accounts.end_sessions(username) if not active else 0
            what = f"停用{username}，结束其会话{ended}个" if not active else f"启用{username}"
            self._audit(uow, by, now, what)
            uow.commit()
        return user

    def set_role(self, username: str, role: Role, *, by: str, now: dt.datetime) -> User:
        """Give a user another role; every session ends, so the next sign-in carries it."""
        with self.uow() as uow:
            before = uow.accounts.credentials(username)
            user = uow.accounts.change(username, role=role.value)
            if user is None or before is None:
                raise AccountError(f"用户“{username}”不存在")
            uow.accounts.end_sessions(username)
            self._audit(
                uow, by, now, f"{username}的角色由{before.user.role_label}改为{user.role_label}"
            )
            uow.commit()
        return user

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        with self.uow() as uow:
            return uow.accounts.tokens(username)

    @staticmethod
    def _audit(uow: AccountUnitOfWork, by: str, now: dt.datetime | None, what: str) -> None:
        if now is not None:
            uow.audit.record(
                AuditEntry(
                    at=now, actor=by or "系统管理员", action=AuditAction.ACCOUNT, reason=what
                )
            )

    def users(self) -> list[User]:
        with self.uow() as uow:
            return uow.accounts.users()

    def authenticate(self, username: str, password: str, *, now: dt.datetime) -> User:
        """The user, if the password is right and the name neither locked nor the account
        disabled. Every attempt is counted under the name typed — in one statement, before the
        password is checked, so parallel guesses cannot outrun the count — whether or not such a
        user exists: after ``lockout_attempts`` failures in a row the name is locked for
        ``lockout_minutes``, and no answer says whether the user exists."""
        policy = self.policy
        name = username.strip().lower()[:64]
        with self.uow() as uow:
            tried, locked_until = uow.accounts.attempt(name, now=now)
            if (locked_until is None or locked_until <= now) and tried > policy.lockout_attempts:
                locked_until = now + dt.timedelta(minutes=policy.lockout_minutes)
                uow.accounts.lock(name, locked_until)
            found = uow.accounts.credentials(name)
            uow.commit()
        if locked_until is not None and locked_until > now:
            left = max(1, math.ceil((locked_until - now).total_seconds() / 60))
            raise AccountError(
                f"连续登录失败次数过多，账户已锁定，请{left}分钟后重试或联系系统管理员"
            )
        right = _verify(found.password_hash if found else _dummy(), password) and found is not None
        if not right:
            if tried >= policy.lockout_attempts:
                with self.uow() as uow:
                    uow.accounts.lock(name, now + dt.timedelta(minutes=policy.lockout_minutes))
                    uow.commit()
                raise AccountError(
                    f"连续{policy.lockout_attempts}次登录失败，账户已锁定{policy.lockout_minutes}分钟"
                )
            raise AccountError("用户名或密码不正确")
        assert found is not None
        user = found.user
        if not user.active:
            raise AccountError("账户已停用，请联系系统管理员")
        rehash = _HASHER.hash(password) if _HASHER.check_needs_rehash(found.password_hash) else None
        with self.uow() as uow:
            uow.accounts.clear_attempts(name)
            uow.accounts.signed_in(user.id, at=now, password_hash=rehash)
            uow.commit()
        return user

    def sign_in(self, username: str, password: str, *, now: dt.datetime) -> tuple[User, str]:
        """:meth:`authenticate` and :meth:`open_session`, the attempt audited either way (a
        failure under the username typed)."""
        try:
            user = self.authenticate(username, password, now=now)
        except AccountError as exc:
            with self.uow() as uow:
                uow.audit.record(
                    AuditEntry(
                        at=now,
                        actor=username.strip()[:64] or "（未填用户名）",
                        action=AuditAction.SIGN_IN_FAILED,
                        reason=str(exc),
                    )
                )
                uow.commit()
            raise
        return user, self.open_session(user, now=now)

    def open_session(self, user: User, *, now: dt.datetime) -> str:
        """A new session for ``user``, audited; returns the token for the cookie (kept nowhere
        else)."""
        token = secrets.token_urlsafe(32)
        with self.uow() as uow:
            uow.accounts.open_session(
                token_hash=_digest(token),
                user_id=user.id,
                csrf=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + dt.timedelta(hours=self.policy.session_hours),
            )
            uow.audit.record(
                AuditEntry(at=now, actor=user.display_name, action=AuditAction.SIGN_IN)
            )
            uow.commit()
        return token

    def session_of(self, token: str, *, now: dt.datetime) -> Session | None:
        if not token:
            return None
        with self.uow() as uow:
            return uow.accounts.session(_digest(token), now)

    def sign_out(self, token: str, *, user: User, now: dt.datetime) -> None:
        with self.uow() as uow:
            uow.accounts.close_session(_digest(token))
            uow.audit.record(
                AuditEntry(at=now, actor=user.display_name, action=AuditAction.SIGN_OUT)
            )
            uow.commit()

    def issue_token(
        self, username: str, name: str, *, now: dt.datetime, days: int = 365, by: str = ""
    ) -> str:
        """A new API token acting as ``username`` for ``days`` (shown once; only its SHA-256 is
        kept)."""
        if not 1 <= days <= 3650:
            raise AccountError("API令牌有效期须为1至3650天")
        token = "orc_" + secrets.token_urlsafe(32)
        with self.uow() as uow:
            if not uow.accounts.add_token(
                username,
                name=name,
                token_hash=_digest(token),
                created_at=now,
                expires_at=now + dt.timedelta(days=days),
            ):
                raise AccountError(f"用户“{username}”不存在")
            self._audit(uow, by, now, f"为{username}签发API令牌（{name}，{days}天）")
            uow.commit()
        return token

    def token_user(self, token: str, *, now: dt.datetime) -> User | None:
        with self.uow() as uow:
            user = uow.accounts.token_user(_digest(token), now)
            uow.commit()
        return user

    def revoke_token(self, token_id: int, *, now: dt.datetime, by: str = "") -> bool:
        """False if there is no such token or it was revoked already."""
        with self.uow() as uow:
            done = uow.accounts.revoke_token(token_id, now)
            if done:
                self._audit(uow, by, now, f"吊销API令牌{token_id}")
            uow.commit()
        return done
