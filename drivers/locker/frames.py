"""CU16 lock-board frames: build, check and decode (see docs/protocols/locker-board.md).

Command frame ``02 ADDR CMD 03 SUM`` (5 bytes); status reply
``02 ADDR 35 L1-8 L9-16 S1-8 S9-16 03 SUM`` (9 bytes); ``SUM`` is the low byte of
the sum of every byte before it. ``FrameDecoder`` turns a noisy byte stream into
frames: it drops bytes until an STX, caps what it holds, and reports every bad
frame instead of skipping it silently.
"""
from __future__ import annotations

from dataclasses import dataclass

STX = 0x02
ETX = 0x03

CMD_STATUS = 0x30
CMD_UNLOCK = 0x31
CMD_QUERY = 0x32
CMD_UNLOCK_ALL = 0x33
CMD_STATUS_REPLY = 0x35

COMMANDS = frozenset({CMD_STATUS, CMD_UNLOCK, CMD_QUERY, CMD_UNLOCK_ALL})
QUERY_ADDR = 0xF0
LOCKS_PER_BOARD = 16
COMMAND_LEN = 5
STATUS_LEN = 9
MAX_BUFFER = 64  # longest frame is 9 bytes; anything beyond this is noise


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def address(board: int, lock: int = 0) -> int:
    if not 0 <= board <= 15:
        raise ValueError(f"board {board} outside 0..15")
    if not 0 <= lock <= 15:
        raise ValueError(f"lock {lock} outside 0..15")
    return (board << 4) | lock


def command_frame(cmd: int, addr: int) -> bytes:
    body = bytes((STX, addr & 0xFF, cmd, ETX))
    return body + bytes((checksum(body),))


def status_request(board: int) -> bytes:
    return command_frame(CMD_STATUS, address(board))


def unlock_request(board: int, lock: int) -> bytes:
    return command_frame(CMD_UNLOCK, address(board, lock))


def unlock_all_request(board: int) -> bytes:
    return command_frame(CMD_UNLOCK_ALL, address(board))


def query_request() -> bytes:
    return command_frame(CMD_QUERY, QUERY_ADDR)


def status_frame(addr: int, locks: int, sensors: int) -> bytes:
    """A status reply; ``locks``/``sensors`` are 16-bit masks, bit 0 = lock 0 (for tests and tools)."""
    body = bytes((STX, addr, CMD_STATUS_REPLY, locks & 0xFF, (locks >> 8) & 0xFF,
                  sensors & 0xFF, (sensors >> 8) & 0xFF, ETX))
    return body + bytes((checksum(body),))


@dataclass(frozen=True)
class Frame:
    """One well-formed frame off the wire."""

    addr: int
    cmd: int
    raw: bytes

    @property
    def board(self) -> int:
        return self.addr >> 4

    @property
    def lock(self) -> int:
        return self.addr & 0x0F

    @property
    def is_status(self) -> bool:
        return self.cmd == CMD_STATUS_REPLY

    @property
    def lock_bits(self) -> int:
        """16 raw lock bits (meaning depends on the board's polarity)."""
        return self.raw[3] | (self.raw[4] << 8) if self.is_status else 0

    @property
    def sensor_bits(self) -> int:
        return self.raw[5] | (self.raw[6] << 8) if self.is_status else 0


@dataclass(frozen=True)
class BadFrame:
    """Bytes that started with STX but are not a frame; ``reason`` says why."""

    reason: str
    raw: bytes


class FrameDecoder:
    """Incremental decoder. ``feed(bytes)`` returns ``Frame``/``BadFrame`` events in order.

    After a bad frame only its STX is dropped, so a real frame hidden behind
    noise that contained 0x02 is still found.
    """

    def __init__(self, max_buffer: int = MAX_BUFFER):
        self.max_buffer = max_buffer
        self._buf = bytearray()
        self.dropped = 0  # noise bytes discarded before an STX

    def __len__(self) -> int:
        return len(self._buf)

    @property
    def pending(self) -> bytes:
        """Bytes of an incomplete frame (empty when idle)."""
        return bytes(self._buf)

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Frame | BadFrame]:
        # Taken in slices so the buffer never holds more than an incomplete
        # frame (< 9 bytes) plus one slice, whatever the caller hands us.
        events: list[Frame | BadFrame] = []
        for start in range(0, len(data), self.max_buffer):
            self._buf += data[start:start + self.max_buffer]
            self._drain(events)
        return events

    def _drain(self, events: list[Frame | BadFrame]) -> None:
        buf = self._buf
        while buf:
            if buf[0] != STX:
                idx = buf.find(STX)
                cut = len(buf) if idx < 0 else idx
                self.dropped += cut
                del buf[:cut]
                continue
            if len(buf) < 3:
                return
            cmd = buf[2]
            if cmd == CMD_STATUS_REPLY:
                size = STATUS_LEN
            elif cmd in COMMANDS:
                size = COMMAND_LEN
            else:
                events.append(BadFrame(f"unknown command byte 0x{cmd:02X}", bytes(buf[:3])))
                del buf[:1]
                continue
            if len(buf) < size:
                return
            raw = bytes(buf[:size])
            if raw[-2] != ETX:
                events.append(BadFrame(f"no ETX at byte {size - 1} (got 0x{raw[-2]:02X})", raw))
                del buf[:1]
            elif checksum(raw[:-1]) != raw[-1]:
                events.append(BadFrame(
                    f"bad checksum 0x{raw[-1]:02X}, expected 0x{checksum(raw[:-1]):02X}", raw))
                del buf[:1]
            else:
                events.append(Frame(raw[1], cmd, raw))
                del buf[:size]


def hexdump(data: bytes) -> str:
    return data.hex(" ").upper()
