"""Every document an alert issued is readable and printable from the console, as stored when it
was issued: the notice with the console's bar (back, PDF) that printing leaves out, the public
message and the SMS as text, the CAP message as text and as XML, each enterprise's dispatch order
(HTML and PDF); a wrong alert, revision, kind or USCC is a Chinese 404 page."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator

import pypdf
import pytest
from sqlalchemy import select

from orchestrator.db.tables import notices
from tests.support.app import ISSUED_AT, issue_sample
from tests.support.delivery import Clock
from tests.support.web import Browser, Served, add_users, web_app


@pytest.fixture
def site(engine) -> Iterator[tuple[Served, int, int, str]]:
    alert_id, revision_id = issue_sample(engine)
    with engine.connect() as conn:
        uscc = conn.execute(
            select(notices.c.uscc)
            .where(notices.c.revision_id == revision_id, notices.c.kind == "order")
            .order_by(notices.c.uscc)
            .limit(1)
        ).scalar_one()
    now = ISSUED_AT + dt.timedelta(hours=1)
    add_users(engine, ("guest", "访客", "viewer"), now=now)
    with Served(web_app(engine, Clock(now))) as served:
        yield served, alert_id, revision_id, uscc


def pdf_text(body: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)


def test_the_documents_page_lists_every_issued_revision_with_its_documents(site):
    served, alert_id, revision_id, _ = site
    b = Browser(served.url)
    b.sign_in("guest")  # reading needs no more than a viewer's role
    page = b.get(f"/alerts/{alert_id}/documents")
    assert page.status_code == 200
    assert "示重污应急〔2026〕1号" in page.text
    for kind in ("bulletin", "public", "sms", "cap"):
        assert f'href="/alerts/{alert_id}/revisions/{revision_id}/{kind}"' in page.text
    assert f'href="/alerts/{alert_id}/revisions/{revision_id}/bulletin.pdf"' in page.text
    assert "应急响应指令300份" in page.text
    assert "【示例市" in page.text  # the public message, shown as text
    assert f'href="/alerts/{alert_id}/documents"' in b.get(f"/alerts/{alert_id}").text


def test_a_notice_is_shown_as_issued_with_the_bar_and_printed_as_pdf(site):
    served, alert_id, revision_id, _ = site
    b = Browser(served.url)
    b.sign_in("guest")
    page = b.get(f"/alerts/{alert_id}/revisions/{revision_id}/bulletin")
    assert page.status_code == 200
    assert "<h1>关于启动重污染天气橙色预警的通知</h1>" in page.text
    assert 'class="console-bar"' in page.text
    assert "@media print{.console-bar{display:none}}" in page.text
    pdf = b.get(f"/alerts/{alert_id}/revisions/{revision_id}/bulletin.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.content)
    assert "示重污应急〔2026〕1号" in text
    assert "返回文件列表" not in text  # the bar is not printed


def test_sms_and_cap_are_text_and_the_cap_downloads_as_xml(site):
    served, alert_id, revision_id, _ = site
    b = Browser(served.url)
    b.sign_in("guest")
    sms = b.get(f"/alerts/{alert_id}/revisions/{revision_id}/sms")
    assert sms.status_code == 200
    assert "示重污应急〔2026〕1号" in sms.text
    cap = b.get(f"/alerts/{alert_id}/revisions/{revision_id}/cap")
    assert "&lt;alert xmlns=" in cap.text  # shown as text, escaped
    xml = b.get(f"/alerts/{alert_id}/revisions/{revision_id}/cap?download=1")
    assert xml.headers["Content-Type"].startswith("application/xml")
    assert xml.text.lstrip().startswith("<?xml")
    assert b.get(f"/alerts/{alert_id}/revisions/{revision_id}/sms.pdf").status_code == 404


def test_each_enterprises_order_is_readable_and_printable(site):
    served, alert_id, revision_id, uscc = site
    b = Browser(served.url)
    b.sign_in("guest")
    found = b.get(f"/alerts/{alert_id}/orders?revision={revision_id}&uscc={uscc.lower()}")
    assert found.status_code == 303
    assert found.headers["Location"] == f"/alerts/{alert_id}/revisions/{revision_id}/orders/{uscc}"
    page = b.get(found.headers["Location"])
    assert page.status_code == 200
    assert f"统一社会信用代码：{uscc}" in page.text
    assert re.search(r'<div class="number">示重污应急〔2026〕1-\d+号</div>', page.text)
    pdf = b.get(found.headers["Location"] + ".pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert uscc in pdf_text(pdf.content)


@pytest.mark.parametrize(
    "path",
    [
        "/alerts/999/documents",
        "/alerts/{a}/revisions/999/bulletin",
        "/alerts/{a}/revisions/{r}/lift",
        "/alerts/{a}/revisions/{r}/nonsense",
        "/alerts/{a}/revisions/{r}/orders/91999900MA000000ZZ",
        "/alerts/{a}/revisions/{r}/orders/not-a-uscc",
        "/alerts/{a}/revisions/{r}/orders/91999900MA000000ZZ.pdf",
        "/alerts/999/revisions/{r}/bulletin.pdf",
    ],
)
def test_what_does_not_exist_is_a_chinese_404_page(site, path):
    served, alert_id, revision_id, _ = site
    b = Browser(served.url)
    b.sign_in("guest")
    r = b.get(path.format(a=alert_id, r=revision_id))
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "未找到" in r.text


def test_nothing_is_shown_without_signing_in(site):
    served, alert_id, revision_id, uscc = site
    b = Browser(served.url)
    for path in (
        f"/alerts/{alert_id}/documents",
        f"/alerts/{alert_id}/revisions/{revision_id}/bulletin",
        f"/alerts/{alert_id}/revisions/{revision_id}/bulletin.pdf",
        f"/alerts/{alert_id}/revisions/{revision_id}/orders/{uscc}",
    ):
        r = b.get(path)
        assert r.status_code == 303, path
        assert r.headers["Location"].startswith("/login?next="), path


def test_unknown_pages_and_bad_ids_are_chinese_pages_and_the_api_stays_json(site):
    served, *_ = site
    b = Browser(served.url)
    b.sign_in("guest")
    for path, status in (("/no-such-page", 404), ("/alerts/abc", 400), ("/alerts/0", 400)):
        r = b.get(path)
        assert r.status_code == status, path
        assert r.headers["Content-Type"].startswith("text/html"), path
        assert "<html" in r.text, path
        assert "detail" not in r.text, path
    r = b.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json() == {"detail": "未找到该地址"}
