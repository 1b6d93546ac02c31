"""Property tests of suffix framing: chunking never changes the codes, garbage never crashes, memory is bounded."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from drivers.scanner.framing import BadFrame, Frame, FrameSplitter

SUFFIX = {"cr": b"\r", "crlf": b"\r\n"}
code_text = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), min_size=1, max_size=40)


def feed_in_chunks(splitter: FrameSplitter, data: bytes, cuts: list[int]) -> list:
    events, last = [], 0
    for cut in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
        events += splitter.feed(data[last:cut])
        last = max(last, cut)
        assert splitter.buffered <= splitter.max_frame + len(splitter.suffix) - 1
    return events


@settings(max_examples=150, deadline=None)
@given(st.lists(code_text, max_size=8), st.sampled_from(["cr", "crlf"]), st.lists(st.integers(0, 10_000), max_size=12))
def test_any_chunking_yields_exactly_the_sent_codes(codes, suffix, cuts):
    stream = b"".join(c.encode() + SUFFIX[suffix] for c in codes)
    events = feed_in_chunks(FrameSplitter(suffix, 4096), stream, cuts)
    assert [e.text for e in events] == codes
    assert all(isinstance(e, Frame) for e in events)


@settings(max_examples=100, deadline=None)
@given(st.lists(code_text, max_size=6), st.lists(st.integers(0, 10_000), max_size=12))
def test_cr_driver_reads_a_crlf_scanner(codes, cuts):
    stream = b"".join(c.encode() + b"\r\n" for c in codes)
    assert [e.text for e in feed_in_chunks(FrameSplitter("cr"), stream, cuts)] == codes


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["cr", "crlf"]), st.integers(1, 40),
       st.lists(st.integers(0, 10_000), max_size=20))
def test_garbage_gives_the_same_events_however_it_is_chunked_and_stays_bounded(data, suffix, max_frame, cuts):
    whole = FrameSplitter(suffix, max_frame).feed(data)
    chunked = feed_in_chunks(FrameSplitter(suffix, max_frame), data, cuts)
    assert chunked == whole
    for event in whole:
        if isinstance(event, Frame):
            assert 0 < event.length <= max_frame and SUFFIX[suffix] not in event.text.encode()
        else:
            assert isinstance(event, BadFrame) and event.code in ("too_long", "invalid_utf8") and event.reason


@settings(max_examples=100, deadline=None)
@given(code_text, st.binary(min_size=65, max_size=400).map(lambda b: b.replace(b"\r", b"")).filter(lambda b: len(b) > 64),
       code_text, st.sampled_from(["cr", "crlf"]), st.lists(st.integers(0, 10_000), max_size=12))
def test_over_long_frame_never_leaks_into_its_neighbours(before, garbage, after, suffix, cuts):
    end = SUFFIX[suffix]
    stream = before.encode() + end + garbage + end + after.encode() + end
    splitter = FrameSplitter(suffix, max_frame=max(64, len(before.encode()), len(after.encode())))
    if len(garbage) <= splitter.max_frame:
        garbage += b"x" * (splitter.max_frame + 1 - len(garbage))
        stream = before.encode() + end + garbage + end + after.encode() + end
    events = feed_in_chunks(splitter, stream, cuts)
    texts = [e.text for e in events if isinstance(e, Frame)]
    assert texts == [before, after]
    assert [e.code for e in events if isinstance(e, BadFrame)] == ["too_long"]


def test_stale_partial_is_flushed_once_and_reported():
    splitter = FrameSplitter("cr")
    assert splitter.feed(b"\x00\xffnoise") == []
    assert splitter.pending
    stale = splitter.flush_stale()
    assert (stale.code, stale.length) == ("stale_partial", 7)
    assert splitter.flush_stale() is None and not splitter.pending
    assert splitter.feed(b"GOOD\r") == [Frame("GOOD", 4)]


def test_byte_exact_frames():
    splitter = FrameSplitter("crlf", max_frame=8)
    events = splitter.feed(b"AB\r\n\r\nC\rD\r\n123456789\r\n\xc3\x28\r\nNg\xc6\xb0\xe1\xbb\x9di\r\n")
    assert events == [
        Frame("AB", 2),
        Frame("C\rD", 3),  # a lone CR is data when the suffix is CR LF
        BadFrame("too_long", "frame longer than 8 bytes dropped", 9),
        BadFrame("invalid_utf8", "invalid UTF-8 at byte 0 of 2 (invalid continuation byte); frame rejected", 2),
        Frame("Người", 8),
    ]
