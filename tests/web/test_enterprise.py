"""The enterprise pages over real HTTP (uvicorn on loopback): a signed link opens that
enterprise's orders only; acknowledging and reporting are counted in the receipts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import requests

from orchestrator.delivery.callbacks import CallbackKey, sign
from tests.support.app import ISSUED_AT, UNITS, issue_sample, receipts
from tests.support.base import LINKS
from tests.support.delivery import Clock, delivery_config, make_worker, statuses
from tests.support.web import Served, web_app

CALLBACK = CallbackKey("cb-secret-0123456789", 300)


def signed(report: object, at: dt.datetime, secret: str = CALLBACK.secret) -> dict[str, object]:
    """A delivery report as the gateway posts it: the JSON body and its signature headers."""
    body = json.dumps(report).encode()
    ts = int(at.timestamp())
    return {
        "data": body,
        "headers": {
            "Content-Type": "application/json",
            "X-Timestamp": str(ts),
            "X-Signature": sign(secret, ts, body),
        },
    }


@pytest.fixture
def site(engine) -> Iterator[tuple[Served, Clock, int, int]]:
    alert_id, revision_id = issue_sample(engine)
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=30))
    with Served(web_app(engine, clock, sms_callback=CALLBACK)) as served:
        yield served, clock, alert_id, revision_id


def link(alert_id: int, uscc: str, served: Served) -> str:
    return f"{served.url}/ack/{LINKS.token(alert_id, uscc, LINKS.expiry(ISSUED_AT))}"


def test_acknowledge_and_report_through_the_link(engine, site):
    served, clock, alert_id, revision_id = site
    uscc = "91999900MA0000002C"  # 通鑫水泥: limits its clinker line at orange
    url = link(alert_id, uscc, served)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    assert "示例市通鑫水泥有限公司" in page.text
    # the level and window first, before anything else of the page
    banner = page.text.index('<p class="banner level-orange" role="status">')
    assert banner < page.text.index("<h1>")
    assert "2026年1月6日0时起至2026年1月9日0时" in page.text[banner : banner + 300]
    assert "熟料生产线" in page.text
    assert "限产20%" in page.text
    assert "签收本指令" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    original = requests.get(f"{url}/order/{revision_id}", timeout=5)
    assert original.status_code == 200
    assert "重污染天气应急响应指令" in original.text
    # signing without a name is refused, with the reason, and nothing is stored
    empty = requests.post(f"{url}/acknowledge", data={"ref": revision_id, "signer": " "}, timeout=5)
    assert empty.status_code == 400
    assert "请填写签收人姓名" in empty.text
    assert receipts(engine).summary(alert_id, now=clock.now()).acknowledged == 0
    done = requests.post(
        f"{url}/acknowledge", data={"ref": revision_id, "signer": "刘磊"}, timeout=5
    )
    assert done.status_code == 200
    assert "签收成功" in done.text
    assert "签收人：刘磊" in done.text
    again = requests.post(
        f"{url}/acknowledge", data={"ref": revision_id, "signer": "别人"}, timeout=5
    )
    assert "签收人：刘磊" in again.text  # signing twice changes nothing
    lines = done.text.count('name="done_')
    assert lines >= 2  # two radio buttons per line
    form = {"ref": revision_id, "note": "已按要求限产"}
    for i in range(lines // 2):
        form[f"done_{i}"] = "1"
        form[f"note_{i}"] = "已执行"
    reported = requests.post(f"{url}/report", data=form, timeout=5)
    assert reported.status_code == 200
    assert "落实情况已报送" in reported.text
    s = receipts(engine).summary(alert_id, now=clock.now())
    assert (s.acknowledged, s.implemented, s.not_implemented) == (1, 1, [])
    # a newer report with a line not done replaces it in the counts
    form["done_0"] = "0"
    requests.post(f"{url}/report", data=form, timeout=5)
    s = receipts(engine).summary(alert_id, now=clock.now())
    assert s.implemented == 0
    assert [f.uscc for f in s.not_implemented] == [uscc]
    assert "未落实" in s.not_implemented[0].detail


def test_a_link_opens_its_own_enterprise_only(engine, site):
    served, clock, alert_id, revision_id = site
    mine = link(alert_id, "91999900MA0000002C", served)
    token = mine.rsplit("/", 1)[1]
    # another enterprise's USCC in the token: the signature no longer matches
    forged = token.replace("91999900MA0000002C", "91999905MA0000001H")
    r = requests.get(f"{served.url}/ack/{forged}", timeout=5)
    assert r.status_code == 404
    assert "链接无效" in r.text
    assert "瑞瑞焦化" not in r.text
    r = requests.post(
        f"{served.url}/ack/{forged}/acknowledge",
        data={"ref": revision_id, "signer": "x"},
        timeout=5,
    )
    assert r.status_code == 404
    assert requests.get(f"{served.url}/ack/not-a-token", timeout=5).status_code == 404
    # a revision that is not this enterprise's is refused too
    r = requests.post(
        f"{mine}/acknowledge", data={"ref": revision_id + 99, "signer": "x"}, timeout=5
    )
    assert r.status_code == 400
    assert "未找到本单位" in r.text
    assert requests.get(f"{mine}/order/{revision_id + 99}", timeout=5).status_code == 404
    # expired
    clock.advance(days=31)
    r = requests.get(mine, timeout=5)
    assert r.status_code == 410
    assert "已过期" in r.text


def test_names_are_escaped_on_the_page(engine, site):
    from sqlalchemy import update

    from orchestrator.db.tables import list_plan_entries

    served, _, alert_id, _ = site
    uscc = "91999900MA0000002C"
    with engine.begin() as conn:
        rec = conn.execute(
            list_plan_entries.select().where(list_plan_entries.c.uscc == uscc)
        ).first()
        record = dict(rec.record)
        record["name"] = "<script>alert(1)</script>水泥"
        conn.execute(
            update(list_plan_entries).where(list_plan_entries.c.id == rec.id).values(record=record)
        )
    page = requests.get(link(alert_id, uscc, served), timeout=5)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;水泥" in page.text


def test_sms_delivery_reports_confirm_deliveries(engine, site, sink, tmp_path):
    """The gateway's signed reports: delivered confirms, a repeat changes nothing, failed
    gives the delivery up and queues the enterprise's next channel; a report unsigned, signed
    with another secret, altered after signing or replayed later than five minutes is refused
    and changes nothing."""
    served, clock, _, _ = site
    config = delivery_config(
        {
            "sms": {"kind": "sms", "url": sink.url, "result_field": "code", "result_ok": "0"},
            "folder": {"kind": "folder", "path": "fallback"},
        },
        fallback=["sms", "folder"],
    )
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    assert worker.drain().counts == {"sent": 300 + UNITS}  # the units' task notices too
    first, second = sink.received[0].body, sink.received[1].body
    assert set(first) == {"mobile", "content", "ref"}
    assert first["mobile"].startswith("139")
    assert "签收" in first["content"]
    url = f"{served.url}/callbacks/sms"
    now = clock.now()
    report = {"ref": first["ref"], "status": "delivered"}

    def post(**kw: object) -> requests.Response:
        return requests.post(url, timeout=5, **kw)  # type: ignore[arg-type]

    refused = [
        post(json=report),  # unsigned
        post(**signed(report, now, secret="another-secret")),
        post(**signed(report, now - dt.timedelta(minutes=6))),  # replayed later
        post(**{**signed(report, now), "data": json.dumps({**report, "ref": second["ref"]})}),
    ]
    assert [r.status_code for r in refused] == [401] * 4
    assert "缺少签名" in refused[0].json()["message"]
    assert "签名不符" in refused[1].json()["message"]
    assert "重放" in refused[2].json()["message"]
    assert statuses(engine) == {"sent": 300 + UNITS}

    assert post(**signed(report, now)).json() == {"ok": True, "repeat": False}
    assert post(**signed(report, now)).json() == {"ok": True, "repeat": True}  # gateway retried
    unknown = post(**signed({"ref": "nope", "status": "delivered"}, now))
    assert unknown.status_code == 404
    assert post(**signed("x", now)).status_code == 400
    assert statuses(engine) == {"sent": 299 + UNITS, "delivered": 1}

    failed = {"ref": second["ref"], "status": "failed", "error": "空号"}
    assert post(**signed(failed, now)).json() == {"ok": True, "repeat": False}
    assert statuses(engine) == {"sent": 298 + UNITS, "delivered": 1, "dead": 1, "pending": 1}
    assert worker.drain().counts == {"delivered": 1}  # the order, on its next channel
    assert len(list((tmp_path / "fallback").rglob("*.order.html"))) == 1
    # a report on a delivery already given up does not bring it back
    late = post(**signed({"ref": second["ref"], "status": "delivered"}, now))
    assert late.status_code == 404


def test_the_sms_callback_is_refused_when_no_secret_is_configured(engine, sink, tmp_path):
    """Without a shared secret anyone could mark deliveries delivered: the route refuses every
    report, and nothing changes."""
    issue_sample(engine)
    clock = Clock(ISSUED_AT + dt.timedelta(minutes=30))
    config = delivery_config(
        {"sms": {"kind": "sms", "url": sink.url, "result_field": "code", "result_ok": "0"}}
    )
    worker = make_worker(engine, config, clock, tmp_path)
    worker.housekeeping()
    worker.drain()
    ref = sink.received[0].body["ref"]
    with Served(web_app(engine, clock)) as served:
        r = requests.post(
            f"{served.url}/callbacks/sms",
            timeout=5,
            **signed({"ref": ref, "status": "delivered"}, clock.now()),  # type: ignore[arg-type]
        )
    assert r.status_code == 503
    assert "未配置签名密钥" in r.json()["message"]
    assert statuses(engine) == {"sent": 300 + UNITS}
