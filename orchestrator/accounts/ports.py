"""What console accounts need from outside: the store of users, sessions and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from orchestrator.accounts.model import Credentials, Session, TokenInfo, User
from orchestrator.audit.ports import UnitOfWork
from orchestrator.response.model import Role


class AccountStore(Protocol):
    """Users (unique usernames), server-side sessions and API tokens; tokens are kept only as
    their SHA-256."""

    def add_user(
        self,
        *,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str,
        created_at: dt.datetime,
        region: str | None = None,
    ) -> User:
        """:class:`~orchestrator.errors.Conflict` if the username is taken."""
        ...

    def set_password(self, username: str, password_hash: str) -> bool:
        """Set the hash and lift a lockout; False if there is no such user."""
        ...

    def users(self) -> list[User]: ...

    def change(self, username: str, **values: Any) -> User | None:
        """Set ``active`` or ``role`` (its value); None if there is no such user."""
        ...

    def end_sessions(self, username: str) -> int:
        """Sign the user out everywhere; how many sessions ended."""
        ...

    def tokens(self, username: str | None) -> list[TokenInfo]: ...

    def credentials(self, username: str) -> Credentials | None: ...

    def attempt(self, username: str, *, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """Count one attempt under the name typed, atomically, before the password is checked:
        (attempts since the last success or expired lock, locked until)."""
        ...

    def lock(self, username: str, until: dt.datetime) -> None: ...

    def clear_attempts(self, username: str) -> None:
        """A success (or a new password) ends the name's count and lock."""
        ...

    def signed_in(self, user_id: int, *, at: dt.datetime, password_hash: str | None) -> None:
        """A successful sign-in recorded (and the hash renewed, when given)."""
        ...

    def open_session(
        self,
        *,
        token_hash: str,
        user_id: int,
        csrf: str,
        created_at: dt.datetime,
        expires_at: dt.datetime,
    ) -> None: ...

    def session(self, token_hash: str, now: dt.datetime) -> Session | None:
        """The session, if it has not expired and its user is active."""
        ...

    def close_session(self, token_hash: str) -> None: ...

    def add_token(
        self,
        username: str,
        *,
        name: str,
        token_hash: str,
        created_at: dt.datetime,
        expires_at: dt.datetime,
    ) -> bool:
        """False if there is no such user."""
        ...

    def token_user(self, token_hash: str, now: dt.datetime) -> User | None:
        """The active user of a token neither revoked nor expired (its use recorded)."""
        ...

    def revoke_token(self, token_id: int, now: dt.datetime) -> bool: ...


class AccountUnitOfWork(UnitOfWork, Protocol):
    @property
    def accounts(self) -> AccountStore: ...
