"""Console users, sessions and API tokens (the ``AccountStore`` port)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, case, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from orchestrator.accounts.model import Credentials, Session, TokenInfo, User
from orchestrator.db.bulk import duplicate
from orchestrator.db.tables import api_tokens, sign_in_attempts, users, web_sessions
from orchestrator.errors import Conflict
from orchestrator.response.model import Role


def _user(row: Any) -> User:
    return User(row.id, row.username, row.display_name, Role(row.role), row.active, row.region)


class AccountStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

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
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(
                    insert(users)
                    .values(
                        username=username,
                        display_name=display_name,
                        role=role.value,
                        region=region,
                        password_hash=password_hash,
                        active=True,
                        created_at=created_at,
                    )
                    .returning(users)
                ).one()
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            raise Conflict(f"用户名“{username}”已存在") from exc
        return _user(row)

    def set_password(self, username: str, password_hash: str) -> bool:
        done = self.conn.execute(
            update(users).where(users.c.username == username).values(password_hash=password_hash)
        )
        self.clear_attempts(username)
        return done.rowcount == 1

    def change(self, username: str, **values: Any) -> User | None:
        """Set ``active`` or ``role`` of ``username``; None if there is no such user."""
        row = self.conn.execute(
            update(users).where(users.c.username == username).values(values).returning(users)
        ).first()
        return _user(row) if row is not None else None

    def end_sessions(self, username: str) -> int:
        user_id = select(users.c.id).where(users.c.username == username).scalar_subquery()
        done = self.conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
        return int(done.rowcount)

    def tokens(self, username: str | None) -> list[TokenInfo]:
        t, u = api_tokens.c, users.c
        query = select(api_tokens, u.username).join(users, u.id == t.user_id).order_by(t.id)
        if username is not None:
            query = query.where(u.username == username)
        return [
            TokenInfo(
                r.id, r.username, r.name, r.created_at, r.last_used_at, r.expires_at, r.revoked_at
            )
            for r in self.conn.execute(query)
        ]

    def users(self) -> list[User]:
        return [_user(r) for r in self.conn.execute(select(users).order_by(users.c.username))]

    def credentials(self, username: str) -> Credentials | None:
        row = self.conn.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            return None
        return Credentials(_user(row), row.password_hash)

    def attempt(self, username: str, *, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """Count one sign-in attempt under ``username`` in one statement (an upsert), before its
        password is checked: (attempts counted since the last success or expired lock, the time
        the name is locked until). A lock that has expired starts the count again."""
        t = sign_in_attempts
        expired = t.c.locked_until.is_not(None) & (t.c.locked_until <= now)
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(t).values(username=username, failures=1, last_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.username],
            set_={
                "failures": case((expired, 1), else_=t.c.failures + 1),
                "locked_until": case((expired, None), else_=t.c.locked_until),
                "last_at": now,
            },
        ).returning(t.c.failures, t.c.locked_until)
        failures, locked_until = self.conn.execute(stmt).one()
        # names not tried for a day are forgotten (a flood of made-up names stays small)
        self.conn.execute(delete(t).where(t.c.last_at < now - dt.timedelta(days=1)))
        return int(failures), locked_until

    def lock(self, username: str, until: dt.datetime) -> None:
        t = sign_in_attempts
        self.conn.execute(update(t).where(t.c.username == username).values(locked_until=until))

    def clear_attempts(self, username: str) -> None:
        self.conn.execute(delete(sign_in_attempts).where(sign_in_attempts.c.username == username))

    def signed_in(self, user_id: int, *, at: dt.datetime, password_hash: str | None) -> None:
        values: dict[str, Any] = {"last_login_at": at}
        if password_hash is not None:
            values["password_hash"] = password_hash
        self.conn.execute(update(users).where(users.c.id == user_id).values(values))

    def open_session(
        self,
        *,
        token_hash: str,
        user_id: int,
        csrf: str,
        created_at: dt.datetime,
        expires_at: dt.datetime,
    ) -> None:
        self.conn.execute(
            insert(web_sessions).values(
                token_hash=token_hash,
                user_id=user_id,
                csrf=csrf,
                created_at=created_at,
                expires_at=expires_at,
            )
        )

    def session(self, token_hash: str, now: dt.datetime) -> Session | None:
        s, u = web_sessions.c, users.c
        row = self.conn.execute(
            select(users, s.csrf, s.expires_at)
            .join(web_sessions, s.user_id == u.id)
            .where(s.token_hash == token_hash, s.expires_at > now, u.active.is_(True))
        ).first()
        if row is None:
            return None
        return Session(_user(row), row.csrf, row.expires_at)

    def close_session(self, token_hash: str) -> None:
        self.conn.execute(web_sessions.delete().where(web_sessions.c.token_hash == token_hash))

    def add_token(
        self,
        username: str,
        *,
        name: str,
        token_hash: str,
        created_at: dt.datetime,
        expires_at: dt.datetime,
    ) -> bool:
        user_id = self.conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
        if user_id is None:
            return False
        self.conn.execute(
            insert(api_tokens).values(
                user_id=user_id,
                name=name,
                token_hash=token_hash,
                created_at=created_at,
                expires_at=expires_at,
            )
        )
        return True

    def token_user(self, token_hash: str, now: dt.datetime) -> User | None:
        t, u = api_tokens.c, users.c
        row = self.conn.execute(
            select(users, t.id.label("token_id"))
            .join(api_tokens, t.user_id == u.id)
            .where(
                t.token_hash == token_hash,
                t.revoked_at.is_(None),
                t.expires_at.is_(None) | (t.expires_at > now),
                u.active.is_(True),
            )
        ).first()
        if row is None:
            return None
        self.conn.execute(update(api_tokens).where(t.id == row.token_id).values(last_used_at=now))
        return _user(row)

    def revoke_token(self, token_id: int, now: dt.datetime) -> bool:
        done = self.conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return done.rowcount == 1
