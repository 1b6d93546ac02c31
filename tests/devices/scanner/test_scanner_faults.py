"""One test per injected line fault: the driver drops the bad frame, says why, and loses no good code."""
from __future__ import annotations

import time

from hardware_sim.scanner.device import ScannerSim


def test_noise_without_suffix_is_discarded_after_idle_and_next_code_is_clean(sim, link, reader_for):
    with reader_for(link, stale_after=0.3) as r:
        sim.control("noise", length=40, seed=7)
        rejected = r.reject()
        assert rejected.code == "stale_partial" and rejected.length == 40
        assert "without suffix" in rejected.reason
        sim.control("scan", text="CLEAN")
        assert r.text() == "CLEAN"
        r.no_more()


def test_noise_ending_in_suffix_is_rejected_as_invalid_utf8(sim, link, reader_for):
    with reader_for(link) as r:
        sim.control("noise", length=32, seed=3, terminate=True)
        sim.control("scan", text="NEXT")
        rejected = r.reject()
        assert rejected.code == "invalid_utf8" and "invalid UTF-8 at byte" in rejected.reason
        assert rejected.message_vi == "Không đọc được mã. Vui lòng quét lại."
        assert r.text() == "NEXT"
        r.no_more()


def test_partial_frames_are_joined_across_reads(sim, link, reader_for):
    with reader_for(link, stale_after=2.0) as r:
        sim.control("partial", text="000.00.21.H29-230101-0042", parts=5, gap=0.08)
        assert r.text() == "000.00.21.H29-230101-0042"
        assert r.scanner.health().rejected == 0


def test_over_long_frame_is_dropped_and_does_not_leak_into_the_next_code(sim, link, reader_for):
    with reader_for(link, max_frame=4096) as r:
        sim.control("overlong", length=9000, then="AFTER-LONG")
        rejected = r.reject()
        assert rejected.code == "too_long" and "longer than 4096 bytes" in rejected.reason
        assert r.text() == "AFTER-LONG"
        r.no_more()
        health = r.scanner.health()
        assert (health.too_long, health.codes) == (1, 1)


def test_frame_of_exactly_max_frame_bytes_is_accepted(sim, link, reader_for):
    with reader_for(link, max_frame=4096) as r:
        sim.control("scan", text="Q" * 4096)
        assert len(r.text()) == 4096


def test_invalid_utf8_is_rejected_with_its_offset(sim, link, reader_for):
    with reader_for(link) as r:
        sim.control("invalid_utf8", text="Nguyễn", then="OK")
        rejected = r.reject()
        assert rejected.code == "invalid_utf8"
        assert rejected.reason.startswith("invalid UTF-8 at byte 1 of")
        assert "Nguy" not in rejected.reason  # the reason never quotes the payload
        assert r.text() == "OK"
        assert r.scanner.health().invalid_utf8 == 1


def test_unplug_and_replug_reconnects_and_reports_health(sim, link, reader_for):
    states = []
    with reader_for(link, on_health=lambda h: states.append(h.connected)) as r:
        sim.control("scan", text="BEFORE")
        assert r.text() == "BEFORE"
        sim.control("unplug")
        _wait(lambda: not r.scanner.health().connected)
        health = r.scanner.health()
        assert health.status == "disconnected" and health.last_error
        sim.control("scan", text="WHILE-UNPLUGGED")  # lost, as on a real cable
        # back-off rounds against a port that is gone
        _wait(lambda: "no such serial port" in (r.scanner.health().last_error or ""))
        sim.control("replug")
        assert r.scanner.wait_connected(5)
        sim.control("scan", text="AFTER")
        assert r.text() == "AFTER"
        health = r.scanner.health()
        assert (health.connects, health.disconnects) == (2, 1)
    assert states[:3] == [True, False, True]


def test_simulator_restart_on_the_same_link_reconnects(link, reader_for):
    first = ScannerSim(link=link).start()
    with reader_for(link) as r:
        first.control("scan", text="ONE")
        assert r.text() == "ONE"
        first.stop()
        _wait(lambda: not r.scanner.health().connected)
        with ScannerSim(link=link) as second:
            assert r.scanner.wait_connected(5)
            second.control("scan", text="TWO")
            assert r.text() == "TWO"


def test_driver_started_before_the_port_exists_waits_with_back_off(link, reader_for):
    from drivers.scanner.driver import Scanner

    scanner = Scanner(link, reconnect_min=0.05, reconnect_max=0.1).start()
    try:
        _wait(lambda: scanner.health().last_error is not None)
        time.sleep(0.3)  # several back-off rounds
        health = scanner.health()
        assert (health.connected, health.connects) == (False, 0)
        assert "no such serial port" in health.last_error
        with ScannerSim(link=link) as sim:
            assert scanner.wait_connected(5)
            sim.control("scan", text="LATE")
            assert scanner.get(5).text == "LATE"
    finally:
        scanner.stop()


def _wait(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_codes_queued_before_the_driver_opened_the_port_are_not_acted_on(sim, link, reader_for):
    sim.control("scan", text="SCANNED-BEFORE-START")  # sits in the port's input buffer
    with reader_for(link) as r:
        sim.control("scan", text="FRESH")
        assert r.text() == "FRESH"
        r.no_more()


def test_tcp_scanner_restarted_on_its_port_reconnects(reader_for):
    first = ScannerSim(tcp_port=0).start()
    port = first.tcp_port
    with reader_for(f"tcp://127.0.0.1:{port}") as r:
        first.stop()  # the connection closes: the driver notices and backs off
        _wait(lambda: not r.scanner.health().connected)
        error = r.scanner.health().last_error  # closed, reset, then refused while nothing listens
        assert any(why in error for why in ("closed by device", "reset by peer", "cannot connect")), error
        with ScannerSim(tcp_port=port) as second:
            assert r.scanner.wait_connected(5)
            _wait(lambda: second.state()["tcp_clients"] == 1)
            second.control("scan", text="BACK")
            assert r.text() == "BACK"


def test_a_code_scanned_soon_after_unterminated_noise_is_read_clean(sim, link, reader_for):
    """Noise with no suffix, then a real code 0.7 s later (before the 1 s idle
    drop): the code used to be glued to the noise and lost. The silence between them
    starts a new frame."""
    with reader_for(link) as r:  # the driver's own timings
        for seed in range(3):
            sim.control("noise", length=24, seed=seed)
            time.sleep(0.7)  # well past the 0.3 s frame gap, well before the 1 s idle drop
            sim.control("scan", text="000.00.21.H29-230101-0042")
            assert r.text() == "000.00.21.H29-230101-0042"
            rejected = r.reject()
            assert rejected.code == "stale_partial" and rejected.length == 24
        r.no_more()
        assert r.scanner.health().codes == 3
