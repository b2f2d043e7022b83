"""Signed, expiring links for enterprises: one per alert and enterprise, carried by each of its
dispatch orders, and one per recurring-control round and enterprise (``c<round>``), carried by
its notice, and one per coverage run and unit (``v<run>``), carried by the unit's check task
(核查任务). The token names the alert (or round), the enterprise's USCC and the expiry, and
carries an HMAC-SHA256 of the three under the installation's secret, so a link opens that
enterprise's orders of that alert (notice of that round) and nothing else, until it expires. No
state is kept: a token is checked by recomputing its signature."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from orchestrator.errors import NotFound

_TOKEN = re.compile(
    r"^(?P<scope>c?)(?P<alert>[1-9][0-9]{0,11})\.(?P<uscc>[0-9A-Z]{18})\.(?P<exp>[0-9]{1,12})\.(?P<sig>[A-Za-z0-9_-]{22})$"
)

_CHECK = re.compile(
    r"^v(?P<run>[1-9][0-9]{0,11})\.(?P<uscc>[0-9A-Z]{18})\.(?P<exp>[0-9]{1,12})\.(?P<sig>[A-Za-z0-9_-]{22})$"
)


class LinkInvalid(NotFound):
    """A token that is malformed, forged or expired (the message says which, in Chinese)."""


@dataclass(frozen=True, slots=True)
class LinkGrant:
    """What a valid token gives access to."""

    alert_id: int | None  # the alert whose orders it opens, or
    round_id: int | None  # the control round whose notice it opens
    uscc: str
    expires: dt.datetime


@dataclass(frozen=True, slots=True, repr=False)
class LinkSigner:
    key: bytes
    valid_days: int = 30

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            raise ValueError("the link secret must be at least 16 bytes")

    def expiry(self, issued_at: dt.datetime) -> int:
        """Expiry (Unix seconds) of the links in orders issued at ``issued_at``."""
        return int((issued_at + dt.timedelta(days=self.valid_days)).timestamp())

    def _sign(self, scope: str, uscc: str, expires: int) -> str:
        mac = hmac.digest(self.key, f"{scope}.{uscc}.{expires}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")

    def token(self, alert_id: int, uscc: str, expires: int) -> str:
        return f"{alert_id}.{uscc}.{expires}.{self._sign(str(alert_id), uscc, expires)}"

    def round_token(self, round_id: int, uscc: str, expires: int) -> str:
        scope = f"c{round_id}"
        return f"{scope}.{uscc}.{expires}.{self._sign(scope, uscc, expires)}"

    def check_token(self, coverage_id: int, code: str, expires: int) -> str:
        """The link of a unit's check task of coverage run ``coverage_id``: it opens that task
        and nothing else (:meth:`verify` refuses it, :meth:`verify_check` takes only these)."""
        scope = f"v{coverage_id}"
        return f"{scope}.{code}.{expires}.{self._sign(scope, code, expires)}"

    def verify_check(self, token: str, now: dt.datetime) -> tuple[int, str, dt.datetime]:
        """(coverage run, unit code, expiry) of a valid check-task token."""
        m = _CHECK.match(token)
        if m is None:
            raise LinkInvalid("链接格式不正确，请使用核查任务通知中的完整链接。")
        number, code, expires = int(m["run"]), m["uscc"], int(m["exp"])
        if not hmac.compare_digest(m["sig"], self._sign(f"v{number}", code, expires)):
            raise LinkInvalid("链接无效，请使用核查任务通知中的完整链接。")
        until = dt.datetime.fromtimestamp(expires, dt.UTC)
        if now >= until:
            raise LinkInvalid("链接已过期，请联系市重污染天气应急指挥部办公室。")
        return number, code, until

    def verify(self, token: str, now: dt.datetime) -> LinkGrant:
        m = _TOKEN.match(token)
        if m is None:
            raise LinkInvalid("链接格式不正确，请使用应急响应指令中的完整链接。")
        number, uscc, expires = int(m["alert"]), m["uscc"], int(m["exp"])
        scope = f"{m['scope']}{number}"
        if not hmac.compare_digest(m["sig"], self._sign(scope, uscc, expires)):
            raise LinkInvalid("链接无效，请使用应急响应指令中的完整链接。")
        until = dt.datetime.fromtimestamp(expires, dt.UTC)
        if now >= until:
            raise LinkInvalid("链接已过期，请联系市重污染天气应急指挥部办公室。")
        control = m["scope"] == "c"
        return LinkGrant(
            alert_id=None if control else number,
            round_id=number if control else None,
            uscc=uscc,
            expires=until,
        )


def load_or_create_key(secret: str, key_file: Path) -> bytes:
    """The link secret: ``secret`` if given (production sets ORCHESTRATOR_LINK_SECRET, the same
    on every server), else the key in ``key_file``, created (random, mode 0600) on first use."""
    if secret:
        return secret.encode()
    try:
        return key_file.read_bytes().strip()
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    tmp = key_file.with_name(f".{key_file.name}.{os.getpid()}")
    tmp.write_bytes(value)
    tmp.chmod(0o600)
    try:  # atomic create-if-absent: of two processes starting at once, one key wins
        os.link(tmp, key_file)
    except FileExistsError:
        value = key_file.read_bytes().strip()
    finally:
        tmp.unlink()
    return value
