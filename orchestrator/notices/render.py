"""The one Jinja2 environment (city overrides first, then ``templates/``) and PDF output."""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    UndefinedError,
    select_autoescape,
)
from markupsafe import Markup, escape

from orchestrator.alerts.model import roman
from orchestrator.notices.model import FONT_ROLES, DocumentStyle, PdfUnavailable


class NoticeEnvironment(Environment):
    """The notices' Jinja2 environment; it remembers its folders so that worker processes
    rendering a large batch can build the same one, and whether it renders a drill's."""

    folders: tuple[Path, Path | None]
    drill: bool


def make_environment(
    templates_dir: Path,
    override_dir: Path | None = None,
    *,
    auto_reload: bool = True,
    drill: bool = False,
    style: DocumentStyle | None = None,
) -> NoticeEnvironment:
    """``StrictUndefined`` (a missing value is an error, never a blank), autoescape for HTML/XML,
    and a city's override folder searched before the shipped templates.

    ``auto_reload=False`` skips the per-render check of the template files' modification times
    (two ``stat`` calls an order); batch workers, which live for one batch, use it.

    ``drill``: every template sees ``drill`` true, and marks what it renders as a drill (演练).

    ``style``: the documents' fonts by role (``config/documents.toml``), seen as ``fonts.body``
    and so on; the shipped defaults when None. Filter ``chem`` writes formulas as documents do
    (SO₂, NOₓ, PM₂.₅ with subscripts)."""
    loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
    loaders.append(FileSystemLoader(str(templates_dir)))
    env = NoticeEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=auto_reload,
    )
    env.folders = (templates_dir, override_dir)
    env.drill = drill
    env.globals["drill"] = drill
    env.filters["cn_date"] = lambda d: f"{d.year}年{d.month}月{d.day}日"
    env.filters["chem"] = chem
    env.filters["roman"] = roman  # a response grade as documents write it: Ⅱ
    env.filters["cn_number"] = cn_number  # （一）（二）… items as documents number them
    fonts = style or DEFAULT_STYLE
    # CSS values, not text: the family names were checked (no quote, bracket, brace or semicolon)
    env.globals["fonts"] = {role: Markup(fonts.font(role)) for role in FONT_ROLES}
    return env


#: The fonts when no configuration is given (tests, tools): the free Debian families.
DEFAULT_STYLE = DocumentStyle(
    fonts=(
        ("title", ("Noto Serif CJK SC",)),
        ("body", ("FangSong", "Noto Serif CJK SC")),
        ("heading", ("SimHei", "Noto Sans CJK SC")),
        ("subheading", ("KaiTi", "AR PL UKai CN", "Noto Serif CJK SC")),
        ("page_number", ("Noto Serif CJK SC",)),
    )
)

# chemical formulas as documents print them: the digits (and x) after the element subscripted
_FORMULAS = {
    "PM2.5": "PM<sub>2.5</sub>",
    "PM10": "PM<sub>10</sub>",
    "SO2": "SO<sub>2</sub>",
    "NO2": "NO<sub>2</sub>",
    "NOx": "NO<sub>x</sub>",
    "O3": "O<sub>3</sub>",
}
_FORMULA = re.compile("|".join(re.escape(k) for k in sorted(_FORMULAS, key=len, reverse=True)))


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五: 1–99 as documents number their items
    (any other number in Arabic digits)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = ("" if tens == 1 else _DIGITS[tens]) + "十" if tens else ""
    return head + (_DIGITS[ones] if ones else "")


def chem(text: object) -> Markup:
    """``text`` escaped, its formulas (SO2, NOx, PM2.5, …) with subscripts."""
    return Markup(_FORMULA.sub(lambda m: _FORMULAS[m.group(0)], str(escape(text))))


def render(env: Environment, template: str, context: Any) -> str:
    """Render ``template`` with the fields of a frozen context dataclass."""
    return render_many(env, template, (context,))[0]


def render_many(
    env: Environment,
    template: str,
    contexts: Iterable[Any],
    *,
    varying: str | None = None,
    shared: Mapping[str, Any] | None = None,
) -> list[str]:
    """Render ``template`` once per context (frozen dataclasses of one type), as whole documents;
    through :func:`frame_of` and :func:`render_parts` when ``varying`` and ``shared`` allow."""
    frame = frame_of(env, template, varying, shared)
    if frame is None:
        return render_parts(env, template, contexts, None)
    prefix, suffix = frame
    return [prefix + part + suffix for part in render_parts(env, template, contexts, varying)]


def frame_of(
    env: Environment, template: str, varying: str | None, shared: Mapping[str, Any] | None
) -> tuple[str, str] | None:
    """Render smarter when most of a document is the same for every context: the text before and
    after block ``varying``, rendered once from the ``shared`` values alone; every document is
    then that prefix + its own rendering of the block (:func:`render_parts`) + that suffix,
    exactly as rendered whole (tested). A dispatch order: its frame once per revision, the
    enterprise's part once per enterprise.

    None when the template has no such block or its outside needs more than ``shared`` (a
    city's template naming the enterprise outside the block, say): render whole then."""
    if varying is None or shared is None or varying not in env.get_template(template).blocks:
        return None
    outline = env.from_string(
        f"{{% extends {template!r} %}}{{% block {varying} %}}{_SLOT}{{% endblock %}}"
    )
    try:
        text = outline.render(shared)
    except UndefinedError:
        return None
    prefix, found, suffix = text.partition(_SLOT)
    if not found or _SLOT in suffix:  # a block shown twice (self.block()): render whole
        return None
    return prefix, suffix


_SLOT = "\x00varying-block-slot\x00"


def render_parts(
    env: Environment, template: str, contexts: Iterable[Any], varying: str | None
) -> list[str]:
    """Per context: block ``varying`` alone (see :func:`frame_of`), or the whole document when
    ``varying`` is None. The template is looked up once."""
    tpl = env.get_template(template)
    names: tuple[str, ...] | None = None
    out: list[str] = []
    if varying is None:
        for c in contexts:
            names = names or tuple(f.name for f in dataclasses.fields(c))
            out.append(tpl.render({n: getattr(c, n) for n in names}))
        return out
    block = tpl.blocks[varying]
    scope = dict(tpl.globals)
    for c in contexts:
        names = names or tuple(f.name for f in dataclasses.fields(c))
        values = {**scope, **{n: getattr(c, n) for n in names}}
        out.append("".join(block(tpl.new_context(values, shared=True))))
    return out


NO_CHINESE_FONT = (
    "无法生成PDF：本机未安装中文字体，文件中的汉字将无法显示。"
    "请以管理员身份运行 make system-deps（或 apt-get install fonts-noto-cjk fonts-arphic-ukai）后重试"
)


@functools.cache
def chinese_font_installed() -> bool:
    """Whether fontconfig (WeasyPrint's) knows a font with Chinese glyphs; True when it cannot
    be asked (no ``fc-list``: WeasyPrint then finds what it finds)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    try:
        done = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return True
    return done.returncode != 0 or bool(done.stdout.strip())


def pdf_bytes(html: str, base_url: Path | None) -> bytes:
    """One HTML document as PDF bytes (see :func:`html_to_pdf`)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "document.pdf"
        html_to_pdf([html], target, base_url or Path(tmp))
        return target.read_bytes()


def html_to_pdf(pages: Sequence[str], out: Path, base_url: Path) -> int:
    """Many HTML documents into one PDF (one batched file: ≈ 0.1 s a page, not ≈ 1 s a document).

    Returns the number of pages written."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango/cairo libraries missing
        raise PdfUnavailable(f"无法生成PDF（WeasyPrint不可用：{exc}）") from exc
    if not chinese_font_installed():  # never a PDF of empty boxes
        raise PdfUnavailable(NO_CHINESE_FONT)
    docs = [HTML(string=page, base_url=str(base_url)).render() for page in pages]
    first = docs[0]
    all_pages = [p for d in docs for p in d.pages]
    first.copy(all_pages).write_pdf(str(out))
    return len(all_pages)
