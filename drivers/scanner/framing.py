"""Split a scanner's byte stream into codes. Pure: no I/O, no clock.

A scanner in serial mode sends each code followed by a suffix (CR or CR LF).
``FrameSplitter.feed`` takes whatever chunk a read returned and yields complete
frames; a partial frame waits in the buffer for the next read. The buffer is
bounded: a frame longer than ``max_frame`` bytes is dropped whole (reported
once), and everything up to the next suffix is skipped, so none of it leaks
into the following code. Frames that are not UTF-8 are rejected with the
offset of the first bad byte.

Protocol: docs/protocols/scanner.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

SUFFIXES = {"cr": b"\r", "crlf": b"\r\n", "lf": b"\n", "tab": b"\t"}
DEFAULT_MAX_FRAME = 4096


def parse_suffix(suffix: str | bytes) -> bytes:
    if isinstance(suffix, bytes):
        if not suffix:
            raise ValueError("suffix must not be empty")
        return suffix
    try:
        return SUFFIXES[suffix.lower()]
    except KeyError:
        raise ValueError(f"unknown suffix {suffix!r}; use one of {', '.join(SUFFIXES)} or bytes") from None


@dataclass(frozen=True)
class Frame:
    text: str
    length: int  # bytes on the wire, suffix excluded

    def __repr__(self) -> str:  # the text may be a citizen's ID card
        return f"Frame(length={self.length})"


@dataclass(frozen=True)
class BadFrame:
    code: str  # "too_long" | "invalid_utf8" | "stale_partial"
    reason: str
    length: int


Event = Union[Frame, BadFrame]


class FrameSplitter:
    """Incremental suffix framing with a hard bound on buffered bytes."""

    def __init__(self, suffix: str | bytes = b"\r", max_frame: int = DEFAULT_MAX_FRAME):
        if max_frame < 1:
            raise ValueError("max_frame must be at least 1 byte")
        self.suffix = parse_suffix(suffix)
        self.max_frame = max_frame
        self._buf = bytearray()
        self._discarding = False  # inside an over-long frame, skipping to its suffix
        # With a CR suffix, tolerate scanners that send CR LF: a LF right after a CR is dropped.
        self._skip_lf = self.suffix == b"\r"
        self._after_suffix = False

    @property
    def buffered(self) -> int:
        """Bytes held for an incomplete frame (never more than max_frame + len(suffix))."""
        return len(self._buf)

    @property
    def pending(self) -> bool:
        """True while part of a frame (or of a skipped over-long frame) has been seen."""
        return bool(self._buf) or self._discarding

    def feed(self, data: bytes) -> list[Event]:
        return list(self._feed(data))

    def _feed(self, data: bytes) -> Iterator[Event]:
        if self._skip_lf and self._after_suffix and data[:1] == b"\n":
            data = data[1:]
        if data:
            self._after_suffix = False
        self._buf += data
        suffix, n = self.suffix, len(self.suffix)
        while True:
            at = self._buf.find(suffix)
            if at < 0:
                break
            frame = bytes(self._buf[:at])
            del self._buf[: at + n]
            if self._skip_lf:
                if self._buf[:1] == b"\n":
                    del self._buf[:1]
                elif not self._buf:
                    self._after_suffix = True
            if self._discarding:
                self._discarding = False
                continue  # the tail of an over-long frame, already reported
            event = self._frame(frame)
            if event is not None:
                yield event
        # No suffix in the buffer: keep at most max_frame bytes plus a possible suffix start.
        limit = self.max_frame + n - 1
        if len(self._buf) > limit:
            keep = n - 1  # the buffer may end with the first bytes of a split suffix
            if not self._discarding:
                self._discarding = True
                yield self._too_long()
            del self._buf[: len(self._buf) - keep]
        elif self._discarding and len(self._buf) >= n:
            del self._buf[: len(self._buf) - (n - 1)]

    def _too_long(self) -> BadFrame:
        # Same report however the bytes were chunked; ``length`` is "at least".
        return BadFrame("too_long", f"frame longer than {self.max_frame} bytes dropped", self.max_frame + 1)

    def _frame(self, frame: bytes) -> Event | None:
        if not frame:
            return None  # a bare suffix: no code
        if len(frame) > self.max_frame:
            return self._too_long()
        try:
            return Frame(frame.decode("utf-8"), len(frame))
        except UnicodeDecodeError as exc:
            return BadFrame("invalid_utf8",
                            f"invalid UTF-8 at byte {exc.start} of {len(frame)} ({exc.reason}); frame rejected",
                            len(frame))

    def flush_stale(self) -> BadFrame | None:
        """Drop an incomplete frame (the caller saw the line idle too long, e.g. noise)."""
        if not self.pending:
            return None
        length = len(self._buf)
        was_discarding = self._discarding
        self._buf.clear()
        self._discarding = False
        self._after_suffix = False
        if was_discarding:
            return None  # already reported as too long
        return BadFrame("stale_partial", f"incomplete frame of {length} bytes without suffix discarded after idle",
                        length)
