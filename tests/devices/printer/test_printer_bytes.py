"""Byte-exact ESC/POS the driver emits: what goes on the wire, in order.

The wire is recorded at the far end of a real pty by a plain reader thread that
answers DLE EOT with a healthy 0x12, like a printer would.
"""
from __future__ import annotations

import os
import select
import threading
import tty

import pytest

from drivers.printer.text import encode_cp1258, encode_tcvn3
from drivers.printer.driver import TicketPrinter

STATUS_QUERIES = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"
URL = "https://motcua.example.vn/t/3f9c2a7b"


class WireRecorder:
    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.wire = bytearray()
        self._answered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            data = os.read(self.master, 4096)
            self.wire += data
            # answer each DLE EOT (stray answers to look-alike image bytes get flushed by the driver)
            while self._answered < self.wire.count(b"\x10\x04"):
                os.write(self.master, b"\x12")
                self._answered += 1

    def close(self):
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def recorder():
    rec = WireRecorder()
    yield rec
    rec.close()


def test_status_before_and_after_the_job_in_this_exact_order(recorder, ticket):
    printer = TicketPrinter(recorder.path, profile="generic-80")
    job = printer.render_ticket(ticket)
    printer.print_ticket(ticket)
    assert bytes(recorder.wire) == STATUS_QUERIES + job + STATUS_QUERIES


def test_ticket_starts_with_reset_and_code_page_and_ends_with_feed_and_cut(ticket):
    job = TicketPrinter("file:///dev/null", profile="generic-80").render_ticket(ticket)
    assert job.startswith(b"\x1b@\x1bt\x00")  # ESC @, then the code page set by us
    assert job.endswith(b"\x1bd\x04\x1dV\x01")  # feed past the cutter, partial cut


def test_native_qr_command_bytes(ticket):
    job = TicketPrinter("file:///dev/null", profile="generic-80").render_ticket(ticket)
    data = URL.encode()
    store_len = len(data) + 3
    qr = (b"\x1d(k\x04\x00\x31\x41\x32\x00"            # fn 65: model 2
          b"\x1d(k\x03\x00\x31\x43\x06"                # fn 67: 6-dot modules
          b"\x1d(k\x03\x00\x31\x45\x31"                # fn 69: error correction M
          + b"\x1d(k" + bytes([store_len & 0xFF, store_len >> 8]) + b"\x31\x50\x30" + data  # fn 80: store
          + b"\x1d(k\x03\x00\x31\x51\x30")             # fn 81: print
    assert qr in job
    assert job.count(b"\x1d(k") == 5


def test_big_number_uses_the_printer_font(ticket):
    job = TicketPrinter("file:///dev/null", profile="generic-80").render_ticket(ticket)
    # bold (ESC ! also resets the size), 6x6 (GS ! 0x55), then the ASCII number and LF
    assert b"\x1b!\x08\x1d!\x55A012\n" in job


def test_raster_line_header_matches_its_image(ticket):
    job = TicketPrinter("file:///dev/null", profile="generic-80").render_ticket(ticket)
    start = job.index(b"\x1dv0")
    m, xl, xh, yl, yh = job[start + 3:start + 8]
    width_bytes, height = xl + 256 * xh, yl + 256 * yh
    assert m == 0 and 1 <= width_bytes <= 72 and 15 <= height <= 40
    after = start + 8 + width_bytes * height
    assert job[after:after + 3] == b"\x1bJ\x06"  # a small gap after each raster text line


def test_tcvn3_and_cp1258_bytes_for_vietnamese_words():
    assert encode_tcvn3("Đất đai", (30, 31)) == (b"\x1bt\x1e\xa7\xcat \xaeai", 30)
    # capitals with a tone mark print from the capital slot, bare capitals from the first
    assert encode_tcvn3("PHỤC", (30, 31)) == (b"PH\x1bt\x1f\xf4C", 31)
    assert encode_tcvn3("Ư", (30, 31), current=30) == (b"\xa6", 30)
    assert encode_cp1258("Đất") == b"\xd0\xe2\xect"  # â, then the acute tone mark (0xEC)
    assert encode_cp1258("người") == b"ng\xfd\xf5\xcci"  # ư ơ, then the grave tone mark (0xCC)


def test_code_page_ticket_bytes(ticket):
    job = TicketPrinter("file:///dev/null", profile="generic-80", text_mode="tcvn3").render_ticket(ticket)
    assert b"\x1b!\x08\xa7\xcat \xaeai - Nh\xb5 \xeb\n" in job  # bold "Đất đai - Nhà ở", slot 30 selected
    job = TicketPrinter("file:///dev/null", profile="generic-58", text_mode="cp1258").render_ticket(ticket)
    assert b"\x1bt\x1b" in job  # CP1258 lives in slot 27 on 58 mm clones


def test_unsupported_code_page_is_a_clear_error():
    with pytest.raises(ValueError, match="no TCVN-3"):
        TicketPrinter("file:///dev/null", profile="generic-58", text_mode="tcvn3")
    with pytest.raises(ValueError, match="unknown printer profile"):
        TicketPrinter("file:///dev/null", profile="nope")
