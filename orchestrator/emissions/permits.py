"""The pollutant-discharge permit registry (排污许可) export, compared with the list: who holds an
air permit but is not listed, and who is listed without a permit number."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from orchestrator.emissions.model import EmissionList, Enterprise, PermitsInvalid, uscc_valid
from orchestrator.errors import OrchestratorError


@dataclass(frozen=True, slots=True)
class Coverage:
    missing: list[tuple[str, str]]  # (USCC, name) in the permit registry, air-emitting, not listed
    without_permit: list[Enterprise]
    problems: list[str]


def coverage(lst: EmissionList, permits_csv: Path) -> Coverage:
    """Compare the list with a permit-registry export (CSV: 统一社会信用代码, 企业名称, 涉气)."""
    try:
        text = permits_csv.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise OrchestratorError(f"{permits_csv}: 无法读取：{exc.strerror}") from None
    except UnicodeDecodeError:
        raise PermitsInvalid([f"{permits_csv}: 应为UTF-8编码的CSV文件"]) from None
    rows = list(csv.reader(text.splitlines()))
    problems = []
    if not rows:
        raise PermitsInvalid([f"{permits_csv}: 文件为空"])
    header = [unicodedata.normalize("NFKC", h).strip() for h in rows[0]]
    want = {
        "uscc": ("统一社会信用代码", "uscc"),
        "name": ("企业名称", "单位名称", "name"),
        "air": ("涉气", "涉气排放", "air"),
    }
    pos: dict[str, int] = {}
    for key, names in want.items():
        hit = next((i for i, h in enumerate(header) if h in names), None)
        if hit is None:
            problems.append(f"{permits_csv}:1:{names[0]}: 缺少列")
        else:
            pos[key] = hit
    if problems:
        raise PermitsInvalid(problems)
    listed = {e.uscc for e in lst.enterprises}
    missing = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        uscc = unicodedata.normalize("NFKC", cells[pos["uscc"]]).strip().upper()
        if not uscc_valid(uscc):
            problems.append(
                f"{permits_csv}:{line}:{header[pos['uscc']]}: “{uscc}”不是有效的统一社会信用代码"
            )
            continue
        air = cells[pos["air"]].strip().lower() in ("是", "true", "1", "yes", "y")
        if air and uscc not in listed:
            missing.append((uscc, cells[pos["name"]].strip()))
    return Coverage(
        missing=missing,
        without_permit=[e for e in lst.enterprises if not e.permit_no],
        problems=problems,
    )
