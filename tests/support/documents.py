"""Reading back a printed document: its pages' text (pypdf, from the PDF WeasyPrint writes) and
its layout (WeasyPrint's boxes), to check GB/T 9704 elements and table cells."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from tests.support.base import ROOT


@dataclass(frozen=True)
class Printed:
    """A document as printed: the text of each page and the table cells narrower than two
    characters of their own font (page, width in characters, text)."""

    pages: list[str]
    narrow_cells: list[tuple[int, float, str]]


def _walk(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _walk(child)


def _text(box: Any) -> str:
    return "".join(b.text for b in _walk(box) if isinstance(b, boxes.TextBox))


def printed(html: str, base: Path = ROOT / "templates") -> Printed:
    """Lay ``html`` out on A4 as the product prints it, write the PDF and read it back."""
    document = HTML(string=html, base_url=str(base)).render()
    narrow = []
    for number, page in enumerate(document.pages, 1):
        for box in _walk(page._page_box):
            if isinstance(box, boxes.TableCellBox):
                size = box.style["font_size"]
                if box.width < 2 * size - 0.01:
                    narrow.append((number, round(box.width / size, 2), _text(box)[:20]))
    reader = pypdf.PdfReader(io.BytesIO(document.write_pdf()))
    return Printed([p.extract_text() for p in reader.pages], narrow)
