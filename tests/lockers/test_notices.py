"""Notice channels against real local servers: retries with back-off, permanent refusals, SMTP."""
from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from queue_server.results.lockers.codes import PickupCodes
from queue_server.results.lockers.config import NoticeConfig
from queue_server.notices.outbox import Deliverer
from queue_server.notices.adapters import HttpSms, Smtp, ZaloOA


class Gateway:
    """A local HTTP gateway answering with the statuses it is told, recording what it got."""

    def __init__(self, statuses: list[int], body: dict | None = None):
        self.statuses, self.body, self.got = list(statuses), body or {}, []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.got.append((dict(self.headers), json.loads(self.rfile.read(length))))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                out = json.dumps(gateway.body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _queue(desk, **dossier_kw) -> str:
    d = desk.dossier(**dossier_kw)
    desk.deposit(d["code"])
    return d["code"]


def _sms(make_desk, gw):
    return make_desk({'channels = ["file"]': f'channels = ["sms"]\nsms_url = "{gw.url}"\nsms_key = "k-123"'})


def test_sms_retries_with_backoff_then_delivers(make_desk):
    gw = Gateway([503, 500, 200])
    desk = _sms(make_desk, gw)
    try:
        cfg = NoticeConfig(channels=("sms",), sms_url=gw.url, sms_key="k-123", retry_base_s=30)
        deliver = Deliverer(desk.store, cfg, desk.outbox, {"sms": HttpSms(gw.url, "k-123")},
                            render=PickupCodes.of(desk.store).code_for)
        code = _queue(desk)
        now = desk.clock()
        assert deliver.run_due(now) == {"sent": 0, "retry": 1, "failed": 0}
        assert deliver.run_due(now + timedelta(seconds=29)) == {"sent": 0, "retry": 0, "failed": 0}  # backing off
        assert deliver.run_due(now + timedelta(seconds=31))["retry"] == 1
        assert deliver.run_due(now + timedelta(seconds=31 + 59))["retry"] == 0  # 60 s the second time
        assert deliver.run_due(now + timedelta(seconds=31 + 61))["sent"] == 1
        headers, body = gw.got[-1]
        assert headers["Authorization"] == "Bearer k-123" and body["to"] == "0912345678"
        assert code in body["text"] and "Mã nhận:" in body["text"]
        row = desk.store.one("SELECT * FROM notices_outbox")
        assert row["state"] == "sent" and row["attempts"] == 3 and row["body"] is None and row["recipient"] is None
    finally:
        gw.close()


def test_refused_message_is_given_up_and_zalo_error_codes(make_desk):
    gw = Gateway([400])
    desk = _sms(make_desk, gw)
    try:
        cfg = NoticeConfig(channels=("sms",), sms_url=gw.url)
        deliver = Deliverer(desk.store, cfg, desk.outbox, {"sms": HttpSms(gw.url, "k")},
                            render=PickupCodes.of(desk.store).code_for)
        _queue(desk)
        assert deliver.run_due(desk.clock()) == {"sent": 0, "retry": 0, "failed": 1}
        row = desk.store.one("SELECT * FROM notices_outbox")
        assert row["state"] == "failed" and "HTTP 400" in row["last_error"] and "0912345678" not in row["last_error"]
    finally:
        gw.close()
    zalo = Gateway([200], body={"error": -32, "message": "rate"})
    try:
        adapter = ZaloOA(zalo.url, "oa-token")
        try:
            adapter.send(1, "zalo-user-1", "s", "t")
        except Exception as exc:
            assert "error -32" in str(exc) and not exc.permanent
        else:
            raise AssertionError("a Zalo error answer must not count as sent")
        assert zalo.got[0][0]["access_token"] == "oa-token"
        assert zalo.got[0][1]["recipient"] == {"user_id": "zalo-user-1"}
    finally:
        zalo.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_smtp_adapter_sends_a_real_message(tmp_path):
    import smtpd  # stdlib (3.11): a real SMTP server on a local port
    import asyncore

    received = []

    class Sink(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kw):
            received.append((mailfrom, rcpttos, data))

    sink = Sink(("127.0.0.1", 0), None, decode_data=False)
    port = sink.socket.getsockname()[1]
    loop = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.05, "count": 200}, daemon=True)
    loop.start()
    try:
        Smtp(f"smtp://127.0.0.1:{port}?from=ketqua@example.vn").send(7, "an@example.vn", "Kết quả hồ sơ",
                                                                    "Mã nhận: 123456")
        loop.join(12)
        (mailfrom, rcpt, data) = received[0]
        assert mailfrom == "ketqua@example.vn" and rcpt == ["an@example.vn"]
        assert b"Subject:" in data
    finally:
        sink.close()


def test_file_outbox_is_the_default_and_the_worker_never_blocks_a_request(desk):
    code = _queue(desk)
    assert not desk.outbox.exists() or not list(desk.outbox.glob("*.json"))  # queued, not sent in the request
    assert desk.deliver()["sent"] == 1
    (f,) = Path(desk.outbox).glob("*.json")
    msg = json.loads(f.read_text(encoding="utf-8"))
    assert msg["to"] == "0912345678" and code in msg["text"]
