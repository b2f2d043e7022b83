"""The console's map: its data is the list's positions and, on an alert's map, each order's state
as the notices page computes it; the stations with their newest AQI; the county outlines. The
map library is served from here, unchanged, and nothing but a fixed set of files is served under
/static/. (The browser test draws it in Chromium.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
from sqlalchemy import update

from orchestrator.db.tables import deliveries
from orchestrator.delivery.model import Scope, Subject
from tests.support.app import ISSUED_AT, SAMPLE, do_import, issue_sample, load_list, receipts
from tests.support.base import ROOT
from tests.support.delivery import Clock, delivery_config, make_worker, statuses_in_python
from tests.support.web import Served, add_users, signed_in, web_app
from tests.support.workbooks import broken, col

#: The vendored Leaflet 1.9.4 as shipped here (templates/static/leaflet/README.md: the npm
#: package's files, leaflet.js without its source-map line).
LEAFLET = {
    "leaflet/leaflet.js": "dc71f8a6880bc3ca1bd9fa8dc5f1af48c702dc510b0a78240a07c5feed7ce935",
    "leaflet/leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
}


def map_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert found, "the page carries its map data"
    return json.loads(found.group(1))


@pytest.fixture
def desk(engine, tmp_path):
    add_users(engine, ("zhang", "张值班", "duty_officer"), now=ISSUED_AT)
    return tmp_path


def test_the_list_map_shows_every_placed_enterprise_and_site(engine, desk):
    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    clock = Clock(ISSUED_AT)
    with Served(web_app(engine, clock, data_dir=desk)) as served:
        page = signed_in(served, "zhang").get("/map")
    assert page.status_code == 200
    data = map_data(page.text)
    enterprises = [p for p in data["points"] if p[2] == "e"]
    sites = [p for p in data["points"] if p[2] == "s"]
    assert len(enterprises) == sum(1 for e in lst.enterprises if e.location) == 294
    assert len(sites) == len(lst.dust_sites) == 30
    first = next(e for e in lst.enterprises if e.location)
    assert enterprises[0][:4] == [first.location.lon, first.location.lat, "e", first.name]
    assert enterprises[0][7] == f"/lists/1/enterprises/{first.uscc}"
    assert {p[6] for p in enterprises} == {"enterprise"}
    # the six without a position are listed by name under the map
    for e in (e for e in lst.enterprises if e.location is None):
        assert e.name in page.text
    assert "未填写坐标的企业（6家）" in page.text
    # the outlines and the stations of config/map.toml
    assert [f["properties"]["name"] for f in data["outlines"]["features"]] == [
        "城东区", "城西区", "高新区", "北山县", "南川县", "河口县", "清源市",
    ]  # fmt: skip
    assert [s["name"] for s in data["stations"]] == ["市监测站", "城东站", "城西站", "高新区站"]
    assert all(s["aqi"] is None for s in data["stations"])  # no consultation yet


def test_the_alert_map_colours_each_order_by_its_state(engine, desk):
    alert_id, revision_id = issue_sample(engine)
    config = delivery_config({"folder": {"kind": "folder", "path": str(desk / "out")}})
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=5))
    worker = make_worker(engine, config, clock, desk)
    worker.housekeeping()
    worker.drain()
    subject, scope = Subject(revision_id=revision_id), Scope(alert_id=alert_id)
    usccs = sorted(o.uscc for o in statuses_in_python(engine, subject))
    with engine.begin() as conn:
        conn.execute(
            update(deliveries).where(deliveries.c.recipient.in_(usccs[:3])).values(status="dead")
        )
    for u in usccs[10:20]:
        receipts(engine).acknowledge(scope, u, revision_id, signer="刘磊", now=clock.now())
    expected = {o.uscc: o.state for o in statuses_in_python(engine, subject)}

    with Served(web_app(engine, clock, data_dir=desk, delivery=config)) as served:
        zhang = signed_in(served, "zhang")
        before = map_data(zhang.get(f"/alerts/{alert_id}/map").text)
        clock.advance(hours=3)  # past the 2-hour receipt deadline: 未签收 becomes 逾期
        late = zhang.get(f"/alerts/{alert_id}/map")
    after = map_data(late.text)
    lst = load_list(engine, 1)

    def uscc_of(point: list) -> str:
        return point[4].split("　")[0]

    seen = {uscc_of(p): p[6] for p in before["points"] if p[2] == "e"}
    placed = {e.uscc for e in lst.enterprises if e.location}
    assert set(seen) == placed
    for uscc, state in seen.items():
        assert state == expected.get(uscc, "not_ordered"), uscc
    assert {"failed", "signed", "unsigned"} <= set(seen.values())
    late_states = {uscc_of(p): p[6] for p in after["points"] if p[2] == "e"}
    assert {u for u, s in late_states.items() if s == "overdue"} == {
        u for u, s in seen.items() if s == "unsigned"
    }
    # an ordered enterprise leads to its order in the console
    signed = next(p for p in before["points"] if p[6] == "signed")
    assert signed[7] == f"/alerts/{alert_id}/revisions/{revision_id}/orders/{uscc_of(signed)}"
    assert "逾期未签收" in late.text
    assert "签收时限" in late.text


def test_an_alert_not_issued_has_no_map(engine, desk):
    from tests.support.app import draft_orange

    do_import(engine, SAMPLE)
    alert_id = draft_orange(engine)
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk)) as served:
        page = signed_in(served, "zhang").get(f"/alerts/{alert_id}/map")
    assert page.status_code == 404
    assert f"预警{alert_id}尚未发布，没有指令可以标注" in page.text


def test_without_a_list_the_map_shows_the_counties_and_says_so(engine, desk):
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk)) as served:
        page = signed_in(served, "zhang").get("/map")
    assert page.status_code == 200
    assert "尚未导入应急减排清单" in page.text
    assert map_data(page.text)["points"] == []


def test_without_a_map_configured_the_page_says_whom_to_ask(engine, desk):
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk, map=None)) as served:
        page = signed_in(served, "zhang").get("/map")
    assert page.status_code == 404
    assert "未配置地图（config/map.toml）" in page.text


def test_the_stations_carry_the_newest_consultations_aqi(engine, desk):
    from tests.support.consultation import config, consultant

    now = ISSUED_AT
    consultant(engine, config(monitoring=True), desk).consult(slot=now, now=now)
    with Served(web_app(engine, Clock(now), data_dir=desk)) as served:
        data = map_data(signed_in(served, "zhang").get("/map").text)
    by_name = {s["name"]: s for s in data["stations"]}
    assert all(isinstance(by_name[n]["aqi"], int) for n in ("市监测站", "城东站", "城西站"))
    assert all(
        re.fullmatch(r"#[0-9a-fA-F]{6}", by_name[n]["color"]) for n in ("市监测站", "城东站")
    )


def test_a_name_with_markup_stays_data_in_the_map(engine, desk):
    evil = '</script><script>alert("x")</script>钢铁有限公司'

    def edit(wb):
        ws = wb["工业源"]
        ws.cell(2, col(ws, "企业名称")).value = evil

    do_import(engine, broken(desk, edit))
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk)) as served:
        page = signed_in(served, "zhang").get("/map")
    assert "<script>alert" not in page.text
    assert "</script><script>" not in page.text
    assert evil in [p[3] for p in map_data(page.text)["points"]]


def test_the_map_library_is_served_unchanged_and_nothing_else_is(engine, desk):
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk)) as served:
        guest = signed_in(served, "zhang").http
        for name, digest in LEAFLET.items():
            r = guest.get(f"{served.url}/static/{name}", timeout=10)
            assert r.status_code == 200, name
            assert hashlib.sha256(r.content).hexdigest() == digest, name
            assert r.content == (ROOT / "templates" / "static" / name).read_bytes()
        assert (
            guest.get(f"{served.url}/static/map.js", timeout=10)
            .headers["Content-Type"]
            .startswith("text/javascript")
        )
        assert (
            guest.get(f"{served.url}/static/leaflet/leaflet.css", timeout=10)
            .headers["Content-Type"]
            .startswith("text/css")
        )
        for path in ("/static/../config/city.toml", "/static/%2e%2e/config/city.toml",
                     "/static/leaflet/images/layers.png", "/static/console.html"):  # fmt: skip
            r = guest.get(served.url + path, timeout=10)
            assert r.status_code == 404, path
            assert "region_code" not in r.text


def test_the_published_leaflet_is_what_is_vendored():
    """The vendored leaflet.js is the npm package's with its source-map line removed, whose
    published digest the README records."""
    readme = (ROOT / "templates" / "static" / "leaflet" / "README.md").read_text(encoding="utf-8")
    shipped = (ROOT / "templates" / "static" / "leaflet" / "leaflet.js").read_bytes()
    published = shipped + b"//# sourceMappingURL=leaflet.js.map"
    assert hashlib.sha256(published).hexdigest() in readme
    assert LEAFLET["leaflet/leaflet.css"] in readme


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_map_is_in_the_navigation(engine, desk):
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk)) as served:
        page = signed_in(served, "zhang").get("/")
    assert '<a href="/map">地图</a>' in page.text


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_enterprise_page_states_its_position(engine, desk):
    do_import(engine, SAMPLE)
    lst = load_list(engine, 1)
    placed = next(e for e in lst.enterprises if e.location)
    unplaced = next(e for e in lst.enterprises if e.location is None)
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk)) as served:
        zhang = signed_in(served, "zhang")
        assert placed.location.text in zhang.get(f"/lists/1/enterprises/{placed.uscc}").text
        assert "清单未填经纬度" in zhang.get(f"/lists/1/enterprises/{unplaced.uscc}").text


def test_the_alert_and_its_notices_lead_to_its_map(engine, desk):
    alert_id, _ = issue_sample(engine)
    with Served(web_app(engine, Clock(ISSUED_AT), data_dir=desk)) as served:
        zhang = signed_in(served, "zhang")
        assert (
            f'<a href="/alerts/{alert_id}/map">落实分布图</a>'
            in zhang.get(f"/alerts/{alert_id}").text
        )
        notices = zhang.get(f"/alerts/{alert_id}/notices").text
        assert f'<a href="/alerts/{alert_id}/map">在地图上查看</a>' in notices
