"""Click's own messages in Chinese (help layout, usage errors), through gettext as click
documents: ``messages.po`` here is the catalog, ``messages.mo`` its compiled form, shipped.

``make locale`` compiles the catalog again (Babel, a development dependency);
tests/cli/test_locale.py checks that the shipped file is the catalog compiled."""

from __future__ import annotations

import gettext
import os
from pathlib import Path

#: Where the catalog lives: ``zh_CN/LC_MESSAGES/messages.{po,mo}``.
FOLDER = Path(__file__).resolve().parent
CATALOG = FOLDER / "zh_CN" / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOG.with_suffix(".mo")


def use_chinese() -> None:
    """Click's messages in Chinese from now on in this process (click asks ``gettext.gettext``,
    of the default domain, in the language ``LANGUAGE`` names)."""
    gettext.bindtextdomain("messages", str(FOLDER))
    os.environ["LANGUAGE"] = "zh_CN"


def compiled() -> bytes:
    """The catalog compiled (needs Babel)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()
