"""Channels: how a message leaves the building. Each ``send`` returns True when the far end
confirmed delivery (HTTP 2xx of a webhook or robot, a file written) and False when it only took
the message over (SMTP server, SMS gateway); it raises :class:`SendError` otherwise, saying
whether trying again could help."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Any, Protocol

import urllib3

from orchestrator.delivery.config import ChannelConfig, robot_url

REPEAT_MARK = "【重发：如已收到，请勿重复处理】"
ROBOT_MAX_BYTES = 2048  # 企业微信 text content limit; 钉钉 takes more, the same cut keeps both safe


@dataclass(frozen=True, slots=True)
class Message:
    key: str  # idempotency key
    kind: str  # order, report, consultation
    folder: str  # where the folder channel files it: revision-<id>, round-<id>, …
    recipient: str  # USCC or county:<name>
    recipient_name: str
    county: str
    address: str  # the recipient's phone or e-mail, per channel ("" for webhook and folder)
    subject: str
    text: str  # short form: SMS and group robots
    html: str  # the whole document
    link: str  # the enterprise's acknowledge link ("" for reports)
    filename: str  # name of the document (attachments, files)
    # an earlier attempt of this message may have gone out (it timed out, or its worker or
    # record died): channels that cannot carry the key say it is a repeat
    repeat: bool = False

    @property
    def short(self) -> str:
        """The short text, marked as a repeat where the channel cannot drop one by its key."""
        return f"{REPEAT_MARK}{self.text}" if self.repeat else self.text


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    def send(self, message: Message) -> bool: ...


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient:
    """JSON POSTs with keep-alive over urllib3, the transport under requests, without requests'
    per-request layers (cookies, hooks, settings merged from the environment): half the CPU
    per message (bench/deliver). Proxies are taken from the environment once (HTTP_PROXY,
    HTTPS_PROXY, NO_PROXY). One client per sending thread."""

    def __init__(self, timeout: float):
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.direct = urllib3.PoolManager(retries=False, timeout=self.timeout)
        proxies = urllib.request.getproxies()
        self.proxied = {
            scheme: urllib3.ProxyManager(url, retries=False, timeout=self.timeout)
            for scheme, url in proxies.items()
            if scheme in ("http", "https")
        }
        self.no_proxy = tuple(
            h.strip().lstrip(".").lower() for h in proxies.get("no", "").split(",") if h.strip()
        )

    def _manager(self, url: str) -> urllib3.PoolManager:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        proxy = self.proxied.get(parts.scheme)
        if proxy is None or host in ("127.0.0.1", "localhost", "::1"):
            return self.direct
        if any(host == h or host.endswith("." + h) or h == "*" for h in self.no_proxy):
            return self.direct
        return proxy

    def post(self, url: str, payload: Any, headers: Mapping[str, str] | None = None) -> Answer:
        """POST ``payload`` as JSON; an answer other than 2xx, a timeout or a connection
        failure raises :class:`SendError`."""
        try:
            response = self._manager(url).request(
                "POST",
                url,
                body=json.dumps(payload, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
            )
        except urllib3.exceptions.TimeoutError as exc:
            raise SendError(f"超时（{self.timeout.read_timeout:g} 秒）：{url}") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SendError(f"连接失败：{type(exc).__name__}: {exc}") from exc
        answer = Answer(response.status, response.data)
        if not 200 <= answer.status < 300:
            body = answer.text[:300].replace("\n", " ")
            # 4xx other than timeout and rate limiting: the request itself is wrong
            permanent = 400 <= answer.status < 500 and answer.status not in (408, 425, 429)
            raise SendError(f"HTTP {answer.status}: {body}", permanent=permanent)
        return answer


def _errcode(answer: Answer) -> None:
    """Group robots answer HTTP 200 with ``errcode`` 0, or an error code."""
    try:
        data = answer.json()
    except ValueError as exc:
        raise SendError(f"机器人接口返回的不是JSON：{answer.text[:200]}") from exc
    if data.get("errcode", 0) != 0:
        raise SendError(f"机器人接口错误 {data.get('errcode')}: {data.get('errmsg', '')}")


def clip_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"


class FolderChannel:
    """Writes each message as files (the document and its short text) under ``root``; used by
    ``--dry-run`` and drills, and as the last fallback: the office prints what no channel took."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, message: Message) -> Path:
        safe = message.recipient.replace(":", "-").replace("/", "-")
        return self.root / message.folder / f"{safe}.{message.kind}"

    def send(self, message: Message) -> bool:
        base = self.path(message)
        base.parent.mkdir(parents=True, exist_ok=True)
        for suffix, body in ((".html", message.html), (".txt", message.text + "\n")):
            target = base.with_name(base.name + suffix)
            # written whole or not at all: a crash leaves no half file under the final name
            fd, tmp = tempfile.mkstemp(dir=base.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, target)
        return True


class WebhookChannel:
    """JSON POST of the whole notice to an integration endpoint, with ``Idempotency-Key``."""

    def __init__(self, config: ChannelConfig, http: HttpClient):
        self.config, self.http = config, http

    def send(self, message: Message) -> bool:
        payload = {
            "key": message.key,
            "kind": message.kind,
            "recipient": message.recipient,
            "recipient_name": message.recipient_name,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
            "acknowledge_url": message.link,
        }
        self.http.post(str(self.config.get("url")), payload, {"Idempotency-Key": message.key})
        return True


class WecomChannel:
    """企业微信 group robot: text message, the enterprise's contact phone @-mentioned."""

    def __init__(self, config: ChannelConfig, http: HttpClient):
        self.config, self.http = config, http

    def send(self, message: Message) -> bool:
        text: dict[str, Any] = {"content": clip_utf8(message.short, ROBOT_MAX_BYTES)}
        if message.address:  # the contact's phone
            text["mentioned_mobile_list"] = [message.address]
        url = _robot(self.config, message)
        _errcode(self.http.post(url, {"msgtype": "text", "text": text}))
        return True


def _robot(config: ChannelConfig, message: Message) -> str:
    url = robot_url(config.options, message.county)
    if not url:
        raise SendError(f"未配置{message.county}的群机器人地址", permanent=True)
    return url


def dingtalk_url(url: str, secret: str, now_ms: int) -> str:
    """钉钉 加签: ``timestamp`` and ``sign`` = Base64(HmacSHA256(secret, "timestamp\\nsecret"))."""
    mac = hmac.digest(secret.encode(), f"{now_ms}\n{secret}".encode(), hashlib.sha256)
    sign = urllib.parse.quote_plus(base64.b64encode(mac).decode())
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={now_ms}&sign={sign}"


class DingtalkChannel:
    """钉钉 custom robot: text message with @ of the contact's phone, signed if a secret is set."""

    def __init__(self, config: ChannelConfig, http: HttpClient):
        self.config, self.http = config, http
        self.secret = (
            os.environ.get(str(config.get("secret_env")), "") if config.get("secret_env") else ""
        )

    def send(self, message: Message) -> bool:
        url = _robot(self.config, message)
        if self.secret:
            url = dingtalk_url(url, self.secret, int(time.time() * 1000))
        body: dict[str, Any] = {
            "msgtype": "text",
            "text": {"content": clip_utf8(message.short, ROBOT_MAX_BYTES)},
        }
        if message.address:
            body["at"] = {"atMobiles": [message.address]}
        _errcode(self.http.post(url, body))
        return True


class SmsChannel:
    """A generic SMS gateway HTTP API (field names and success code from config)."""

    def __init__(self, config: ChannelConfig, http: HttpClient):
        self.config, self.http = config, http
        token_env = str(config.get("token_env"))
        self.token = os.environ.get(token_env, "") if token_env else ""

    def send(self, message: Message) -> bool:
        c = self.config
        payload = {
            str(c.get("phone_field", "mobile")): message.address,
            str(c.get("text_field", "content")): message.text,
            str(c.get("ref_field", "ref")): message.key,
        }
        headers = {"Idempotency-Key": message.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.http.post(str(c.get("url")), payload, headers)
        field = str(c.get("result_field", ""))
        if field:
            try:
                result = response.json().get(field)
            except ValueError as exc:
                raise SendError(f"短信网关返回的不是JSON：{response.text[:200]}") from exc
            if str(result) != str(c.get("result_ok", "0")):
                raise SendError(f"短信网关拒绝：{field}={result}")
        return False  # taken over; the delivery report (callback) confirms


class EmailChannel:
    """E-mail over SMTP: the notice as HTML body (text alternative), its PDF attached."""

    def __init__(
        self,
        config: ChannelConfig,
        timeout: float,
        pdf: Callable[[str], bytes] | None,
    ):
        self.config, self.timeout, self.pdf = config, timeout, pdf
        env = str(config.get("password_env"))
        self.password = os.environ.get(env, "") if env else ""

    def send(self, message: Message) -> bool:
        c = self.config
        msg = EmailMessage()
        sender = str(c.get("sender"))
        msg["Subject"] = message.subject
        msg["From"] = formataddr(("重污染天气应急指挥部办公室", sender))
        msg["To"] = formataddr((message.recipient_name, message.address))
        domain = sender.partition("@")[2] or "localhost"
        # the same notice always has the same Message-ID: a receiving system can drop a repeat
        msg["Message-ID"] = f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@{domain}>"
        msg["X-Idempotency-Key"] = message.key
        msg.set_content(message.text + "\n")
        msg.add_alternative(message.html, subtype="html")
        if self.pdf is not None and c.get("attach_pdf", True):
            msg.add_attachment(
                self.pdf(message.html),
                maintype="application",
                subtype="pdf",
                filename=f"{Path(message.filename).stem}.pdf",
            )
        try:
            with smtplib.SMTP(
                str(c.get("host")), int(c.get("port", 25)), timeout=self.timeout
            ) as smtp:
                if c.get("starttls"):
                    smtp.starttls()
                if c.get("username"):
                    smtp.login(str(c.get("username")), self.password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"收件人被拒绝：{message.address}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise SendError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP失败：{type(exc).__name__}: {exc}") from exc
        return False


def make_channel(
    config: ChannelConfig,
    *,
    root: Path,
    http: HttpClient,
    timeout: float,
    pdf: Callable[[str], bytes] | None,
) -> Channel:
    """The channel for ``config`` (one per worker thread: HTTP clients are not shared)."""
    if config.kind == "folder":
        path = Path(str(config.get("path")))
        return FolderChannel(path if path.is_absolute() else root / path)
    if config.kind == "email":
        return EmailChannel(config, timeout, pdf)
    kinds: Mapping[str, Callable[[ChannelConfig, HttpClient], Channel]] = {
        "webhook": WebhookChannel,
        "wecom": WecomChannel,
        "dingtalk": DingtalkChannel,
        "sms": SmsChannel,
    }
    return kinds[config.kind](config, http)
