"""Coverage of the list against the registries, both ways, on both databases: the defects planted
in the sample registries (samples/make_registries.py) are each found; runs are kept and compared;
rows that cannot be read are named and skipped; a file that cannot be used stores nothing."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest
from sqlalchemy import func, select

from orchestrator.audit.model import AuditAction
from orchestrator.db.tables import audit_log, coverage_runs
from orchestrator.emissions.model import ListFileInvalid
from orchestrator.emissions.registries import FindingKind, Registry
from orchestrator.emissions.workbook import write_coverage
from tests.support.app import IMPORTED_AT, SAMPLE, app, do_import, load_list
from tests.support.base import ROOT

REGISTRIES = ROOT / "samples" / "registries"
PERMITS, SITES, TRANSPORT = (REGISTRIES / f for f in ("permits.csv", "sites.csv", "transport.csv"))
NOW = IMPORTED_AT + dt.timedelta(days=10)


def check(engine, registry=Registry.PERMITS, path=PERMITS, **kw):
    return app(engine).lists().check_coverage(registry, path, now=NOW, by="测试核查", **kw)


def kinds(report) -> dict[FindingKind, set[str]]:
    out: dict[FindingKind, set[str]] = {}
    for f in report.run.findings:
        out.setdefault(f.kind, set()).add(f.key)
    return out


def test_the_permit_registry_is_compared_both_ways(engine):
    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    nth = dict(enumerate(lst.enterprises, start=1))
    found = kinds(check(engine))
    registry = {
        r["统一社会信用代码"]: r for r in csv.DictReader(PERMITS.open(encoding="utf-8-sig"))
    }
    extra = {u: r for u, r in registry.items() if u not in {e.uscc for e in lst.enterprises}}
    # registry → list: the 4 air-emitting holders in force, not the revoked one nor the one
    # without air emissions; 登记管理 with VOCs for review
    assert found[FindingKind.MISSING] == {
        u for u, r in extra.items() if r["涉气"] == "是" and r["状态"] == "有效"
    }
    assert len(found[FindingKind.MISSING]) == 4
    assert found[FindingKind.REVIEW] == {u for u, r in extra.items() if r["管理类别"] == "登记管理"}
    assert len(found[FindingKind.REVIEW]) == 3
    # list → registry
    assert found[FindingKind.ABSENT] == {nth[n].uscc for n in range(31, 300, 31)}
    assert found[FindingKind.INACTIVE] == {nth[300].uscc}
    assert found[FindingKind.PERMIT_MISMATCH] == {nth[12].uscc, nth[47].uscc}
    assert found[FindingKind.NO_PERMIT] == {
        e.uscc for e in lst.enterprises if not e.permit_no and e.uscc in registry
    }
    assert found[FindingKind.RENAMED] == {nth[88].uscc}


def test_sites_and_transport_users_are_compared_both_ways(engine):
    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    sites = kinds(check(engine, Registry.SITES, SITES))
    assert {k.split("/")[1] for k in sites[FindingKind.MISSING]} == {
        "示例市滨河公园二期项目", "示例市北环路改造项目", "示例市职教园区项目",
    }  # fmt: skip
    assert sites[FindingKind.ABSENT] == {f"{lst.dust_sites[6].county}/{lst.dust_sites[6].name}"}
    assert sites[FindingKind.INACTIVE] == {f"{lst.dust_sites[2].county}/{lst.dust_sites[2].name}"}
    users = kinds(check(engine, Registry.TRANSPORT, TRANSPORT))
    assert users[FindingKind.ABSENT] == {lst.transport_users[4].uscc, lst.transport_users[22].uscc}
    assert len(users[FindingKind.MISSING]) == 2


def test_each_run_is_kept_audited_and_compared_with_the_previous(engine, tmp_path):
    do_import(engine, SAMPLE)
    first = check(engine)
    assert first.previous is None
    assert first.run.id > 0
    # the county answered: one absent firm does hold a permit (the export had missed it), and a
    # new holder appeared
    lst = load_list(engine, 1)
    absent = lst.enterprises[30]  # the 31st
    rows = list(csv.reader(PERMITS.open(encoding="utf-8-sig")))
    rows.append([absent.uscc, absent.name, absent.permit_no, "重点管理", absent.county, "", "是", "颗粒物", "", "有效"])  # fmt: skip
    newcomer = "91999900MA0600099P"
    from orchestrator.emissions.model import uscc_check_char, uscc_valid

    newcomer = newcomer[:17] + uscc_check_char(newcomer[:17])
    assert uscc_valid(newcomer)
    rows.append([newcomer, "示例市新建陶瓷有限公司", "", "重点管理", "南川县", "陶瓷", "是", "颗粒物", "", "有效"])  # fmt: skip
    again = tmp_path / "permits-2.csv"
    with again.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(rows)
    second = check(engine, path=again)
    assert second.previous is not None
    assert second.previous.id == first.run.id
    assert [(f.kind, f.key) for f in second.resolved] == [(FindingKind.ABSENT, absent.uscc)]
    assert [(f.kind, f.key) for f in second.new] == [(FindingKind.MISSING, newcomer)]
    runs = app(engine).lists().coverage_runs(Registry.PERMITS)
    assert [r.id for r in runs] == [second.run.id, first.run.id]
    assert runs[0].findings == second.run.findings
    with engine.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action, audit_log.c.actor).where(
                audit_log.c.action == AuditAction.LIST_COVERAGE.value
            )
        ).all()
    assert actions == [("list_coverage", "测试核查")] * 2


def test_a_check_not_kept_stores_nothing(engine):
    do_import(engine, SAMPLE)
    report = check(engine, keep=False)
    assert report.run.id == 0
    assert report.run.findings
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(coverage_runs)).scalar() == 0


def test_the_three_column_registry_csv_still_works(engine, tmp_path):
    """统一社会信用代码, 企业名称, 涉气: what `list coverage` read before."""
    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    old = tmp_path / "permits.csv"
    with old.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["统一社会信用代码", "企业名称", "涉气"])
        for e in lst.enterprises[:-1]:
            w.writerow([e.uscc, e.name, "是"])
        w.writerow(["91999900MA0600001Q", "示例市宏远铸造有限公司", "是"])
    found = kinds(check(engine, path=old))
    assert found[FindingKind.MISSING] == {"91999900MA0600001Q"}
    assert found[FindingKind.ABSENT] == {lst.enterprises[-1].uscc}


@pytest.mark.parametrize("form", ["gbk", "xlsx"])
def test_a_gbk_csv_and_a_workbook_read_as_the_utf8_csv(engine, tmp_path, form):
    do_import(engine, SAMPLE)
    rows = list(csv.reader(PERMITS.open(encoding="utf-8-sig")))
    if form == "gbk":
        path = tmp_path / "permits.csv"
        with path.open("w", newline="", encoding="gbk") as fh:
            csv.writer(fh).writerows(rows)
    else:
        path = tmp_path / "permits.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["排污许可证名录导出（示例市）"])  # a title row above the header
        for r in rows:
            ws.append(r)
        wb.save(path)
    assert (
        check(engine, path=path, keep=False).run.findings == check(engine, keep=False).run.findings
    )


def test_a_row_that_cannot_be_read_is_named_and_skipped(engine, tmp_path):
    do_import(engine, SAMPLE)
    rows = list(csv.reader(PERMITS.open(encoding="utf-8-sig")))
    rows[5][0] = "91999900MA000000XX"  # a broken check digit
    rows[6][6] = "也许"
    path = tmp_path / "permits.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    report = check(engine, path=path)
    assert report.problems == (
        f"{path}:6:统一社会信用代码: “91999900MA000000XX”不是有效的统一社会信用代码",
        f"{path}:7:涉气: 应为“是”或“否”，实为“也许”",
    )
    assert report.run.holders == len(rows) - 3


def test_a_registry_without_a_required_column_is_refused_and_nothing_kept(engine, tmp_path):
    do_import(engine, SAMPLE)
    path = tmp_path / "permits.csv"
    path.write_text(
        "统一社会信用代码,单位名称\n91999905MA0000001H,示例市瑞瑞焦化有限公司\n", encoding="utf-8"
    )
    with pytest.raises(ListFileInvalid) as err:
        check(engine, path=path)
    assert list(err.value.problems) == [f"{path}:1:涉气: 缺少必填列"]
    bad = tmp_path / "permits.txt"
    bad.write_text("x", encoding="utf-8")
    with pytest.raises(ListFileInvalid, match="不支持的文件类型"):
        check(engine, path=bad)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(coverage_runs)).scalar() == 0


def test_the_report_workbook_gives_each_county_its_list(engine, tmp_path):
    do_import(engine, SAMPLE)
    report = check(engine)
    out = tmp_path / "coverage.xlsx"
    write_coverage(report, out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "汇总"
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary[FindingKind.MISSING.label] == 4
    by_county = report.by_county()
    assert wb.sheetnames[1:] == list(by_county)
    for county, findings in by_county.items():
        rows = list(wb[county].iter_rows(min_row=2, values_only=True))
        assert [(r[0], r[1]) for r in rows] == [(f.kind.label, f.key) for f in findings]
        assert all(r[4] for r in rows)  # what to do about it


def test_the_readme_documents_every_registry_column():
    from orchestrator.emissions.registries import REGISTRY_COLUMNS

    readme = (ROOT / "emission_lists" / "README.md").read_text(encoding="utf-8")
    for columns in REGISTRY_COLUMNS.values():
        for c in columns:
            assert f"| {c.header}" in readme, c.header


def _registry_with_capacity(tmp_path, uscc: str, capacity: str):
    """The sample permits registry with ``uscc``'s 许可产能 set (its row added if absent)."""
    rows = list(csv.DictReader(PERMITS.open(encoding="utf-8-sig")))
    fields = list(rows[0])
    hit = [r for r in rows if r["统一社会信用代码"] == uscc]
    if not hit:
        rows.append({**rows[0], "统一社会信用代码": uscc, "单位名称": "", "许可证编号": ""})
        hit = rows[-1:]
    hit[0]["许可产能"] = capacity
    out = tmp_path / f"permits-{len(list(tmp_path.iterdir()))}.csv"
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)
    return out


def _capacity_findings(report, uscc):
    return [
        f
        for f in report.run.findings
        if f.key == uscc and f.kind in (FindingKind.CAPACITY_MISSING, FindingKind.CAPACITY_MISMATCH)
    ]


def test_the_permitted_capacity_is_compared_with_the_registry(engine, tmp_path):
    from tests.emissions.test_capacities import CEMENT, with_capacities

    path, found = with_capacities(tmp_path, "水泥熟料", **CEMENT)  # 许可 4,600 吨/日, binding
    do_import(engine, path)
    uscc = found["uscc"]
    same = check(engine, path=_registry_with_capacity(tmp_path, uscc, "4600吨/日"), keep=False)
    assert _capacity_findings(same, uscc) == []
    other = check(engine, path=_registry_with_capacity(tmp_path, uscc, "日产5000 t"), keep=False)
    [f] = _capacity_findings(other, uscc)
    assert f.kind is FindingKind.CAPACITY_MISMATCH
    assert f.detail == "清单许可产能合计4600吨/日，名录为日产5000 t"
    # a yearly figure is not compared with a daily one (no days of operation to convert by)
    yearly = check(engine, path=_registry_with_capacity(tmp_path, uscc, "年产150万吨"), keep=False)
    assert _capacity_findings(yearly, uscc) == []


def test_a_binding_line_without_a_permitted_capacity_is_flagged(engine, tmp_path):
    from tests.emissions.test_capacities import with_capacities

    cells = {"环评批复产能": 5000, "上年实际日均产量": 4200, "产能单位": "吨/日"}
    path, found = with_capacities(tmp_path, "水泥熟料", **cells)
    do_import(engine, path)
    uscc = found["uscc"]
    report = check(engine, path=_registry_with_capacity(tmp_path, uscc, "年产150万吨"), keep=False)
    [f] = _capacity_findings(report, uscc)
    assert f.kind is FindingKind.CAPACITY_MISSING
    assert "名录中的许可产能为年产150万吨" in f.detail
    # a registry that gives no capacity asks nothing
    none = check(engine, path=_registry_with_capacity(tmp_path, uscc, ""), keep=False)
    assert _capacity_findings(none, uscc) == []


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("年产11万吨", (110000.0, "吨/年")),
        ("11万吨/年", (110000.0, "吨/年")),
        ("3000 t/d", (3000.0, "吨/日")),
        ("3,000吨/天", (3000.0, "吨/日")),
        ("50万m3/a", (500000.0, "立方米/年")),
        ("100吨", None),  # no period
        ("见附件", None),
    ],
)
def test_capacity_figures_are_read_as_written(text, figure):
    from orchestrator.emissions.registries import capacity_figure

    assert capacity_figure(text) == figure
