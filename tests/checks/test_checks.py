"""Coverage check tasks (核查任务) on both databases: a kept run's findings go to the units that
check them (each county its own, the member unit overseeing the sheet those in no county),
once, through the outbox and its channels; units answer finding by finding on their signed page
(real HTTP); refusals name the item and take nothing; the next run carries the answers and marks
a finding answered as done that is found again; the console issues them only with the right role."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from orchestrator.audit.model import AuditAction
from orchestrator.checks.model import AnswerRefused, Outcome, unit_for
from orchestrator.db.tables import audit_log, coverage_answers, coverage_tasks, deliveries
from orchestrator.delivery.model import MessageKind
from orchestrator.emissions.registries import FindingKind, Registry
from orchestrator.errors import InputInvalid
from tests.support.app import BASE, IMPORTED_AT, SAMPLE, accounts, app, do_import
from tests.support.base import LINKS, ROOT
from tests.support.delivery import Clock, delivery_config, make_worker
from tests.support.web import PASSWORD, Browser, Served, web_app

REGISTRIES = ROOT / "samples" / "registries"
PERMITS, SITES = REGISTRIES / "permits.csv", REGISTRIES / "sites.csv"
NOW = IMPORTED_AT + dt.timedelta(days=10)
NETWORK = BASE.network
assert NETWORK is not None


def run_coverage(engine, registry=Registry.PERMITS, path=PERMITS, now=NOW):
    return app(engine).lists().check_coverage(registry, path, now=now, by="测试核查")


def checks(engine, tmp_path: Path):
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path / "out")}})
    return app(engine, delivery=config).checks(), config


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


@dataclasses.dataclass
class Issued:
    """The sample list, a kept run against the permits registry with its tasks issued, and
    城东区's task with the place of its first finding to be added (名录中有、清单中无)."""

    run: Any
    service: Any
    config: Any
    east: Any
    task: Any
    missing: int


def issued_east(engine, tmp_path: Path) -> Issued:
    do_import(engine, SAMPLE)
    run = run_coverage(engine).run
    service, config = checks(engine, tmp_path)
    service.issue(run.id, now=NOW, by="张值班")
    east = NETWORK.unit("county:城东区")
    assert east is not None
    task = service.task(run.id, east.uscc)
    missing = [i.finding.kind for i in task.items].index(FindingKind.MISSING)
    return Issued(run, service, config, east, task, missing)


def test_each_finding_goes_to_its_county_once_through_the_outbox(engine, tmp_path):
    do_import(engine, SAMPLE)
    run = run_coverage(engine).run
    service, config = checks(engine, tmp_path)
    issued = service.issue(run.id, now=NOW, by="张值班")
    # every finding of the sample permits registry is in a county of the network
    counties = {f.county for f in run.findings}
    assert issued.tasks == len(counties) == 7
    assert issued.items == len(run.findings) == 28
    assert issued.unassigned == ()
    assert issued.deliveries == 7
    standing = service.standing(run.id)
    for task in standing.tasks:
        unit = NETWORK.unit(task.unit_id)
        assert unit is not None
        assert unit.uscc == task.uscc
        # an oracle: the unit's items are exactly the findings in its county
        assert sorted(i.finding.ident for i in task.items) == sorted(
            f.ident for f in run.findings if f.county == unit.county
        )
        assert task.deadline.astimezone(BASE.settings.zone).date() == (
            NOW.date() + dt.timedelta(days=NETWORK.answer_days)
        )
    # issuing again (a second click, another process) adds nothing
    again = service.issue(run.id, now=NOW + dt.timedelta(minutes=1), by="李值班")
    assert again.already
    assert again.deliveries == 0
    assert count(engine, coverage_tasks) == 7
    assert count(engine, deliveries, deliveries.c.kind == MessageKind.CHECK.value) == 7
    assert count(engine, audit_log, audit_log.c.action == AuditAction.LIST_CHECKS.value) == 1
    # the worker sends them: each unit's message carries its own signed link, and the task
    worker = make_worker(engine, config, Clock(NOW + dt.timedelta(minutes=2)), tmp_path)
    worker.drain()
    folder = tmp_path / "out" / f"coverage-{run.id}"
    for task in standing.tasks:
        text = (folder / f"{task.uscc}.check.txt").read_text(encoding="utf-8")
        link = re.search(r"https?://\S+/check/(\S+)", text)
        assert link is not None, text
        assert LINKS.verify_check(link[1], NOW)[:2] == (run.id, task.uscc)
        assert f"核实的事项{len(task.items)}项" in text
        html = (folder / f"{task.uscc}.check.html").read_text(encoding="utf-8")
        assert "关于核实应急减排清单覆盖情况的通知" in html
        for item in task.items:
            assert item.finding.name in html


def test_findings_in_no_county_go_to_the_member_unit_overseeing_the_sheet(engine, tmp_path):
    do_import(engine, SAMPLE)
    rows = list(csv.DictReader(SITES.open(encoding="utf-8-sig")))
    fields = list(rows[0])
    rows.append({**dict.fromkeys(fields, ""), "项目名称": "示例市无名工地", "区县": "外市某区"})
    edited = tmp_path / "sites.csv"
    with edited.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)
    run = run_coverage(engine, Registry.SITES, edited).run
    stray = next(f for f in run.findings if f.name == "示例市无名工地")
    zhujian = NETWORK.unit("zhujian")
    assert zhujian is not None
    assert unit_for(NETWORK, Registry.SITES, stray) == zhujian
    service, _ = checks(engine, tmp_path)
    service.issue(run.id, now=NOW, by="张值班")
    mine = service.task(run.id, zhujian.uscc)
    assert [i.finding.name for i in mine.items] == ["示例市无名工地"]


def test_a_unit_answers_on_its_signed_page_and_refusals_take_nothing(engine, tmp_path):
    it = issued_east(engine, tmp_path)
    run, service, east, task, missing = it.run, it.service, it.east, it.task, it.missing
    absent = [i.finding.kind for i in task.items].index(FindingKind.ABSENT)
    clock = Clock(NOW + dt.timedelta(days=1))
    token = LINKS.check_token(run.id, east.uscc, LINKS.expiry(NOW))
    with Served(web_app(engine, clock)) as served:
        url = f"{served.url}/check/{token}"
        page = requests.get(url, timeout=5)
        assert page.status_code == 200
        assert "<h1>城东区人民政府</h1>" in page.text
        assert "已填报0项，共3项" in page.text
        # 其他情况 without a note, and an answer that does not fit its finding: refused, naming
        # each item; the valid answer beside them is not taken either
        bad = requests.post(
            url,
            data={
                f"outcome_{missing}": "added",
                f"outcome_{absent}": "other",
                "signer": "城东区生态环境分局李科长",
            },
            timeout=5,
        )
        assert bad.status_code == 400
        assert f"第{absent + 1}项（" in bad.text
        assert "须填写说明" in bad.text
        assert count(engine, coverage_answers) == 0
        wrong = requests.post(
            url, data={f"outcome_{absent}": "added", "signer": "李科长"}, timeout=5
        )
        assert wrong.status_code == 400
        assert "不适用于此类事项" in wrong.text
        good = requests.post(
            url,
            data={
                f"outcome_{missing}": "added",
                f"outcome_{absent}": "closed",
                f"note_{absent}": "2025年8月已关停",
                "signer": "李科长",
            },
            timeout=5,
            allow_redirects=False,
        )
        assert good.status_code == 303
        after = requests.get(served.url + good.headers["Location"], timeout=5)
        assert "核实结果已填报" in after.text
        assert "已填报2项，共3项" in after.text
        # answering one again replaces its answer
        requests.post(
            url,
            data={f"outcome_{absent}": "other", f"note_{absent}": "企业已更名", "signer": "王"},
            timeout=5,
        )
        original = requests.get(f"{url}/document", timeout=5)
        assert "关于核实应急减排清单覆盖情况的通知" in original.text
        # the token opens nothing else: not an enterprise's page, not another unit's task
        assert requests.get(f"{served.url}/ack/{token}", timeout=5).status_code == 404
        forged = token.replace(east.uscc, NETWORK.unit("county:城西区").uscc)  # type: ignore[union-attr]
        assert requests.get(f"{served.url}/check/{forged}", timeout=5).status_code == 404
        alert_token = LINKS.token(1, east.uscc, LINKS.expiry(NOW))
        assert requests.get(f"{served.url}/check/{alert_token}", timeout=5).status_code == 404
        expired = LINKS.check_token(run.id, east.uscc, int(NOW.timestamp()))
        assert requests.get(f"{served.url}/check/{expired}", timeout=5).status_code == 410
    task = service.task(run.id, east.uscc)
    answers = {a.key: a for a in task.answers}
    assert answers[task.items[missing].finding.key].outcome is Outcome.ADDED
    assert answers[task.items[absent].finding.key].outcome is Outcome.OTHER
    assert answers[task.items[absent].finding.key].note == "企业已更名"
    assert count(engine, coverage_answers) == 2


def test_the_next_run_carries_the_answers_and_marks_a_finding_answered_done(engine, tmp_path):
    it = issued_east(engine, tmp_path)
    first, service, east, n = it.run, it.service, it.east, it.missing
    service.answer(first.id, east.uscc, {f"outcome_{n}": "added"}, signer="李科长", now=NOW)
    with pytest.raises(AnswerRefused, match="请至少选择一项"):
        service.answer(first.id, east.uscc, {}, signer="李科长", now=NOW)
    with pytest.raises(AnswerRefused, match="请填写填报人"):
        service.answer(first.id, east.uscc, {f"outcome_{n}": "added"}, signer=" ", now=NOW)
    # the list was not changed: the next run finds the same, and says the county answered it
    later = NOW + dt.timedelta(days=20)
    second = run_coverage(engine, now=later).run
    service.issue(second.id, now=later, by="张值班")
    again = service.task(second.id, east.uscc)
    item = again.items[n]
    assert item.before is not None
    assert item.before.outcome is Outcome.ADDED
    assert item.contradicted
    assert sum(1 for i in again.items if i.contradicted) == 1
    assert service.standing(second.id).contradicted == 1
    body = service.document(second.id, east.uscc)
    assert "上次核查已答复办结，本次比对仍然存在" in body


def test_issuing_needs_a_network_and_findings(engine, tmp_path):
    do_import(engine, SAMPLE)
    run = run_coverage(engine).run
    config = delivery_config({"folder": {"kind": "folder", "path": str(tmp_path)}})
    bare = app(engine, delivery=config, network=None).checks()
    with pytest.raises(InputInvalid, match="未配置应急响应网络"):
        bare.issue(run.id, now=NOW, by="张值班")
    service, _ = checks(engine, tmp_path)
    with pytest.raises(Exception, match="没有第99次核查记录"):
        service.issue(99, now=NOW, by="张值班")
    assert count(engine, coverage_tasks) == 0


def test_the_console_issues_tasks_only_with_the_role_and_shows_the_answers(engine, tmp_path):
    do_import(engine, SAMPLE)
    run = run_coverage(engine).run
    for username, role in (("zhang", "duty_officer"), ("chen", "director")):
        accounts(engine).add_user(
            username=username, display_name=username, role=role, password=PASSWORD, now=NOW
        )
    clock = Clock(NOW)
    with Served(web_app(engine, clock, data_dir=tmp_path)) as served:
        zhang, chen = Browser(served.url), Browser(served.url)
        assert zhang.sign_in("zhang").status_code == 303
        assert chen.sign_in("chen").status_code == 303
        page = zhang.get(f"/lists/coverage?run={run.id}")
        assert "尚未下发" in page.text
        assert "向各单位下发核查任务" not in page.text  # a duty officer may not
        refused = zhang.post(f"/lists/coverage/{run.id}/tasks", {"csrf": zhang.csrf()})
        assert refused.status_code == 403
        assert count(engine, coverage_tasks) == 0
        assert "向各单位下发核查任务" in chen.get(f"/lists/coverage?run={run.id}").text
        done = chen.post(f"/lists/coverage/{run.id}/tasks", {"csrf": chen.csrf()})
        assert done.status_code == 303
        assert count(engine, coverage_tasks) == 7
        east = NETWORK.unit("county:城东区")
        assert east is not None
        task = app(engine).checks().task(run.id, east.uscc)
        n = [i.finding.kind for i in task.items].index(FindingKind.MISSING)
        app(engine).checks().answer(
            run.id, east.uscc, {f"outcome_{n}": "added"}, signer="李科长", now=NOW
        )
        shown = chen.get(f"/lists/coverage?run={run.id}").text
        assert "已答复1项" in shown
        assert "已纳入清单（城东区人民政府，李科长）" in shown
        again = chen.post(f"/lists/coverage/{run.id}/tasks", {"csrf": chen.csrf()})
        assert again.status_code == 303
        assert "done=again" in again.headers["Location"]


def test_the_draft_revision_shows_what_each_unit_answered(engine, tmp_path):
    import openpyxl

    from orchestrator.emissions.workbook import TODO_HEADER, TODO_SHEET

    it = issued_east(engine, tmp_path)
    run, service, east, task, n = it.run, it.service, it.east, it.task, it.missing
    service.answer(
        run.id, east.uscc, {f"outcome_{n}": "added", f"note_{n}": "已补充措施"},
        signer="李科长", now=NOW,
    )  # fmt: skip
    out = tmp_path / "draft.xlsx"
    app(engine).lists().write_draft(out, dt.date(2025, 10, 1), answers=service.answer_texts)
    rows = list(openpyxl.load_workbook(out)[TODO_SHEET].iter_rows(values_only=True))
    assert rows[0] == TODO_HEADER
    answered = {r[2]: r[6] for r in rows[1:] if r[6]}
    key = task.items[n].finding.key
    assert answered == {key: "已纳入清单：已补充措施（城东区人民政府，李科长，2025-09-30）"}


def test_an_overdue_task_is_chased_once_by_the_scheduler(engine, tmp_path):
    from tests.support.scheduling import beat

    it = issued_east(engine, tmp_path)
    run, service, config, east, done = it.run, it.service, it.config, it.east, it.task
    kinds = [i.finding.kind for i in done.items]
    every = {f"outcome_{n}": "other" for n in range(len(kinds))}
    every.update({f"note_{n}": "已核实" for n in range(len(kinds))})
    service.answer(run.id, east.uscc, every, signer="李科长", now=NOW)
    # before the deadline nothing is chased
    assert service.chase(NOW + dt.timedelta(days=NETWORK.answer_days - 1)) == []
    late = NOW + dt.timedelta(days=NETWORK.answer_days + 1)
    clock = Clock(late)
    results = beat(engine, tmp_path, clock).run_checks()
    chased = {r.job.rsplit(":", 1)[1] for r in results}
    # every unit but the one that answered everything, once
    assert len(chased) == 6
    assert east.uscc not in chased
    assert all("已催办" in r.detail for r in results)
    assert beat(engine, tmp_path, clock).run_checks() == []
    assert service.chase(late) == []
    reminders = deliveries.c.reason == "escalation"
    assert count(engine, deliveries, reminders, deliveries.c.kind == "check") == 6
    worker = make_worker(engine, config, Clock(late + dt.timedelta(minutes=1)), tmp_path)
    worker.drain()
    folder = tmp_path / "out" / f"coverage-{run.id}"
    # the folder keeps the newest message of each unit: the reminder, with its link
    west = NETWORK.unit("county:城西区")
    assert west is not None
    text = (folder / f"{west.uscc}.check.txt").read_text(encoding="utf-8")
    left = len(service.task(run.id, west.uscc).items)
    assert f"已超过填报期限（{late.date() - dt.timedelta(days=1):%Y年%-m月%-d日}）" in text
    assert f"尚有{left}项未填报核实结果" in text
    assert f"/check/v{run.id}.{west.uscc}." in text


def test_the_office_enters_a_units_answers_on_its_behalf(engine, tmp_path):
    it = issued_east(engine, tmp_path)
    run, service, east, task, n = it.run, it.service, it.east, it.task, it.missing
    for username, role in (("zhang", "duty_officer"), ("chen", "director")):
        accounts(engine).add_user(
            username=username, display_name=username, role=role, password=PASSWORD, now=NOW
        )
    path = f"/lists/coverage/{run.id}/tasks/{east.uscc}"
    with Served(web_app(engine, Clock(NOW), data_dir=tmp_path)) as served:
        zhang, chen = Browser(served.url), Browser(served.url)
        assert zhang.sign_in("zhang").status_code == 303
        assert chen.sign_in("chen").status_code == 303
        page = zhang.get(path)
        assert page.status_code == 200
        assert "代填核实结果" in page.text
        assert task.items[n].finding.name in page.text
        form = {"csrf": zhang.csrf(), f"outcome_{n}": "added", "signer": "城东区李科长"}
        assert zhang.post(path, form).status_code == 403  # a duty officer may not
        assert count(engine, coverage_answers) == 0
        bad = chen.post(path, {**form, "csrf": chen.csrf(), f"outcome_{n}": "other"})
        assert bad.status_code == 400
        assert "须填写说明" in bad.text
        assert count(engine, coverage_answers) == 0
        done = chen.post(path, {**form, "csrf": chen.csrf()})
        assert done.status_code == 303
        assert "done=answered" in done.headers["Location"]
        assert chen.get(f"/lists/coverage/{run.id}/tasks/{'0' * 18}").status_code == 404
    [answer] = service.task(run.id, east.uscc).answers
    assert answer.outcome is Outcome.ADDED
    assert answer.signer == "城东区李科长（chen代填）"
