"""The simulator's ESC/POS parser and paper: any bytes, any chunking, no crash, bounded memory."""
from __future__ import annotations

import tracemalloc
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.printer.text import encode_cp1258, encode_tcvn3
from hardware_sim.printer import codepages as escpos_codepages
from hardware_sim.printer.paper import MAX_ROWS, Paper
from hardware_sim.printer.parser import MAX_IMAGE_BYTES, SKIP_CHUNK, EscPosParser

# command-shaped fragments, so the fuzzer reaches deep into the grammar
FRAGMENTS = st.sampled_from([
    b"\x1b@", b"\x1b!", b"\x1bE\x01", b"\x1ba\x01", b"\x1bt\x1e", b"\x1bd\x03", b"\x1bJ\x10", b"\x1b*\x21",
    b"\x1d!\x77", b"\x1dv0\x00", b"\x1dv0\x00\xff\xff\xff\xff", b"\x1d(k", b"\x1d(k\x03\x001Q0",
    b"\x1d(k\x04\x001A2\x00", b"\x1d(L", b"\x1d8L\xff\xff\xff\x7f", b"\x1dV\x41", b"\x1dV\x01", b"\x1dr\x01",
    b"\x10\x04\x01", b"\x10\x14\x08", b"\x1c.", b"\x1cq", b"\x1dk\x04", b"\x1dk\x49\x05", b"\x1b&\x03\x20\x7e",
    b"\n", b"A012", "Đất đai".encode("cp1258", "replace"), b"\xa7\xca\xb5",
])
STREAMS = st.lists(st.one_of(FRAGMENTS, st.binary(max_size=64)), max_size=40).map(b"".join)


def run(stream: bytes, cuts: list[int]) -> tuple[EscPosParser, Paper, list]:
    paper, events = Paper(576), []

    def on_event(kind, *args):
        events.append((kind, *args))
        paper.handle(kind, *args)

    parser = EscPosParser(on_event)
    last = 0
    for cut in sorted(c % (len(stream) + 1) for c in cuts) + [len(stream)]:
        parser.feed(stream[last:cut])
        last = cut
    return parser, paper, events


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STREAMS, st.lists(st.integers(min_value=0, max_value=4000), max_size=6))
def test_any_bytes_any_chunking_no_crash_and_same_events(stream, cuts):
    parser, paper, events = run(stream, cuts)
    whole_parser, _, whole_events = run(stream, [])
    assert events == whole_events  # chunking never changes what is printed
    assert parser.pending <= MAX_IMAGE_BYTES + 16
    assert paper.rows <= MAX_ROWS


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=MAX_IMAGE_BYTES + 1, max_value=2**32 - 1), st.integers(min_value=1, max_value=5))
def test_huge_declared_lengths_are_skipped_without_allocating(length, chunks_of_64k):
    tracemalloc.start()
    reports = []
    parser = EscPosParser(lambda kind, *a: reports.append((kind, *a)))
    parser.feed(b"\x1d8L" + length.to_bytes(4, "little"))
    for _ in range(chunks_of_64k):
        parser.feed(bytes(65536))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert parser.pending < SKIP_CHUNK
    assert peak < 4 * 1024 * 1024


def test_unknown_commands_are_reported_and_parsing_resumes():
    events = []
    EscPosParser(lambda *e: events.append(e)).feed(b"\x1b\x99\x1d\x99\x1d(Z\x02\x00abOK\n\x1dV\x01")
    unknown = [e for e in events if e[0] == "unknown"]
    assert len(unknown) == 3
    assert ("text", b"OK") in events and ("lf",) in events and ("cut", 1, 0) in events


def test_huge_raster_then_a_ticket_still_prints():
    events = []
    parser = EscPosParser(lambda *e: events.append(e))
    parser.feed(b"\x1dv0\x00\xff\xff\xff\x00")  # 65535 x 255 bytes declared: over the limit
    parser.feed(bytes(65535 * 255))
    parser.feed(b"A012\n\x1dV\x01")
    assert events[0][0] == "unknown" and ("text", b"A012") in events and events[-1][0] == "cut"


VIETNAMESE = "".join(sorted({unicodedata.normalize("NFC", b + t).lower() for b in "aăâeêioôơuưy"
                             for t in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")} | {"đ"}))


def test_every_vietnamese_letter_survives_both_code_pages_both_cases():
    """The driver's encoders and the simulator's decoders were written apart; they must agree."""
    assert len(VIETNAMESE) == 73  # 12 vowels x 6 tones + đ
    for text in (VIETNAMESE, VIETNAMESE.upper()):
        data, _ = encode_tcvn3(text, (30, 31))
        decoded, slot, i = [], 0, 0
        while i < len(data):  # follow the ESC t switches as the printer would
            if data[i:i + 2] == b"\x1bt":
                slot, i = data[i + 2], i + 3
                continue
            decoded.append(escpos_codepages.decode(data[i:i + 1], slot))
            i += 1
        assert "".join(decoded) == text
        assert unicodedata.normalize("NFC", escpos_codepages.decode(encode_cp1258(text), 52)) == text
