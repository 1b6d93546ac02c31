"""Byte-exact locker frames, as printed in docs/protocols/locker-board.md, and their decoding."""
from __future__ import annotations

import os
import select
import time

import pytest

from drivers.locker.driver import BoardStatus
from drivers.locker.frames import (BadFrame, Frame, FrameDecoder, query_request, status_frame,
                                   status_request, unlock_all_request, unlock_request)


def test_unlock_frames_match_the_protocol_examples():
    assert unlock_request(0, 1) == bytes.fromhex("02 01 31 03 37")
    assert unlock_request(0, 0) == bytes.fromhex("02 00 31 03 36")
    assert unlock_request(1, 15) == bytes.fromhex("02 1F 31 03 55")


def test_status_query_and_unlock_all_frames():
    assert status_request(0) == bytes.fromhex("02 00 30 03 35")
    assert status_request(2) == bytes.fromhex("02 20 30 03 55")
    assert query_request() == bytes.fromhex("02 F0 32 03 27")
    assert unlock_all_request(1) == bytes.fromhex("02 10 33 03 48")


def test_out_of_range_address_is_refused():
    with pytest.raises(ValueError):
        unlock_request(16, 0)
    with pytest.raises(ValueError):
        unlock_request(0, 16)


def test_status_frame_decodes_doors_items_and_polarity():
    # lock 0 and lock 9 open (bit 0), item in lock 3 and lock 15
    locks = 0xFFFF & ~(1 << 0) & ~(1 << 9)
    raw = status_frame(0x10, locks, (1 << 3) | (1 << 15))
    assert raw == bytes.fromhex("02 10 35 FE FD 08 80 03") + bytes([sum(raw[:-1]) & 0xFF])
    [frame] = FrameDecoder().feed(raw)
    status = BoardStatus.decode(frame)
    assert status.board == 1
    assert [i for i, o in enumerate(status.door_open) if o] == [0, 9]
    assert [i for i, x in enumerate(status.item) if x] == [3, 15]
    inverted = BoardStatus.decode(frame, inverted=True)
    assert [i for i, o in enumerate(inverted.door_open) if not o] == [0, 9]


def test_decoder_reports_bad_checksum_and_missing_etx():
    good = status_frame(0x00, 0xFFFF, 0)
    bad_sum = good[:-1] + bytes([good[-1] ^ 0x01])
    events = FrameDecoder().feed(bad_sum)
    assert isinstance(events[0], BadFrame) and "checksum" in events[0].reason
    no_etx = good[:7] + b"\x04" + good[8:]
    events = FrameDecoder().feed(no_etx)
    assert isinstance(events[0], BadFrame) and "ETX" in events[0].reason
    assert not any(isinstance(e, Frame) for e in events)


def test_decoder_skips_noise_and_finds_echoed_commands():
    decoder = FrameDecoder()
    events = decoder.feed(b"\xff\x00\x55" + unlock_request(0, 1) + b"\x80" + status_frame(0, 0xFFFF, 0))
    frames = [e for e in events if isinstance(e, Frame)]
    assert [f.cmd for f in frames] == [0x31, 0x35]
    assert decoder.dropped == 4 and len(decoder) == 0


def test_simulator_answers_status_with_exact_bytes(sim):
    """The simulator's reply on the pty, byte for byte: all doors closed, board 1 has an item."""
    sim.control("open_door", board=1, lock=2)
    sim.control("put_item", board=1, lock=2)
    sim.control("close_door", board=1, lock=2)
    fd = os.open(sim.port_path, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, status_request(1))
        reply = b""
        deadline = time.monotonic() + 2
        while len(reply) < 9 and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                reply += os.read(fd, 64)
    finally:
        os.close(fd)
    assert reply == bytes.fromhex("02 10 35 FF FF 04 00 03 4C")
