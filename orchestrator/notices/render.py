"""The one Jinja2 environment (city overrides first, then ``templates/``) and PDF output."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from orchestrator.errors import OrchestratorError


class PdfUnavailable(OrchestratorError):
    """Raised by :func:`html_to_pdf` when WeasyPrint or its system libraries are missing."""


def make_environment(templates_dir: Path, override_dir: Path | None = None) -> Environment:
    """``StrictUndefined`` (a missing value is an error, never a blank), autoescape for HTML/XML,
    and a city's override folder searched before the shipped templates."""
    loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
    loaders.append(FileSystemLoader(str(templates_dir)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = lambda d: f"{d.year}年{d.month}月{d.day}日"
    return env


def render(env: Environment, template: str, context: Any) -> str:
    """Render ``template`` with the fields of a frozen context dataclass."""
    fields = {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    return env.get_template(template).render(**fields)


def html_to_pdf(pages: Sequence[str], out: Path, base_url: Path) -> int:
    """Many HTML documents into one PDF (one batched file: ≈ 0.1 s a page, not ≈ 1 s a document).

    Returns the number of pages written."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango/cairo libraries missing
        raise PdfUnavailable(f"无法生成PDF（WeasyPrint不可用：{exc}）") from exc
    docs = [HTML(string=page, base_url=str(base_url)).render() for page in pages]
    first = docs[0]
    all_pages = [p for d in docs for p in d.pages]
    first.copy(all_pages).write_pdf(str(out))
    return len(all_pages)
