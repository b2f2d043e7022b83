"""Who gets what on which channel (pure): a recipient's address on each channel, the first usable
channel not yet tried, and the outbox entry of a new delivery with its idempotency key."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from orchestrator.delivery.config import CountyContact, DeliveryConfig, robot_url
from orchestrator.delivery.model import (
    DeliveryStatus,
    MessageKind,
    Recipient,
    Subject,
)
from orchestrator.network.model import Unit

#: Why a recipient was queued on no channel.
UNREACHABLE = "没有可用的接收渠道（清单未填写联系方式或渠道未配置）"


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """One notice to one recipient on one channel, to be queued. ``key`` is unique in the outbox
    and travels with the message (``subject:kind:recipient:channel``, ASCII)."""

    key: str
    subject: Subject
    kind: str
    recipient: str
    recipient_name: str
    county: str
    channel: str
    address: str
    reason: str
    payload: str | None
    status: DeliveryStatus
    last_error: str | None
    created_at: dt.datetime


def address_of(config: DeliveryConfig, channel: str, recipient: Recipient) -> str | None:
    """The recipient's own address on ``channel``: its phone for SMS (and to @-mention in a
    group robot), its e-mail; "" where the channel's own configuration says where to send
    (webhook, folder); None if the channel cannot reach it. Server URLs are not kept with the
    delivery: they are read from the configuration when sending, so that a corrected URL applies
    to what is still queued."""
    ch = config.channels[channel]
    if ch.kind in ("folder", "webhook"):
        return ""
    if ch.kind == "sms":
        return recipient.phone or None
    if ch.kind == "email":
        return recipient.email or None
    if not robot_url(ch.options, recipient.county):
        return None
    return recipient.phone


def route(
    config: DeliveryConfig, recipient: Recipient, tried: Iterable[str] = ()
) -> tuple[str, str] | None:
    """The first channel (and address) not yet tried that reaches this recipient."""
    done = set(tried)
    for name in config.channel_names(recipient.channel):
        if name in done:
            continue
        address = address_of(config, name, recipient)
        if address is not None:
            return name, address
    return None


def unit_recipient(unit: Unit) -> Recipient:
    """A unit of the response network as the recipient of its task notices (its code stands
    where an enterprise's USCC does)."""
    return Recipient(
        uscc=unit.uscc,
        name=unit.name,
        county=unit.county,
        phone=unit.phone,
        email=unit.email,
        channel=unit.channel,
        contact=unit.contact,
    )


def task_delivery(
    config: DeliveryConfig,
    subject: Subject,
    recipient: Recipient,
    reason: str,
    now: dt.datetime,
    suffix: str = "",
) -> NewDelivery:
    """The delivery of a unit's task notice on its first usable channel."""
    return order_delivery(config, subject, recipient, reason, now, suffix, kind=MessageKind.TASK)


def county_recipient(contact: CountyContact) -> Recipient:
    """A county's contact as a recipient of its reports."""
    return Recipient(
        uscc=f"county:{contact.county}",
        name=contact.contact,
        county=contact.county,
        phone=contact.phone,
        email=contact.email,
        contact=contact.contact,
    )


def new_delivery(
    *,
    subject: Subject,
    kind: str,
    recipient: str,
    name: str,
    county: str,
    route: tuple[str, str] | None,
    reason: str,
    now: dt.datetime,
    payload: str | None = None,
    suffix: str = "",
) -> NewDelivery:
    """The outbox entry of a notice on ``route`` (None: no channel reaches the recipient, and
    the entry records that it is given up)."""
    channel, address = route if route is not None else ("", "")
    return NewDelivery(
        # ASCII (it travels in HTTP headers): county names are percent-encoded
        key=quote(f"{subject.key}:{kind}:{recipient}:{channel or '-'}{suffix}", safe=":.-_"),
        subject=subject,
        kind=kind,
        recipient=recipient,
        recipient_name=name,
        county=county,
        channel=channel,
        address=address,
        reason=reason,
        payload=payload,
        status=DeliveryStatus.PENDING if route is not None else DeliveryStatus.DEAD,
        last_error=None if route is not None else UNREACHABLE,
        created_at=now,
    )


def order_delivery(
    config: DeliveryConfig,
    subject: Subject,
    recipient: Recipient,
    reason: str,
    now: dt.datetime,
    suffix: str = "",
    kind: str = MessageKind.ORDER,
) -> NewDelivery:
    """The delivery of an enterprise's order (or control notice; ``kind``: a unit's task
    notice) on its first usable channel."""
    return new_delivery(
        subject=subject,
        kind=kind,
        recipient=recipient.uscc,
        name=recipient.name,
        county=recipient.county,
        route=route(config, recipient),
        reason=reason,
        now=now,
        suffix=suffix,
    )


def backoff(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: exponential, capped,
    with "equal jitter" (half fixed, half random) so that workers do not retry in step."""
    ceiling = min(cap, base * 2.0 ** max(attempts - 1, 0))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter
