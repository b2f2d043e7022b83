"""The federation's message log and outbox (the ``FederationStore`` port)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from orchestrator.db.bulk import duplicate, upsert
from orchestrator.db.tables import federation_log, federation_outbox
from orchestrator.region.federation import Seen, Signed, Verdict


class FederationStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def applied(self, subject: str) -> list[Seen]:
        f = federation_log.c
        rows = self.conn.execute(
            select(f.subject, f.sent, f.digest).where(
                f.subject == subject, f.verdict == Verdict.NEW.value
            )
        )
        return [Seen(r.subject, r.sent, r.digest) for r in rows]

    def log(
        self,
        *,
        source: str,
        subject: str,
        sent: dt.datetime,
        digest: str,
        verdict: Verdict,
        at: dt.datetime,
    ) -> bool:
        """Record a message as judged; False when it was applied already (a concurrent
        receiver applied the same message first)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(federation_log).values(
                        source=source,
                        subject=subject,
                        sent=sent,
                        digest=digest,
                        verdict=verdict.value,
                        received_at=at,
                    )
                )
        except IntegrityError as exc:
            if not duplicate(exc):
                raise
            return False
        return True

    def enqueue(self, key: str, message: Signed, *, now: dt.datetime) -> None:
        """Queue ``message`` about ``key``; it replaces a version of it not yet sent, and one
        already sent when it differs."""
        o = federation_outbox.c
        found = self.conn.execute(select(o.data, o.sent_at).where(o.key == key)).first()
        if found is not None and found.data == message.data.decode("utf-8"):
            return
        upsert(
            self.conn,
            federation_outbox,
            {
                "key": key,
                "data": message.data.decode("utf-8"),
                "signature": message.signature,
                "created_at": now,
                "attempts": 0,
                "next_at": now,
                "sent_at": None,
                "error": "",
            },
            keys=("key",),
            update=("data", "signature", "created_at", "attempts", "next_at", "sent_at", "error"),
        )

    def claim(
        self, *, now: dt.datetime, lease: dt.datetime, limit: int
    ) -> list[tuple[int, Signed, int]]:
        """Messages due, each claimed until ``lease`` (another sender leaves them): (id, message,
        attempts so far)."""
        o = federation_outbox.c
        ids = [
            r.id
            for r in self.conn.execute(
                select(o.id)
                .where(o.sent_at.is_(None), o.next_at <= now)
                .order_by(o.id)
                .limit(limit)
            )
        ]
        out: list[tuple[int, Signed, int]] = []
        for i in ids:
            row = self.conn.execute(
                update(federation_outbox)
                .where(o.id == i, o.sent_at.is_(None), o.next_at <= now)
                .values(next_at=lease)
                .returning(o.id, o.data, o.signature, o.attempts)
            ).first()
            if row is not None:
                out.append((row.id, Signed(row.data.encode("utf-8"), row.signature), row.attempts))
        return out

    def sent(self, message_id: int, *, at: dt.datetime) -> None:
        o = federation_outbox.c
        self.conn.execute(
            update(federation_outbox).where(o.id == message_id).values(sent_at=at, error="")
        )

    def failed(self, message_id: int, *, error: str, retry_at: dt.datetime) -> None:
        o = federation_outbox.c
        self.conn.execute(
            update(federation_outbox)
            .where(o.id == message_id)
            .values(attempts=o.attempts + 1, next_at=retry_at, error=error[:500])
        )

    def pending(self) -> list[dict[str, Any]]:
        o = federation_outbox.c
        rows = self.conn.execute(
            select(o.key, o.attempts, o.next_at, o.error).where(o.sent_at.is_(None)).order_by(o.id)
        )
        return [dict(r._mapping) for r in rows]
