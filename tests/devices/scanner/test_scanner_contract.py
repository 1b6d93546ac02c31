"""Driver against the simulator over a real pty (and TCP): what the kiosk receives."""
from __future__ import annotations

import logging
import queue
import time
from datetime import date

import serial

from drivers.scanner.payloads import classify
from drivers.scanner.driver import Debouncer, Scanner
from hardware_sim.scanner.device import ScannerSim
from hardware_sim.scanner.payloads import fake_cccd, fake_dossier_code, fake_receipt, fake_ticket_url

TODAY = date(2026, 11, 22)


def test_codes_arrive_in_order_with_vietnamese_text_intact(sim, link, reader_for):
    card = fake_cccd(date(1950, 3, 1), "Nữ", name="Trần Thị Bình", seed=1)
    with reader_for(link) as r:
        sim.control("scan", text=fake_dossier_code())
        sim.control("scan", text=card)
        sim.control("scan", text=fake_ticket_url(ticket_id="A012"))
        assert r.text() == "000.00.21.H29-230101-0001"
        assert r.text() == card
        assert r.text() == "http://127.0.0.1:8000/t/A012"
        health = r.scanner.health()
        assert (health.connected, health.codes, health.rejected, health.status) == (True, 3, 0, "ok")
        assert health.bytes_read == sum(len(t.encode()) + 1 for t in
                                        ("000.00.21.H29-230101-0001", card, "http://127.0.0.1:8000/t/A012"))


def test_elderly_card_scanned_at_the_kiosk_proves_age(sim, link, reader_for):
    with reader_for(link) as r:
        sim.control("scan", text=fake_cccd(date(1966, 11, 22), "Nam", seed=2))
        result = r.scanner.get(5).classify(today=TODAY, salt=b"site")
    assert (result.kind, result.age, result.is_elderly) == ("citizen_id", 60, True)


def test_receipt_qr_yields_its_dossier_code(sim, link, reader_for):
    with reader_for(link) as r:
        sim.control("scan", text=fake_receipt("000.00.00.H56-250304-0123"))
        result = classify(r.text(), today=TODAY)
    assert (result.kind, result.code, result.source) == ("dossier", "000.00.00.H56-250304-0123", "receipt")


def test_crlf_scanner_with_crlf_driver(link, reader_for):
    with ScannerSim(suffix="crlf", link=link) as sim, reader_for(link, suffix="crlf") as r:
        sim.control("scan", text="ONE")
        sim.control("partial", text="TWO", parts=4, gap=0.02)  # split between CR and LF
        assert [r.text(), r.text()] == ["ONE", "TWO"]
        r.no_more()


def test_crlf_scanner_read_with_cr_framing_gives_the_same_codes(link, reader_for):
    # Installers often leave the driver on CR while the scanner sends CR LF.
    with ScannerSim(suffix="crlf", link=link) as sim, reader_for(link, suffix="cr") as r:
        for text in ("A1", "B2", "C3"):
            sim.control("scan", text=text)
        assert [r.text(), r.text(), r.text()] == ["A1", "B2", "C3"]


def test_debounce_turns_a_held_card_into_one_scan(sim, link, reader_for):
    with reader_for(link, debounce=5.0) as r:
        sim.control("scan", text="SAME", count=4, rate=20)  # presentation mode re-reading the code
        sim.control("scan", text="OTHER")
        assert [r.text(), r.text()] == ["SAME", "OTHER"]
        r.no_more()
        assert r.scanner.health().duplicates == 3


def test_debounce_window_slides_from_the_last_sighting():
    debounce = Debouncer(1.0)
    seen = [debounce.accept(text, at) for text, at in
            [("A", 0.0), ("A", 0.6), ("A", 1.2), ("B", 1.3), ("A", 2.1), ("A", 3.2)]]
    # A is re-read every 0.6-0.9 s while held (one scan), then shown again 1.1 s after the last read.
    assert seen == [True, False, False, True, False, True]


def test_callback_runs_off_the_caller_thread_and_survives_errors(sim, link):
    got: queue.Queue = queue.Queue()

    def on_code(scan):
        got.put(scan)
        if scan.text == "BOOM":
            raise RuntimeError("app bug")

    scanner = Scanner(link, on_code=on_code, debounce=0).start()
    try:
        assert scanner.wait_connected(5)
        sim.control("scan", text="BOOM")
        sim.control("scan", text="AFTER")
        first, second = got.get(timeout=5), got.get(timeout=5)
    finally:
        scanner.stop()
    assert (first.text, second.text) == ("BOOM", "AFTER")
    assert "BOOM" not in repr(first)  # the text may be an ID card: never in a repr
    assert scanner.codes.empty()  # with a callback, nothing piles up in the queue


def test_id_card_never_reaches_the_logs(sim, link, reader_for, caplog):
    card = fake_cccd(date(1950, 3, 1), "Nam", name="Nguyễn Văn An", seed=3)
    id12 = card.split("|")[0]
    caplog.set_level(logging.DEBUG, logger="motcua")
    with reader_for(link, debounce=1.0) as r:
        sim.control("scan", text=card, count=2)
        sim.control("invalid_utf8", text=card)
        result = classify(r.text(), today=TODAY)
        r.reject()
    assert result.kind == "citizen_id"
    assert "code of" in caplog.text and "invalid UTF-8" in caplog.text
    for secret in (id12, "Nguyễn Văn An", id12[-6:]):
        assert secret not in caplog.text
        assert secret not in repr(result) and secret not in str(result.as_dict())


def test_tcp_link(reader_for):
    with ScannerSim(tcp_port=0) as sim, reader_for(f"tcp://127.0.0.1:{sim.tcp_port}") as r:
        deadline = time.monotonic() + 5
        while sim.state()["tcp_clients"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        sim.control("scan", text="OVER-TCP")
        assert r.text() == "OVER-TCP"


def _host(path: str) -> serial.Serial:
    return serial.Serial(path, 115200, timeout=2)


def test_honeywell_trigger_and_menu_commands_are_acknowledged(sim):
    with _host(sim.port_path) as port:
        port.write(b"\x16T\r")
        assert port.read(1) == b"\x06"
        port.write(b"\x16U\r")
        assert port.read(1) == b"\x06"
        port.write(b"\x16M\rTRGMOD0;BEPLVL2.")
        assert port.read(18) == b"TRGMOD0\x06;BEPLVL2\x06."
        port.write(b"\x16M\rbad!")
        assert port.read(5) == b"bad\x15!"
    assert sim.state()["settings"] == {"TRGMOD": "0", "BEPLVL": "2"}


def test_newland_trigger_reads_the_code_in_front_of_the_scanner(sim):
    sim.control("hold", text="HELD-CODE")
    with _host(sim.port_path) as port:
        port.write(b"\x7e\x010000#SCNTRG1;\x03")
        assert port.read(17) == b"\x02\x010000#SCNTRG1\x06;\x03"
        assert port.read_until(b"\r") == b"HELD-CODE\r"
        port.write(b"\x7e\x010000#??;\x03")
        assert port.read(12) == b"\x02\x010000#??\x15;\x03"
    assert sim.state()["triggered"] is True


def test_debounce_tracks_each_code_not_only_the_last_one(sim, link, reader_for):
    with reader_for(link, debounce=2.0) as r:
        for text in ("A", "B", "A", "B", "C"):
            sim.control("scan", text=text)
        assert [r.text(), r.text(), r.text()] == ["A", "B", "C"]
        r.no_more()
