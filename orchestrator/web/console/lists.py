"""The console's emission-list pages: the revisions, one revision's enterprises (searched and
filtered by county, industry and grade in SQL, paged), one enterprise's 一厂一策 at every
level, and uploading a new revision in two steps — the file is validated and compared with the
newest revision (every problem named ``file:sheet:row:column``, the reduction check of each
level, the enterprises added and removed, grades and measures changed), and only the second
step, confirmed by a person allowed to, imports it (in one transaction, once per content)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from orchestrator.accounts.model import Permission, Session
from orchestrator.alerts.model import ALERT_LEVELS
from orchestrator.emissions.measures import MeasureBook
from orchestrator.emissions.model import CityProfile, ListFileInvalid, RevisionNotFound, Species
from orchestrator.emissions.parse import ParsedList
from orchestrator.emissions.service import parse_file
from orchestrator.web.bounded import run_bounded
from orchestrator.web.console.base import HEADERS, Console, Id, Page
from orchestrator.web.guard import MAX_UPLOAD

PER_PAGE = 100
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
_STAGED = re.compile(r"[0-9a-f]{64}")
_SHOWN_CHANGES = 200


def _clean_name(filename: str) -> str:
    """The uploaded file's own name, without any folder and without characters a path needs."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f<>:\"|?*]", "", name).strip(" .")
    return name[:120] or "清单.xlsx"


def _sweep(uploads: Path, hours: float = 24) -> None:
    """Forget uploads staged more than ``hours`` ago and never confirmed."""
    if not uploads.is_dir():
        return
    limit = time.time() - hours * 3600
    for folder in uploads.iterdir():
        if folder.is_dir() and _STAGED.fullmatch(folder.name) and folder.stat().st_mtime < limit:
            for f in folder.iterdir():
                f.unlink(missing_ok=True)
            folder.rmdir()


def list_routes(router: APIRouter, c: Console) -> None:
    site = c.site
    lists = site.lists

    @router.get("/lists", response_class=HTMLResponse)
    def revisions(request: Request, done: str = "") -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        today = c.clock.now().astimezone(site.zone).date()
        rows = lists.summaries()
        in_force = lists.in_force(today)
        return c.page(
            "console/lists.html",
            session=session,
            rows=[
                {
                    "number": r.revision.number,
                    "effective_from": r.revision.effective_from.isoformat(),
                    "source": r.revision.source,
                    "imported_at": r.revision.imported_at.astimezone(site.zone).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                    "enterprises": r.enterprises,
                    "lines": r.lines,
                    "warnings": len(r.warnings),
                }
                for r in reversed(rows)
            ],
            in_force=in_force,
            today=today.isoformat(),
            notice=done,
        )

    @router.get("/lists/{number}", response_class=HTMLResponse)
    def enterprises(
        request: Request,
        number: Id,
        q: str = "",
        county: str = "",
        industry: str = "",
        grade: str = "",
        page: Page = 1,
        done: str = "",
    ) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        page = max(page, 1)
        try:
            rev = lists.get(number)
            found = lists.find(
                number,
                text=q,
                county=county,
                industry=industry,
                grade=grade,
                offset=(page - 1) * PER_PAGE,
                limit=PER_PAGE,
            )
        except RevisionNotFound as exc:
            return c.refused(session, "未找到清单", exc)
        pages = max(1, -(-found.total // PER_PAGE))
        return c.page(
            "console/list.html",
            session=session,
            rev={
                "number": rev.number,
                "effective_from": rev.effective_from.isoformat(),
                "source": rev.source,
            },
            found=found,
            filters={"q": q, "county": county, "industry": industry, "grade": grade},
            page=min(page, pages),
            pages=pages,
            notice={
                "import": "已导入为新版本。",
                "exists": "该文件此前已导入为本版本，未重复导入。",
            }.get(done, ""),
        )

    @router.get("/lists/{number}/enterprises/{uscc}", response_class=HTMLResponse)
    def enterprise(request: Request, number: Id, uscc: str) -> Response:
        session = c.require(request)
        if isinstance(session, Response):
            return session
        try:
            e = lists.enterprise(number, uscc)
        except RevisionNotFound as exc:
            return c.refused(session, "未找到清单", exc)
        if e is None:
            return c.message(
                session, "未找到企业", f"第{number}版清单中没有统一社会信用代码为{uscc}的企业", 404
            )
        levels = [(lv.value, lv.label) for lv in ALERT_LEVELS]
        lines = [
            {
                "name": ln.name,
                "industry": ln.industry,
                "declared_grade": ln.declared_grade.value,
                "measures": {
                    lv.value: (
                        {
                            "text": m.text,
                            "reduction": {
                                sp.label: m.reduction.get(sp)
                                for sp in Species
                                if m.reduction.get(sp)
                            },
                            "from_table": m.from_table,
                            "cap": m.cap.text if m.cap is not None else "",
                        }
                        if (m := ln.measure(lv)) is not None
                        else None
                    )
                    for lv in ALERT_LEVELS
                },
                "check_method": ln.check_method,
                "rated": ln.rated.text if ln.rated is not None else "",
                "note": ln.note,
            }
            for ln in e.lines
        ]
        return c.page(
            "console/list_enterprise.html",
            session=session,
            number=number,
            e=e,
            levels=levels,
            lines=lines,
        )

    def bounded_parse(path: Path, city: CityProfile, book: MeasureBook, name: str) -> ParsedList:
        """An upload read in a process of its own, within config/console.toml's limits."""
        return run_bounded(
            parse_file,
            path,
            city,
            book,
            name,
            name=name,
            memory_mb=site.console.upload_memory_mb,
            seconds=site.console.upload_seconds,
        )

    def staged(sha: str, name: str) -> Path:
        return site.uploads / sha / name

    def report_page(session: Session, status: int = 200, **values: Any) -> HTMLResponse:
        for key in ("name", "error", "effective_from"):
            values.setdefault(key, "")
        values.setdefault("newest", None)
        values.setdefault("problems", [])
        values.setdefault("warnings", [])
        values.setdefault("counts", None)
        values.setdefault("checks", [])
        values.setdefault("diff", None)
        values.setdefault("staged", None)
        return c.page("console/list_upload.html", status, session=session, **values)

    @router.post("/lists/upload")
    async def upload(request: Request) -> Response:
        posted = await c.form(request, Permission.LIST_UPLOAD)
        if isinstance(posted, Response):
            return posted
        session, form = posted
        file = (await request.form()).get("file")
        effective = form.get("effective_from", "").strip()
        try:
            dt.date.fromisoformat(effective)
        except ValueError:
            return report_page(session, 400, error="请填写生效日期（如2026-10-01）")
        if not isinstance(file, UploadFile) or not file.filename:
            return report_page(session, 400, error="请选择清单文件（xlsx或csv）")
        name = _clean_name(file.filename)
        if not name.lower().endswith(SUFFIXES):
            return report_page(
                session, 400, error=f"{name}：仅支持xlsx、xlsm、xls、ods或csv格式的清单文件"
            )
        data = await file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return report_page(session, 413, error=f"{name}：文件超过64MB，请联系管理员")
        sha = hashlib.sha256(data).hexdigest()
        path = staged(sha, name)
        values = await run_in_threadpool(validate, path, name, data)
        if values["problems"]:
            return report_page(session, 400, **values)
        return report_page(
            session, effective_from=effective, staged={"sha": sha, "name": name}, **values
        )

    def validate(path: Path, name: str, data: bytes) -> dict[str, Any]:
        """Stage the file, check it and compare it with the newest revision (off the event
        loop: a 100,000-line workbook takes seconds). A file with problems is not kept."""
        _sweep(site.uploads)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        try:
            checked = lists.check_upload(path, name, parse=bounded_parse)
        except ListFileInvalid as exc:
            path.unlink(missing_ok=True)
            return {"name": name, "problems": list(exc.problems)}
        lst = checked.parsed.emission_list
        d = checked.diff
        return {
            "name": name,
            "problems": [],
            "warnings": list(checked.parsed.warnings),
            "counts": {
                "enterprises": len(lst.enterprises),
                "lines": sum(len(e.lines) for e in lst.enterprises),
                "dust_sites": len(lst.dust_sites),
                "transport_users": len(lst.transport_users),
            },
            "checks": [
                {
                    "level": ch.level.label,
                    "met": ch.met,
                    "species": [
                        (sp.label, v.reduction_kg_d, v.ratio, v.target, v.met)
                        for sp, v in ch.species.items()
                    ],
                }
                for ch in checked.checks
            ],
            "newest": checked.newest,
            "diff": None
            if d is None
            else {
                "empty": d.empty,
                "added": [(e.uscc, e.name) for e in d.added],
                "removed": [(e.uscc, e.name) for e in d.removed],
                "grades": [(n.name, o.grade.value, n.grade.value) for o, n in d.grade_changes],
                "measures": d.measure_changes[:_SHOWN_CHANGES],
                "measures_total": len(d.measure_changes),
            },
        }

    @router.post("/lists/import")
    async def confirm(request: Request) -> Response:
        posted = await c.form(request, Permission.LIST_UPLOAD)
        if isinstance(posted, Response):
            return posted
        session, form = posted
        sha, name = form.get("sha", ""), _clean_name(form.get("name", ""))
        path = staged(sha, name)
        if not _STAGED.fullmatch(sha) or not path.is_file():
            return report_page(session, 400, error="上传的文件已失效，请重新上传")
        try:
            effective = dt.date.fromisoformat(form.get("effective_from", "").strip())
        except ValueError:
            return report_page(session, 400, error="请填写生效日期（如2026-10-01）")
        now = c.clock.now()
        try:
            result = await run_in_threadpool(
                lambda: lists.import_list(
                    path,
                    effective_from=effective,
                    now=now,
                    by=session.user.display_name,
                    name=name,
                    parse=bounded_parse,
                )
            )
        except ListFileInvalid as exc:
            problems = [p.replace(str(path), name) for p in exc.problems]
            return report_page(session, 400, name=name, problems=problems, error="")
        rev = result.revision
        assert rev is not None
        path.unlink(missing_ok=True)
        done = "import" if result.created else "exists"
        return RedirectResponse(
            f"/lists/{rev.number}?done={done}", status_code=303, headers=HEADERS
        )
