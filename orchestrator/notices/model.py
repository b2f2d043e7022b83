"""The notices of an issued alert revision as values: what kinds there are and what is stored."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from orchestrator.errors import NotFound, Unavailable


class NoticeKind(StrEnum):
    """Every document an issued revision sends. The main document is the bulletin (启动) or, for
    the band below the colours, the 不利气象条件应对 notice, the adjust notice (升级/降级/延长) or the lift notice (解除); one dispatch order per enterprise;
    the public message, the SMS text and the CAP 1.2 message."""

    BULLETIN = "bulletin"
    ADVERSE = "adverse"  # 不利气象条件应对通知: the band below the colours, instead of a bulletin
    ADJUST = "adjust"
    LIFT = "lift"
    ORDER = "order"
    PUBLIC = "public"
    SMS = "sms"
    CAP = "cap"

    @property
    def rank(self) -> int:
        """The order city-wide documents are listed and written in: main document first."""
        return _RANK[self]


_RANK = {
    NoticeKind.BULLETIN: 0,
    NoticeKind.ADVERSE: 0,
    NoticeKind.ADJUST: 0,
    NoticeKind.LIFT: 0,
    NoticeKind.PUBLIC: 1,
    NoticeKind.SMS: 2,
    NoticeKind.CAP: 3,
    NoticeKind.ORDER: 4,
}


class NotIssued(NotFound):
    """Raised when notices are asked for an alert with no issued revision (or for an enterprise
    the revision sent no order)."""


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    kind: NoticeKind
    uscc: str  # "" for city-wide documents
    filename: str
    body: str


@dataclass(frozen=True, slots=True)
class NoticeSet:
    """The stored notices of one issued revision: its city-wide documents (main document first,
    then public message, SMS, CAP) and how many dispatch orders."""

    revision_id: int
    documents: list[NoticeRecord]
    orders: int

    def __len__(self) -> int:
        return len(self.documents) + self.orders


@dataclass(frozen=True, slots=True)
class Written:
    folder: Path
    documents: list[Path]
    orders: int


@dataclass(frozen=True, slots=True)
class PlanChunk:
    """Frozen plan entries ``first``…``last`` (ordinals) of a revision: one task of rendering."""

    revision_id: int
    first: int
    last: int


class PdfUnavailable(Unavailable):
    """Raised by :func:`~orchestrator.notices.render.html_to_pdf` when WeasyPrint or its system
    libraries are missing."""
