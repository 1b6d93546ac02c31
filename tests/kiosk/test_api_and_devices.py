"""The server client's error mapping, the scanner path and spoken prompts — with real parts."""
from __future__ import annotations

import stat
import time

import pytest

from hardware_sim.scanner.device import ScannerSim
from kiosk_app.api import NotAvailable, NotFound, Refused, ServerClient, Unreachable
from kiosk_app.config import KioskConfig
from kiosk_app.ticket.controller import KioskController
from kiosk_app.peripherals.devices import open_scanner
from kiosk_app.runner import ThreadRunner
from kiosk_app.peripherals.speech import Speaker


def test_client_maps_server_answers(live_server):
    api = ServerClient(live_server.base_url, live_server.kiosk_key, timeout=5)
    assert isinstance(api.services(), list)
    with pytest.raises(NotFound):
        api.ticket(999999)
    assert api.has_path("/api/v1/tickets") and not api.has_path("/api/v1/no-such-endpoint")
    with pytest.raises((Refused, NotFound)) as err:
        api.issue_ticket({"service": "no-such-service", "channel": "kiosk"}, "k-1")
    assert err.value.status in (404, 409, 422) and "no-such-service" in err.value.message
    bad = ServerClient(live_server.base_url, "wrong-key", timeout=5)
    with pytest.raises(Refused) as err:
        bad.issue_ticket({"service": "land"}, "k-2")
    assert err.value.status == 401 and err.value.code == "unauthenticated"
    with pytest.raises(Unreachable):
        ServerClient("http://127.0.0.1:9", timeout=1).services()


def test_dossier_lookup_not_available_or_not_found(live_server):
    """Until the dossier API exists the kiosk says "not available"; then a wrong code is "not found"."""
    api = ServerClient(live_server.base_url, live_server.kiosk_key, timeout=5)
    expected = NotFound if api.has_path("/api/v1/dossiers/") else NotAvailable
    with pytest.raises(expected):
        api.dossier("000.00.21.H29-230101-0001")


def test_scanner_garbage_over_a_real_pty_says_not_recognised(live_server):
    runner = ThreadRunner()
    config = KioskConfig(server_url=live_server.base_url, device_key=live_server.kiosk_key)
    c = KioskController(config, runner=runner)
    c.start()
    runner.drain()
    with ScannerSim() as sim:
        scanner = open_scanner(sim.port_path, "cr", on_code=lambda t: runner.post(lambda: c.scanned(t)),
                               on_reject=lambda: runner.post(c.scan_rejected))
        try:
            deadline = time.monotonic() + 10
            while not scanner.health().connected and time.monotonic() < deadline:
                time.sleep(0.02)
            sim.control("invalid_utf8")
            runner.drain(timeout=5)
            assert c.notice is not None and "not recognised" in c.notice.text("en")
            c.notice = None
            sim.control("scan", text="HELLO-WORLD-123")
            runner.drain(timeout=5)
            assert c.notice is not None and c.screen == "home"
            sim.control("scan", text="000.00.21.H29-230101-0001")
            runner.drain(timeout=5)
            runner.drain(timeout=2)
            assert c.screen == "dossier" and c.code_input == "000.00.21.H29-230101-0001"
        finally:
            scanner.stop()
            runner.shutdown()


def test_spoken_prompts_never_block_and_never_overlap(tmp_path, live_server):
    fake = tmp_path / "espeak-ng"      # a real process that takes 5 s, like a long prompt
    fake.write_text("#!/bin/sh\nexec sleep 5\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    speaker = Speaker(binary=str(fake))
    start = time.monotonic()
    speaker("Xin mời chạm vào màn hình để lấy số thứ tự", "vi")
    first = speaker._proc
    speaker("Chọn lĩnh vực ông/bà cần giải quyết", "vi")
    assert time.monotonic() - start < 2          # returned at once (a generous bound)
    first.wait(5)
    assert first.returncode != 0                 # the first prompt was cut, not overlapped
    assert speaker._proc.args[1:3] == ["-v", "vi"] and speaker._proc.poll() is None
    speaker._proc.terminate()
    config = KioskConfig(server_url=live_server.base_url, speech=True)
    said: list[tuple[str, str]] = []
    from kiosk_app.runner import InlineRunner
    c = KioskController(config, runner=InlineRunner(), speaker=lambda text, lang: said.append((text, lang)))
    c.start()
    c.take_ticket()
    assert said[0] == ("Xin mời chạm vào màn hình để lấy số thứ tự", "vi")
    assert said[-1] == ("Chọn lĩnh vực ông/bà cần giải quyết", "vi")
