"""Hypothesis fuzzing of the locker frame decoder: no crash, bounded buffer, frames still found."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from drivers.locker.frames import Frame, FrameDecoder, command_frame, status_frame

frames = st.one_of(
    st.builds(status_frame, st.integers(0, 255), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
    st.builds(command_frame, st.sampled_from([0x30, 0x31, 0x32, 0x33]), st.integers(0, 255)),
)
quiet_noise = st.binary(max_size=20).map(lambda b: b.replace(b"\x02", b"\x55"))


def _feed_in_chunks(decoder: FrameDecoder, data: bytes, cuts: list[int]) -> list:
    events, last = [], 0
    for cut in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
        events += decoder.feed(data[last:cut])
        assert len(decoder) < 9  # never more than one incomplete frame held
        last = max(last, cut)
    return events


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=30))
def test_random_bytes_never_crash_and_buffer_stays_bounded(data, cuts):
    decoder = FrameDecoder()
    events = _feed_in_chunks(decoder, data, cuts)
    for event in events:
        if isinstance(event, Frame):
            assert sum(event.raw[:-1]) & 0xFF == event.raw[-1]
            assert event.raw[0] == 0x02 and event.raw[-2] == 0x03


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(quiet_noise, frames), min_size=1, max_size=12),
       st.lists(st.integers(0, 400), max_size=20))
def test_frames_between_noise_are_all_found_in_any_chunking(items, cuts):
    stream = b"".join(noise + frame for noise, frame in items)
    events = _feed_in_chunks(FrameDecoder(), stream, cuts)
    assert [e.raw for e in events if isinstance(e, Frame)] == [frame for _, frame in items]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), frames, st.lists(st.integers(0, 400), max_size=10))
def test_decoder_resynchronises_after_garbage(garbage, frame, cuts):
    """After any garbage, a quiet gap (no STX) lets the next real frame through."""
    stream = garbage + b"\xff" * 8 + frame
    events = _feed_in_chunks(FrameDecoder(), stream, cuts)
    assert events and isinstance(events[-1], Frame) and events[-1].raw == frame
