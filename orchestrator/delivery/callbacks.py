"""Delivery reports posted back by an SMS gateway (``POST /callbacks/sms``), signed.

The gateway signs every report with the secret the office shares with it (the environment
variable named by ``callback_secret_env`` in ``[channels.sms]``)::

    X-Timestamp: <Unix seconds when the report was sent>
    X-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Timestamp>\\n" + raw request body)>

A report is accepted only with a valid signature made within ``callback_max_skew_seconds``
(default 300) of our clock, so neither a forged nor an altered nor a replayed old report
changes a delivery. The secret never travels; a bearer token would have proved only who sent
the request, not what it says.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
DEFAULT_MAX_SKEW_SECONDS = 300


class CallbackRefused(Exception):
    """A report whose signature is missing, wrong or too old (HTTP 401)."""


@dataclass(frozen=True, slots=True)
class CallbackKey:
    secret: str
    max_skew_seconds: int = DEFAULT_MAX_SKEW_SECONDS


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    key: CallbackKey, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    """Raise :class:`CallbackRefused` unless ``signature`` signs ``body`` at ``timestamp`` with
    the shared secret, and ``timestamp`` lies within the allowed skew of ``now``."""
    if not timestamp or not signature:
        raise CallbackRefused(f"缺少签名（请求头 {TIMESTAMP_HEADER} 与 {SIGNATURE_HEADER}）")
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise CallbackRefused(f"请求头 {TIMESTAMP_HEADER} 应为Unix时间戳（秒）") from None
    if abs(now - sent) > key.max_skew_seconds:
        raise CallbackRefused(
            f"签名时间与本机时间相差超过{key.max_skew_seconds}秒，不予受理（防止重放）"
        )
    expected = sign(key.secret, sent, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise CallbackRefused("签名不符")
