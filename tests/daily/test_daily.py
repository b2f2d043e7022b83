"""每日调度: daily reports owed by the enterprises and units an alert sent orders and task notices,
taken once per (alert, reporter, day) from any door, refused where they are wrong (named
item), counted in the roll-up exactly as a Python oracle counts them, and each day's round —
the missing chased, counties told, the leaders sent the summary — done once (both databases)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from orchestrator.alerts.model import AlertLevel
from orchestrator.daily.model import Reporter, ReportInvalid, Via
from orchestrator.daily.service import NotDue, summary_text
from orchestrator.db.tables import daily_reports, deliveries
from orchestrator.network.model import UnitKind
from tests.support.app import BASE, app, issue_sample, load_list

Z = BASE.settings.zone


def at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=Z)


D6 = dt.date(2026, 1, 6)


def _owed(daily, alert_id, code, day=D6):
    found = daily.day(alert_id, day).of(code)
    assert found is not None
    return found.owed


def test_a_daily_report_is_one_per_reporter_and_day_and_the_newest_stands(engine):
    alert_id, _ = issue_sample(engine)  # orange, 6 Jan 0时 to 9 Jan 0时
    daily = app(engine).daily()
    lst = load_list(engine, 1)
    firm = lst.enterprises[0]
    owed = _owed(daily, alert_id, firm.uscc)
    n = len(owed)
    daily.submit(alert_id, firm.uscc, D6, done=[True] * n, notes=[""] * n, by="王厂长",
                 via=Via.PAGE, now=at(6, 10))  # fmt: skip
    daily.submit(alert_id, firm.uscc, D6, done=[True] * n, notes=[""] * n, by="王厂长",
                 via=Via.PAGE, now=at(6, 10, 1))  # the same again  # fmt: skip
    again = daily.submit(alert_id, firm.uscc, D6, done=[False] + [True] * (n - 1),
                         notes=["设备检修，已报告"] + [""] * (n - 1), by="王厂长",
                         via=Via.API, now=at(6, 11))  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(daily_reports)).scalar() == 1
    stored = daily.report(alert_id, firm.uscc, D6)
    assert stored == again
    assert not stored.complete
    assert stored.via is Via.API
    assert stored.items[0].note == "设备检修，已报告"
    # another day is another report
    daily.submit(alert_id, firm.uscc, dt.date(2026, 1, 7), done=[True] * n, notes=[""] * n,
                 by="王厂长", via=Via.PAGE, now=at(7, 9))  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(daily_reports)).scalar() == 2


def test_a_unit_reports_its_duties_with_the_figures_the_matrix_asks_for(engine):
    alert_id, _ = issue_sample(engine)
    daily = app(engine).daily()
    zhujian = BASE.network.unit("zhujian")
    jiaoyu = BASE.network.unit("jiaoyu")
    (duty,) = _owed(daily, alert_id, zhujian.uscc)
    assert duty.figure == "停止施工工地数（处）"
    ok = daily.submit(alert_id, zhujian.uscc, D6, done=[True], notes=[""], figures=["27"],
                      by="住建值班", via=Via.PAGE, now=at(6, 15))  # fmt: skip
    assert ok.reporter is Reporter.UNIT
    assert ok.items[0].figure == 27
    refusals = [
        ({"done": [True], "notes": [""], "figures": [""]}, "第1项（全市建筑工地.*）：请填写停止施工工地数（处）"),
        ({"done": [True], "notes": [""], "figures": ["二十"]}, "应为数字，收到“二十”"),
        ({"done": [True], "notes": [""], "figures": ["-1"]}, "应为不小于0的整数"),
        ({"done": [False], "notes": [""], "figures": ["3"]}, "未落实的须说明原因"),
        ({"done": [True, True], "notes": ["", ""], "figures": ["1", "1"]}, "日报应逐项填写"),
    ]  # fmt: skip
    for kw, message in refusals:
        with pytest.raises(ReportInvalid, match=message):
            daily.submit(alert_id, zhujian.uscc, D6, by="住建值班", via=Via.PAGE,
                         now=at(6, 15), **kw)  # fmt: skip
    # a duty without a figure takes none
    with pytest.raises(ReportInvalid, match="本项无须报送数字"):
        daily.submit(alert_id, jiaoyu.uscc, D6, done=[True], notes=[""], figures=["5"],
                     by="教育值班", via=Via.PAGE, now=at(6, 15))  # fmt: skip
    # days the alert does not cover, days not begun, strangers
    with pytest.raises(NotDue, match="不在执行期内"):
        daily.submit(alert_id, zhujian.uscc, dt.date(2026, 1, 5), done=[True], notes=[""],
                     figures=["1"], by="住建值班", via=Via.PAGE, now=at(6, 15))  # fmt: skip
    with pytest.raises(ReportInvalid, match="该日尚未到来"):
        daily.submit(alert_id, zhujian.uscc, dt.date(2026, 1, 7), done=[True], notes=[""],
                     figures=["1"], by="住建值班", via=Via.PAGE, now=at(6, 15))  # fmt: skip
    with pytest.raises(NotDue, match="无须报送日报"):
        daily.submit(alert_id, "91999900MA0000000X", D6, done=[True], notes=[""],
                     by="某人", via=Via.PAGE, now=at(6, 15))  # fmt: skip
    # the refused changed nothing
    assert daily.report(alert_id, zhujian.uscc, D6) == ok


def test_the_roll_up_counts_as_the_oracle_does(engine):
    alert_id, _ = issue_sample(engine)
    daily = app(engine).daily()
    lst, matrix = load_list(engine, 1), BASE.network
    found = daily.day(alert_id, D6)
    rng = random.Random(6)
    # the oracle's own view of who owes a report: every enterprise of the list, every unit
    assert sorted(e.code for e in found.expected if e.reporter is Reporter.ENTERPRISE) == sorted(
        e.uscc for e in lst.enterprises
    )
    assert sorted(e.code for e in found.expected if e.reporter is Reporter.UNIT) == sorted(
        u.uscc for u in matrix.units
    )
    sent: dict[str, tuple[list[bool], list[float | None], dt.datetime]] = {}
    for e in found.expected:
        if rng.random() < 0.3:
            continue  # does not report
        n = len(e.owed)
        done = [rng.random() < 0.8 for _ in range(n)]
        figures = [str(rng.randint(0, 40)) if o.figure else "" for o in e.owed]
        when = at(6, 15) if rng.random() < 0.8 else at(6, 18)  # some after 16时
        daily.submit(alert_id, e.code, D6, done=done, notes=["" if d else "原因" for d in done],
                     figures=figures, by="报送人", via=Via.CONSOLE, now=when)  # fmt: skip
        sent[e.code] = (done, [float(f) if f else None for f in figures], when)
    r = daily.roll_up(alert_id, D6, at(6, 20))
    # the oracle, from the list and the matrix directly
    due = at(6, 16)
    place = {e.uscc: (e.county, e.town) for e in lst.enterprises}
    place |= {u.uscc: (u.county, u.township) for u in matrix.units}
    label = {u.uscc: {d.text: d.report for d in matrix.duties_of(u.id, AlertLevel.ORANGE)}
             for u in matrix.units}  # fmt: skip
    expected_by_county: Counter[str] = Counter()
    reported_by_county: Counter[str] = Counter()
    done_by_town: Counter[str] = Counter()
    for code, (county, town) in place.items():
        if county:
            expected_by_county[county] += 1
            reported_by_county[county] += code in sent
        if town and code in sent:
            done_by_town[county + town] += sum(sent[code][0])
    figures: dict[str, float] = defaultdict(float)
    for u in matrix.units:
        if u.uscc in sent:
            owed = found.of(u.uscc).owed
            for o, f in zip(owed, sent[u.uscc][1], strict=True):
                if f is not None:
                    assert label[u.uscc][o.key] == o.figure
                    figures[o.figure] += f
    assert r.city.expected == len(place)
    assert r.city.reported == len(sent)
    assert r.city.missing == len(place) - len(sent)
    assert r.city.late == sum(1 for *_, w in sent.values() if w > due)
    assert r.city.done == sum(sum(d) for d, *_ in sent.values())
    assert r.city.items == sum(len(d) for d, *_ in sent.values())
    assert {t.place: t.expected for t in r.counties} == dict(expected_by_county)
    assert {t.place: t.reported for t in r.counties} == dict(reported_by_county)
    assert {t.place: t.done for t in r.townships if t.done} == {
        k: v for k, v in done_by_town.items() if v
    }
    assert dict(r.city.figures) == dict(figures)
    assert len(r.problems) == sum(d.count(False) for d, *_ in sent.values())
    assert {m.code for m in r.missing} == set(place) - set(sent)
    members = [u for u in matrix.units if u.kind is UnitKind.MEMBER]
    assert [m.name for m in r.members] == [u.name for u in members]
    assert [m.reported for m in r.members] == [u.uscc in sent for u in members]
    text = summary_text(app(engine).templates(), r, "示例市", Z)
    assert f"应报{len(place)}家（个），已报{len(sent)}" in text


def test_each_day_s_round_chases_the_missing_and_tells_the_leaders_once(engine):
    alert_id, _ = issue_sample(engine)
    ctx = app(engine)
    daily = ctx.daily()
    lst = load_list(engine, 1)
    reporters = lst.enterprises[:10]
    for e in reporters:
        n = len(daily.day(alert_id, D6).of(e.uscc).owed)
        daily.submit(alert_id, e.uscc, D6, done=[True] * n, notes=[""] * n, by="厂长",
                     via=Via.PAGE, now=at(6, 12))  # fmt: skip
    assert daily.run_due(at(6, 15, 59)) == []  # not due yet
    done = daily.run_due(at(6, 16, 30))
    assert [(r.alert_id, r.day) for r in done] == [(alert_id, D6)]
    rolled = done[0]
    missing = rolled.missing
    counties = {e.county for e in lst.enterprises if e.uscc in {m.code for m in missing}}
    leaders = len(BASE.network.leaders)
    with engine.connect() as conn:
        rows = conn.execute(
            select(deliveries.c.recipient, deliveries.c.payload).where(deliveries.c.kind == "daily")
        ).all()
    recipients = Counter(r for r, _ in rows)
    assert sum(1 for r in recipients if not r.startswith(("county:", "leader:"))) == len(missing)
    assert {r.removeprefix("county:") for r in recipients if r.startswith("county:")} == counties
    assert sum(1 for r in recipients if r.startswith("leader:")) == leaders
    reminder = next(p for r, p in rows if r == missing[0].code)
    assert "1月6日应急管控日报应于16:00前报送" in reminder
    assert f"/ack/{alert_id}.{missing[0].code}." in reminder
    # again, later, or from another process: nothing more
    assert daily.run_due(at(6, 23)) == []
    with engine.connect() as conn:
        assert conn.execute(
            select(func.count()).select_from(deliveries).where(deliveries.c.kind == "daily")
        ).scalar() == len(rows)
    # the next day has its own round; after the alert ends there are none
    assert [r.day for r in daily.run_due(at(7, 17))] == [dt.date(2026, 1, 7)]
    assert [r.day for r in daily.run_due(at(12, 17))] == [dt.date(2026, 1, 8)]
    assert daily.days(alert_id, at(12, 17)) == [D6, dt.date(2026, 1, 7), dt.date(2026, 1, 8)]


def test_the_api_takes_a_daily_report_once_and_answers_the_roll_up(engine, tmp_path):
    import requests

    from tests.support.app import accounts
    from tests.support.delivery import Clock
    from tests.support.web import Served, add_users, web_app

    alert_id, _ = issue_sample(engine)
    now = at(6, 15)
    add_users(engine, ("county", "县大气办", "duty_officer"), ("guest", "访客", "viewer"), now=now)
    token = accounts(engine).issue_token("county", "区县系统", now=now)
    viewer = accounts(engine).issue_token("guest", "只读", now=now)
    chengguan = BASE.network.unit("chengguan")
    body = {"code": chengguan.uscc, "day": "2026-01-06", "by": "城管值班",
            "items": [{"done": True, "figure": 4}]}  # fmt: skip
    with Served(web_app(engine, Clock(now), data_dir=tmp_path)) as served:
        url = f"{served.url}/api/v1/alerts/{alert_id}/daily-reports"
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.post(url, json=body, headers={"Authorization": f"Bearer {viewer}"},
                             timeout=10).status_code == 403  # fmt: skip
        wrong = requests.post(
            url, json={**body, "items": [{"done": True}]}, headers=auth, timeout=10
        )
        assert wrong.status_code == 400
        assert "请填写查处露天烧烤、焚烧数（起）" in wrong.json()["detail"]
        for _ in range(2):  # the same report twice: one report
            ok = requests.post(url, json=body, headers=auth, timeout=10)
            assert ok.status_code == 201
            assert ok.json()["complete"] is True
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(daily_reports)).scalar() == 1
        rolled = requests.get(f"{served.url}/api/v1/alerts/{alert_id}/daily",
                              params={"day": "2026-01-06"}, headers=auth, timeout=10)  # fmt: skip
        assert rolled.status_code == 200
        data = rolled.json()
        assert data["city"]["reported"] == 1
        assert data["city"]["figures"] == {"查处露天烧烤、焚烧数（起）": 4}
        assert data["day"] == "2026-01-06"


def test_the_scheduler_runs_each_day_s_round_once(engine, tmp_path):
    from tests.support.delivery import Clock
    from tests.support.scheduling import beat

    alert_id, _ = issue_sample(engine)
    clock = Clock(at(6, 16, 5))
    heartbeat = beat(engine, tmp_path, clock)
    first = [r for r in heartbeat.run_due() if r.job.startswith("daily:")]
    assert [r.job for r in first] == [f"daily:{alert_id}:2026-01-06"]
    assert first[0].status == "done"
    assert "催报" in first[0].detail
    # a second scheduler (another server) on the same database does nothing more
    other = beat(engine, tmp_path, clock)
    assert [r for r in other.run_due() if r.job.startswith("daily:")] == []


def test_the_assessment_covers_the_units_and_every_day(engine):
    from tests.support.assessment import assessor

    alert_id, revision_id = issue_sample(engine)  # orange 6–9 Jan
    daily = app(engine).daily()
    zhujian = BASE.network.unit("zhujian")
    units = app(engine).unit_receipts()
    units.acknowledge(alert_id, zhujian.uscc, revision_id, signer="赵敏", now=at(4, 22))
    daily.submit(alert_id, zhujian.uscc, D6, done=[True], notes=[""], figures=["9"],
                 by="赵敏", via=Via.PAGE, now=at(6, 15))  # fmt: skip
    daily.submit(alert_id, zhujian.uscc, dt.date(2026, 1, 7), done=[True], notes=[""],
                 figures=["8"], by="赵敏", via=Via.PAGE, now=at(7, 17))  # late  # fmt: skip
    rec = assessor(engine).assess(alert_id, now=at(9, 10))
    assert [d["day"] for d in rec["dispatch"]] == ["2026-01-06", "2026-01-07", "2026-01-08"]
    expected = 300 + len(BASE.network.units)
    assert [d["expected"] for d in rec["dispatch"]] == [expected] * 3
    assert [d["reported"] for d in rec["dispatch"]] == [1, 1, 0]
    assert [d["late"] for d in rec["dispatch"]] == [0, 1, 0]
    assert rec["tasks"] == [
        {"revision_id": revision_id, "tasks": len(BASE.network.units), "acknowledged": 1,
         "document_number": "示重污应急〔2026〕1号"}
    ]  # fmt: skip
    assert f"每日调度3天，应报日报{3 * expected}份，报送2份" in "；".join(rec["conclusions"])
