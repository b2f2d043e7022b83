"""The documents of a 调度令 (GB/T 9704, as the cities' notices): the order itself, issued to
the cities it binds, and the notice lifting it — each under its own number of the province's
yearly sequence —, and a city's request (请示) to lift it early, under the city's number. Plain
values for templates/directives/ (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from orchestrator.notices.compose import sentence
from orchestrator.notices.contexts import Header, cn_time
from orchestrator.region.config import ProvinceOffice
from orchestrator.region.directives import Directive, LiftRequest, Received
from orchestrator.region.model import RegionTree
from orchestrator.response.config import Office
from orchestrator.response.model import AlertRevision

ORDER_TEMPLATE = "directives/order.html"
LIFT_TEMPLATE = "directives/lift.html"
REQUEST_TEMPLATE = "directives/request.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDocument:
    """调度令 (templates/directives/order.html)."""

    header: Header
    title: str
    addressees: str  # 主送: the cities' offices (and the counties it names)
    reason: str
    level_term: str  # 橙色预警
    start: str
    end: str
    areas: str  # 东川市、西岭市 (东川市安平县)
    measures: tuple[str, ...]
    start_within_hours: int
    daily_by: str  # 10:00


@dataclass(frozen=True, slots=True, kw_only=True)
class LiftDocument:
    """解除调度令的通知 (templates/directives/lift.html)."""

    header: Header
    title: str
    addressees: str
    order_number: str
    order_title: str
    lifted_at: str
    reason: str


def _header(office: ProvinceOffice, number: str, at: dt.datetime, zone: ZoneInfo) -> Header:
    local = at.astimezone(zone)
    return Header(
        issuer=office.issuer,
        document_number=number,
        region_name="",
        issued_on=f"{local.year}年{local.month}月{local.day}日",
    )


def _name(tree: RegionTree, code: str) -> str:
    region = tree.get(code)
    return region.name if region else code


def _addressees(d: Directive, tree: RegionTree) -> str:
    return "、".join(_name(tree, c) for c in d.scope.cities) + "重污染天气应急指挥部办公室"


def _areas(d: Directive, tree: RegionTree) -> str:
    out: list[str] = []
    for city in d.scope.cities:
        name = _name(tree, city)
        named = [r.name for r in tree.counties(city) if r.code in d.scope.counties]
        out.append(f"{name}（{'、'.join(named)}）" if named else name)
    return "、".join(out)


def order_document(
    d: Directive, office: ProvinceOffice, tree: RegionTree, zone: ZoneInfo
) -> OrderDocument:
    assert d.issued_at is not None, "an order has a document once issued"
    return OrderDocument(
        header=_header(office, d.number, d.issued_at, zone),
        title=d.title,
        addressees=_addressees(d, tree),
        reason=sentence(d.reason),
        level_term=d.level.term,
        start=cn_time(d.start, zone),
        end=cn_time(d.end, zone),
        areas=_areas(d, tree),
        measures=d.measures,
        start_within_hours=d.report_within_hours,
        daily_by=d.daily_report_by.strftime("%H:%M"),
    )


def lift_document(
    d: Directive, office: ProvinceOffice, tree: RegionTree, zone: ZoneInfo
) -> LiftDocument:
    assert d.lifted_at is not None, "a lifting notice exists once the order is lifted"
    return LiftDocument(
        header=_header(office, d.lift_number, d.lifted_at, zone),
        title=f"关于解除{d.number}调度令的通知",
        addressees=_addressees(d, tree),
        order_number=d.number,
        order_title=d.title,
        lifted_at=cn_time(d.lifted_at, zone),
        reason=sentence(d.lift_reason),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestDocument:
    """请示 (templates/directives/request.html): a city's request to lift a 调度令 early — an
    upward document (上行文): its number beside the 签发人, one addressee, one matter, closed
    by 妥否，请批示, the office's phone in the 附注."""

    header: Header
    title: str
    addressee: str  # the province's office that issued the order
    signer: str  # 签发人
    order_number: str
    order_title: str
    alert: str  # 已于…发布橙色预警（示重污应急〔2026〕1号）, "" when none was issued
    reason: str
    phone: str


def request_document(
    got: Received,
    request: LiftRequest,
    office: Office,
    zone: ZoneInfo,
    issued: AlertRevision | None = None,
) -> RequestDocument:
    """The 请示 ``request`` of the city of ``office`` on the order ``got``; ``issued``: the
    first issued revision of the city's alert under it, if any."""
    local = request.requested_at.astimezone(zone)
    alert = ""
    if issued is not None and issued.state.issued_at is not None:
        alert = (
            f"已于{cn_time(issued.state.issued_at, zone)}发布{issued.state.level.term}"
            f"（{issued.document_number}），"
        )
    return RequestDocument(
        header=Header(
            issuer=office.issuer,
            document_number=request.number,
            region_name=office.region_name,
            issued_on=f"{local.year}年{local.month}月{local.day}日",
            printed_by=office.printed_by,
        ),
        title=f"关于提前解除{got.order.number}调度令的请示",
        addressee=got.order.issuer,
        signer=request.requested_by,
        order_number=got.order.number,
        order_title=got.order.title,
        alert=alert,
        reason=sentence(request.reason),
        phone=office.phone,
    )
