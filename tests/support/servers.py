"""Real servers on loopback for the delivery tests: an HTTP sink that records every request and
can be told to fail, time out or refuse, and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


# a behaviour: (key, how many times this key came before) -> (status, JSON answer, delay seconds)
Behaviour = Callable[[str, int], tuple[int, Any, float]]


def ok(_key: str, _n: int) -> tuple[int, Any, float]:
    return 200, {"errcode": 0, "errmsg": "ok", "code": "0"}, 0.0


@dataclass
class HttpSink:
    behaviour: Behaviour = ok
    get_body: Any = None  # what a GET answers (a JSON data source)
    # or, per path: (status, JSON value or raw bytes, delay seconds)
    get_behaviour: Callable[[str], tuple[int, Any, float]] | None = None
    gets: list[Received] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> HttpSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, Nagle + delayed ACK
                # hold every answer back 40 ms
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                key = self.headers.get("Idempotency-Key") or json.dumps(body, sort_keys=True)
                with sink.lock:
                    seen = sum(
                        1 for r in sink.received if r.headers.get("Idempotency-Key", "") == key
                    )
                    sink.received.append(Received(self.path, dict(self.headers), body))
                status, answer, delay = sink.behaviour(key, seen)
                if delay:
                    time.sleep(delay)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                with sink.lock:
                    sink.gets.append(Received(self.path, dict(self.headers), None))
                status, body, delay = 200, sink.get_body, 0.0
                if sink.get_behaviour is not None:
                    status, body, delay = sink.get_behaviour(self.path)
                if delay:
                    time.sleep(delay)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-request (the crash test) is not the sink's problem

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> Counter[str]:
        with self.lock:
            return Counter(r.headers.get("Idempotency-Key", "") for r in self.received)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = _Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def messages(self) -> list[tuple[str, list[str], EmailMessage]]:
        return self.mailbox.messages

    def stop(self) -> None:
        self.controller.stop()


def wait_until_serving(proc: Any, port: int, seconds: float = 60) -> None:
    """Until ``orchestrator serve`` (the subprocess ``proc``) answers /healthz on ``port``."""
    import requests

    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "serve did not come up"
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        time.sleep(0.2)
