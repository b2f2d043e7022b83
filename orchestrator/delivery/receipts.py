"""Receipts: enterprises acknowledge their orders (签收) and report implementation (落实情况);
the command office sees who was reached, who signed, who implemented and who is overdue. The
notices of recurring-control rounds are acknowledged and reported on in the same way."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence

from orchestrator.delivery.model import (
    Firm,
    OrderPage,
    OrderView,
    Receipt,
    ReceiptRefused,
    ReceiptSummary,
    Scope,
    Subject,
)
from orchestrator.delivery.ports import DeliveryUnitOfWork
from orchestrator.response.config import Office
from orchestrator.response.model import AlertRevision, RevisionKind


def _check_order(found: Sequence[OrderView], ref: int) -> OrderView:
    for o in found:
        if o.ref == ref:
            return o
    raise ReceiptRefused("未找到本单位的该份通知或指令。")


class Receipts:
    def __init__(self, uow: Callable[[], DeliveryUnitOfWork], *, office: Office) -> None:
        self.uow, self.office = uow, office

    # --- the enterprise's side ---------------------------------------------------------------

    def orders(self, scope: Scope, uscc: str) -> list[OrderView]:
        """What the enterprise's link opens, newest first (none: nothing of it concerns it)."""
        if scope.round_id is not None:
            return self.round_orders(scope.round_id, uscc)
        assert scope.alert_id is not None
        return self.enterprise_orders(scope.alert_id, uscc)

    def enterprise_orders(self, alert_id: int, uscc: str) -> list[OrderView]:
        """The enterprise's orders of the alert, newest first (none: it has no order there)."""
        out: list[OrderView] = []
        with self.uow() as uow:
            revisions = uow.receipts.enterprise_revisions(alert_id, uscc)
            for subject, rev, got in issued_receipts(uow, revisions, uscc):
                st = rev.state
                assert st.issued_at is not None
                out.append(
                    OrderView(
                        subject=subject,
                        ref=rev.revision_id,
                        number=st.number,
                        title="解除预警通知"
                        if st.kind is RevisionKind.LIFT
                        else "重污染天气应急响应指令",
                        control=False,
                        level=st.level.value,
                        document_number=rev.document_number or "",
                        issued_at=st.issued_at,
                        deadline=self.office.receipt_deadline(st.issued_at),
                        start=st.start,
                        end=st.end,
                        entry=next(iter(uow.plans.entries(subject, [uscc]))),
                        acknowledged_at=got.acknowledged_at,
                        signer=got.signer,
                        report=got.report,
                    )
                )
        return out

    def round_orders(self, round_id: int, uscc: str) -> list[OrderView]:
        """The enterprise's notice of a control round (none: the round does not concern it)."""
        subject = Subject(round_id=round_id)
        with self.uow() as uow:
            facts = uow.outbox.round_facts(round_id)
            entry = next(iter(uow.plans.entries(subject, [uscc])), None)
            if facts is None or entry is None:
                return []
            got = uow.receipts.receipt(subject, uscc)
        return [
            OrderView(
                subject=subject,
                ref=round_id,
                number=1,
                title=facts.title,
                control=True,
                level="",
                document_number="",
                issued_at=facts.issued_at,
                deadline=facts.deadline,
                start=facts.period_start,
                end=facts.period_end,
                entry=entry,
                acknowledged_at=got.acknowledged_at,
                signer=got.signer,
                report=got.report,
            )
        ]

    def order_document(self, subject: Subject, uscc: str) -> str | None:
        """The order (control notice) as it was sent (None: no such order)."""
        with self.uow() as uow:
            if subject.round_id is not None:
                return uow.plans.round_parts(subject.round_id, [uscc]).get(uscc)
            assert subject.revision_id is not None
            part = uow.notices.order_parts(subject.revision_id, [uscc]).get(uscc)
            if part is None:
                return None
            prefix, suffix = uow.notices.frame(subject.revision_id)
        return prefix + part + suffix

    def acknowledge(
        self, scope: Scope, uscc: str, ref: int, *, signer: str, now: dt.datetime
    ) -> dt.datetime:
        """Sign for the order (``ref``: its revision id, or the round id); signing again changes
        nothing. Returns when it was signed."""
        signer = signer.strip()
        if not signer or len(signer) > 50:
            raise ReceiptRefused("请填写签收人姓名（不超过50个字）。")
        order = _check_order(self.orders(scope, uscc), ref)
        if order.acknowledged_at is not None:
            return order.acknowledged_at
        with self.uow() as uow:
            taken = uow.receipts.acknowledge(order.subject, uscc, at=now, signer=signer)
            if taken:
                uow.commit()
        if not taken:  # signed a moment ago (double click, second device): that stands
            again = _check_order(self.orders(scope, uscc), ref)
            return again.acknowledged_at or now
        return now

    def report(
        self,
        scope: Scope,
        uscc: str,
        ref: int,
        *,
        done: Sequence[bool],
        notes: Sequence[str],
        note: str,
        now: dt.datetime,
    ) -> None:
        """Report implementation line by line (a newer report replaces the older in the counts)."""
        order = _check_order(self.orders(scope, uscc), ref)
        if order.acknowledged_at is None:
            raise ReceiptRefused("请先签收，再报送落实情况。")
        lines = order.entry["lines"]
        if len(done) != len(lines) or len(notes) != len(lines):
            raise ReceiptRefused("落实情况应逐条填写本单位每条生产线或工序。")
        if len(note) > 2000 or any(len(n) > 500 for n in notes):
            raise ReceiptRefused("说明过长：每条不超过500字，总体说明不超过2000字。")
        items = [
            {
                "line": ln["name"],
                "measure": ln["measure"]["text"] if ln["measure"] else "—",
                "done": bool(d),
                "note": n.strip(),
            }
            for ln, d, n in zip(lines, done, notes, strict=True)
        ]
        with self.uow() as uow:
            uow.receipts.add_report(
                order.subject,
                uscc,
                at=now,
                items=items,
                note=note.strip(),
                complete=all(i["done"] for i in items),
            )
            uow.commit()

    # --- the command office's side ---------------------------------------------------------

    def newest_issued(self, alert_id: int) -> int | None:
        """The alert's newest issued revision (None: not issued)."""
        with self.uow() as uow:
            return uow.alerts.newest_issued(alert_id)

    def summary(
        self, alert_id: int, *, now: dt.datetime, listed: int | None = None
    ) -> ReceiptSummary:
        """Receipts of the alert's newest issued notices (at most ``listed`` enterprises named
        per list — overdue, undelivered, not implemented —; the counts are always exact)."""
        revision_id = self.newest_issued(alert_id)
        if revision_id is None:
            raise ReceiptRefused(f"预警{alert_id}尚未发布，没有回执")
        return self.revision_summary(revision_id, now=now, listed=listed)

    def revision_summary(
        self, revision_id: int, *, now: dt.datetime, listed: int | None = None
    ) -> ReceiptSummary:
        """Receipts of one issued alert revision's notices (``listed``: as for :meth:`summary`)."""
        with self.uow() as uow:
            rev = uow.alerts.revision(revision_id)
        if rev.state.issued_at is None:
            raise ReceiptRefused(f"预警修订{revision_id}尚未发布，没有回执")
        return self._summarise(
            Subject(revision_id=revision_id),
            now=now,
            deadline=self.office.receipt_deadline(rev.state.issued_at),
            alert_id=rev.alert_id,
            document=rev.document_number or "",
            listed=listed,
        )

    def round_summary(
        self, round_id: int, *, now: dt.datetime, listed: int | None = None
    ) -> ReceiptSummary:
        """Receipts of a control round's notices (``listed``: as for :meth:`summary`)."""
        with self.uow() as uow:
            facts = uow.outbox.round_facts(round_id)
        if facts is None:
            raise ReceiptRefused(f"管控通知批次{round_id}不存在")
        return self._summarise(
            Subject(round_id=round_id),
            now=now,
            deadline=facts.deadline,
            alert_id=None,
            document=facts.title,
            listed=listed,
        )

    def _summarise(
        self,
        subject: Subject,
        *,
        now: dt.datetime,
        deadline: dt.datetime,
        alert_id: int | None,
        document: str,
        listed: int | None,
    ) -> ReceiptSummary:
        """Counted in the store (one pass over the subject's order deliveries, grouped by
        enterprise), so that a 100,000-order alert is summarised without loading them."""
        with self.uow() as uow:
            c = uow.receipts.counts(subject, now=now, deadline=deadline, listed=listed)
            wanted = set(c.overdue) | set(c.undelivered) | set(c.lacking)
            firms = {e["uscc"]: e for e in uow.plans.entries(subject, wanted)} if wanted else {}

        def firm(u: str, detail: str = "") -> Firm:
            e = firms.get(u, {})
            return Firm(
                u,
                e.get("name", ""),
                e.get("county", ""),
                e.get("contact", ""),
                e.get("phone", ""),
                detail,
            )

        return ReceiptSummary(
            alert_id=alert_id,
            revision_id=subject.revision_id,
            round_id=subject.round_id,
            document_number=document,
            deadline=deadline,
            orders=c.orders,
            sent=c.sent,
            delivered=c.delivered,
            acknowledged=c.acknowledged,
            implemented=c.implemented,
            overdue=[firm(u) for u in c.overdue],
            undelivered=[firm(u, error) for u, error in c.undelivered.items()],
            not_implemented=[
                firm(u, "；".join(f"{i['line']}未落实" for i in items if not i["done"]))
                for u, items in c.lacking.items()
            ],
            overdue_count=c.overdue_count,
            undelivered_count=c.undelivered_count,
            not_implemented_count=c.lacking_count,
            acknowledged_in_time=c.acknowledged_in_time,
        )

    def order_page(
        self,
        subject: Subject,
        *,
        state: str = "",
        county: str = "",
        query: str = "",
        offset: int = 0,
        limit: int = 100,
    ) -> OrderPage:
        """A page of the subject's orders by county, name and USCC, filtered by state, county
        and ``query`` (part of a name, or the beginning of a USCC), computed in the store; only
        the page's rows are built, each with its contact and phone from the frozen plan."""
        with self.uow() as uow:
            found = uow.receipts.order_page(
                subject,
                state=state,
                county=county,
                query=query.strip(),
                offset=offset,
                limit=limit,
            )
            usccs = {r.uscc for r in found.rows}
            firms = {e["uscc"]: e for e in uow.plans.entries(subject, usccs)} if usccs else {}
        rows = [
            dataclasses.replace(
                r,
                contact=str(firms.get(r.uscc, {}).get("contact", "")),
                phone=str(firms.get(r.uscc, {}).get("phone", "")),
            )
            for r in found.rows
        ]
        return OrderPage(rows, found.total, found.counties)


def issued_receipts(
    uow: DeliveryUnitOfWork, revision_ids: Iterable[int], code: str
) -> Iterator[tuple[Subject, AlertRevision, Receipt]]:
    """Each of the issued revisions with what ``code`` (an enterprise, or a unit of the network)
    answered to its notice of it: the walk behind an enterprise's orders and a unit's tasks."""
    for revision_id in revision_ids:
        subject = Subject(revision_id=revision_id)
        yield subject, uow.alerts.revision(revision_id), uow.receipts.receipt(subject, code)
