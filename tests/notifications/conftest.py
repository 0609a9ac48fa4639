"""A local fake of the Mobizon HTTP API, the real gateway backend pointed at it, and the app's
translation catalogs compiled for the duration of a test."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polib
import pytest

API_KEY = "kz-SECRET-api-key-0042"
MOBIZON = "notifications.backends.MobizonSmsBackend"
APP_LOCALE = Path(__file__).resolve().parents[2] / "locale"  # the project catalog holds the texts


@dataclass
class FakeMobizon:
    """What the fake answers next (`status`, `answer`, `hang`) and what it was asked (`requests`)."""

    url: str = ""
    status: int = 200
    answer: dict | None = None
    hang: bool = False
    delay: float = 0.0
    requests: list[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    next_id: int = 1000

    def reply(self, status: int = 200, answer: dict | None = None) -> None:
        self.status, self.answer, self.hang = status, answer, False


def _handler(fake: FakeMobizon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            parts = urllib.parse.urlsplit(self.path)
            fake.requests.append({"path": parts.path, "query": urllib.parse.parse_qs(parts.query), "form": {k: v[0] for k, v in form.items()}})
            if fake.hang:
                fake.release.wait(timeout=10)  # longer than any read timeout a test sets
                return
            time.sleep(fake.delay)
            fake.next_id += 1
            answer = (
                fake.answer if fake.answer is not None else {"code": 0, "data": {"campaignId": "1", "messageId": str(fake.next_id), "status": 1}, "message": ""}
            )
            body = json.dumps(answer).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
            pass

    return Handler


@pytest.fixture
def fake_mobizon() -> Iterator[FakeMobizon]:
    fake = FakeMobizon()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def mobizon(settings, fake_mobizon: FakeMobizon) -> FakeMobizon:
    """SMS go through the real Mobizon backend to the local fake."""
    settings.SMS_BACKEND = MOBIZON
    settings.SMS_GATEWAY_URL = fake_mobizon.url
    settings.SMS_GATEWAY_API_KEY = API_KEY
    settings.SMS_GATEWAY_SENDER = "INDIGO"
    settings.SMS_GATEWAY_CONNECT_TIMEOUT = 1
    settings.SMS_GATEWAY_READ_TIMEOUT = 0.5
    return fake_mobizon


@pytest.fixture
def closed_port_url() -> str:
    """A URL on which nothing listens: connections are refused, as when the gateway is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def catalogs(settings, tmp_path: Path) -> Path:
    """notifications/locale/*.po compiled into a temporary LOCALE_PATHS entry (the .mo files are
    not in git)."""
    for po_path in APP_LOCALE.glob("*/LC_MESSAGES/django.po"):
        target = tmp_path / po_path.relative_to(APP_LOCALE).with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        polib.pofile(str(po_path)).save_as_mofile(str(target))
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    return tmp_path
