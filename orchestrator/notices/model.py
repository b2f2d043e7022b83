"""The notices of an issued alert revision as values: what kinds there are and what is stored."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from orchestrator.errors import NotFound, Unavailable


class NoticeKind(StrEnum):
    """Every document an issued revision sends. The main document is the bulletin (启动) or, for
    the band below the colours, the 不利气象条件应对 notice, the adjust notice (升级/降级/延长)
    or the lift notice (解除); one dispatch order per enterprise; one task notice per unit of
    the response network with something to do (or whose tasks end); the public message, the
    SMS text and the CAP 1.2 message."""

    BULLETIN = "bulletin"
    ADVERSE = "adverse"  # 不利气象条件应对通知: the band below the colours, instead of a bulletin
    ADJUST = "adjust"
    LIFT = "lift"
    ORDER = "order"
    TASK = "task"  # 任务单: one per unit of the response network
    PUBLIC = "public"
    SMS = "sms"
    CAP = "cap"

    @property
    def label(self) -> str:
        """The document's name as the console lists it."""
        return _LABELS[self]

    @property
    def document(self) -> bool:
        """A printable document (HTML, and PDF on request); the others are text or XML."""
        return self not in (NoticeKind.PUBLIC, NoticeKind.SMS, NoticeKind.CAP)

    @property
    def rank(self) -> int:
        """The order city-wide documents are listed and written in: main document first."""
        return _RANK[self]


_LABELS = {
    NoticeKind.BULLETIN: "预警发布通知",
    NoticeKind.ADVERSE: "不利气象条件应对通知",
    NoticeKind.ADJUST: "预警调整通知",
    NoticeKind.LIFT: "预警解除通知",
    NoticeKind.ORDER: "应急响应指令",
    NoticeKind.TASK: "应急响应任务单",
    NoticeKind.PUBLIC: "公众信息",
    NoticeKind.SMS: "短信",
    NoticeKind.CAP: "CAP预警消息",
}

_RANK = {
    NoticeKind.BULLETIN: 0,
    NoticeKind.ADVERSE: 0,
    NoticeKind.ADJUST: 0,
    NoticeKind.LIFT: 0,
    NoticeKind.PUBLIC: 1,
    NoticeKind.SMS: 2,
    NoticeKind.CAP: 3,
    NoticeKind.ORDER: 4,
    NoticeKind.TASK: 5,
}


class NotIssued(NotFound):
    """Raised when notices are asked for an alert with no issued revision (or for an enterprise
    the revision sent no order)."""


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    kind: NoticeKind
    uscc: str  # "" for city-wide documents; a unit's 统一社会信用代码 for a task notice
    filename: str
    body: str


@dataclass(frozen=True, slots=True)
class NoticeSet:
    """The stored notices of one issued revision: its city-wide documents (main document first,
    then public message, SMS, CAP), how many dispatch orders and how many task notices."""

    revision_id: int
    documents: list[NoticeRecord]
    orders: int
    tasks: int = 0

    def __len__(self) -> int:
        return len(self.documents) + self.orders + self.tasks


@dataclass(frozen=True, slots=True)
class Written:
    folder: Path
    documents: list[Path]
    orders: int
    tasks: int = 0


@dataclass(frozen=True, slots=True)
class PlanChunk:
    """Frozen plan entries ``first``…``last`` (ordinals) of a revision: one task of rendering."""

    revision_id: int
    first: int
    last: int
    position: int = 0  # the place of entry ``first`` in the plan (0: the first entry)


class PdfUnavailable(Unavailable):
    """Raised by :func:`~orchestrator.notices.render.html_to_pdf` when WeasyPrint or its system
    libraries are missing."""


# characters a font family name may not hold: it is written into the documents' CSS as is
_CSS_UNSAFE = set("\"'\\<>{};")

#: The font roles of GB/T 9704 a document uses (config/documents.toml [fonts]).
FONT_ROLES = ("title", "body", "heading", "subheading", "page_number")


@dataclass(frozen=True, slots=True)
class DocumentStyle:
    """How the office's documents look (``config/documents.toml``): per font role of GB/T 9704
    the families to try, the first installed one used (the free Debian families last)."""

    fonts: tuple[tuple[str, tuple[str, ...]], ...]

    def font(self, role: str) -> str:
        """The role's families as a CSS ``font-family`` value, serif last."""
        families = dict(self.fonts)[role]
        generic = "sans-serif" if role == "heading" else "serif"
        return ", ".join([*(f'"{f}"' for f in families), generic])

    @classmethod
    def from_mapping(cls, data: dict[str, object], *, source: str) -> DocumentStyle:
        """Checked values; a missing role or a bad family raises ``ValueError`` naming
        ``source``."""
        fonts = data.get("fonts")
        if not isinstance(fonts, dict):
            raise ValueError(f"{source}: missing table [fonts]")
        out = []
        for role in FONT_ROLES:
            families = fonts.get(role)
            if (
                not isinstance(families, list)
                or not families
                or not all(isinstance(f, str) and f and not _CSS_UNSAFE & set(f) for f in families)
            ):
                raise ValueError(f"{source}: fonts.{role} must be a list of font family names")
            out.append((role, tuple(families)))
        unknown = set(fonts) - set(FONT_ROLES)
        if unknown:
            raise ValueError(f"{source}: unknown font role(s) {', '.join(sorted(unknown))}")
        return cls(fonts=tuple(out))
