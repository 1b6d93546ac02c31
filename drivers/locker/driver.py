"""Driver for CU16 lock-control boards on one RS-485 bus (docs/protocols/locker-board.md).

One ``LockerBus`` owns the port. The bus is half duplex, so every exchange
holds ``self._bus`` (a lock) from the first byte sent until the reply or its
timeout: two kiosk threads can never interleave frames.

Trust rule: a door is "open" only when a status reply from its board says so
after our unlock. Silence is "unknown" (retried, then ``DeviceTimeout``), a bad
frame is a ``ProtocolError`` — neither is ever turned into success.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from drivers.errors import DeviceError, DeviceFault, DeviceTimeout, ProtocolError
from drivers.locker.frames import (LOCKS_PER_BOARD, BadFrame, Frame, FrameDecoder, hexdump,
                            query_request, status_request, unlock_all_request, unlock_request)
from drivers.transport import Transport, open_transport

log = logging.getLogger("motcua.drivers.locker")


@dataclass(frozen=True)
class CompartmentState:
    board: int
    lock: int
    door_open: bool
    item: bool
    fresh: bool = True  # see BoardStatus.fresh


@dataclass(frozen=True)
class BoardStatus:
    board: int
    door_open: tuple[bool, ...]
    item: tuple[bool, ...]
    raw: bytes = b""
    # False when an earlier exchange on the bus timed out or was garbled shortly
    # before: a late reply to that one may have been taken for this one.
    fresh: bool = True

    @classmethod
    def decode(cls, frame: Frame, *, inverted: bool = False, fresh: bool = True) -> "BoardStatus":
        locks, sensors = frame.lock_bits, frame.sensor_bits
        # Normal firmware: bit 1 = door closed (locked). Inverted firmware: bit 1 = open.
        door_open = tuple(bool((locks >> i) & 1) == inverted for i in range(LOCKS_PER_BOARD))
        item = tuple(bool((sensors >> i) & 1) for i in range(LOCKS_PER_BOARD))
        return cls(frame.board, door_open, item, frame.raw, fresh)

    def compartment(self, lock: int) -> CompartmentState:
        return CompartmentState(self.board, lock, self.door_open[lock], self.item[lock], self.fresh)


@dataclass(frozen=True)
class OpenResult:
    board: int
    lock: int
    latency_s: float  # unlock frame sent -> first status reply showing the door open
    attempts: int  # unlock pulses sent
    status: BoardStatus


@dataclass
class BusScan:
    boards: dict[int, BoardStatus] = field(default_factory=dict)
    bad_frames: int = 0


class LockerBus:
    def __init__(
        self,
        url: str | None = None,
        *,
        transport: Transport | None = None,
        inverted_boards: Iterable[int] = (),
        reply_timeout: float = 0.3,
        attempts: int = 3,
        poll_interval: float = 0.05,
        open_timeout: float = 3.0,
        unlock_attempts: int = 2,
        echo_window: float = 0.02,
        late_reply_window: float = 2.0,
        baudrate: int = 19200,
    ):
        if transport is None:
            if url is None:
                raise ValueError("LockerBus needs a url or a transport")
            if "://" not in url:  # a plain port path: the CU16 line speed, not pyserial's 9600
                url = f"serial://{url}?baudrate={baudrate}"
            transport = open_transport(url, timeout=reply_timeout)
        self.transport = transport
        self.device = url or transport.url
        self.inverted_boards = set(inverted_boards)
        self.reply_timeout = reply_timeout
        self.attempts = max(1, attempts)
        self.poll_interval = poll_interval
        self.open_timeout = open_timeout
        self.unlock_attempts = max(1, unlock_attempts)
        self.echo_window = echo_window
        self.late_reply_window = late_reply_window
        self._suspect_until = 0.0  # monotonic time until which a late reply may still arrive
        self._bus = threading.Lock()
        self._decoder = FrameDecoder()

    # -- lifecycle --------------------------------------------------------
    def close(self) -> None:
        with self._bus:
            self.transport.close()

    def __enter__(self) -> "LockerBus":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reads ------------------------------------------------------------
    def status(self, board: int) -> BoardStatus:
        """Status of all 16 doors and item sensors of ``board`` (cmd 30), with retries."""
        frame, fresh = self._transact(status_request(board), board)
        return BoardStatus.decode(frame, inverted=board in self.inverted_boards, fresh=fresh)

    def state(self, board: int, lock: int) -> CompartmentState:
        _check_lock(lock)
        return self.status(board).compartment(lock)

    def query_bus(self, window: float | None = None) -> BusScan:
        """Which boards answer the broadcast query (cmd 32, ADDR F0)."""
        window = self.reply_timeout if window is None else window
        scan = BusScan()
        with self._bus:
            self._send(query_request())
            for event in self._read_until_quiet(window, 2.0 + window * 16):
                if isinstance(event, BadFrame):
                    scan.bad_frames += 1
                    log.warning("%s: bad frame in bus query: %s [%s]", self.device, event.reason,
                                hexdump(event.raw))
                elif event.is_status:
                    scan.boards[event.board] = BoardStatus.decode(
                        event, inverted=event.board in self.inverted_boards)
        return scan

    # -- writes -----------------------------------------------------------
    def unlock(self, board: int, lock: int) -> None:
        """Pulse one lock (cmd 31). Fire and forget: boards echo, answer status, or stay silent."""
        _check_lock(lock)
        self._fire(unlock_request(board, lock))

    def unlock_all(self, board: int) -> None:
        """Pulse every lock of ``board`` (cmd 33) — service use only."""
        self._fire(unlock_all_request(board))

    def open_and_confirm(self, board: int, lock: int, *, timeout: float | None = None) -> OpenResult:
        """Unlock and poll until the board reports the door open; else raise.

        ``timeout`` bounds each unlock pulse's wait (default ``open_timeout``).
        Raises DeviceFault("already_open" | "polarity" | "jammed"), or
        DeviceTimeout/ProtocolError with ``door_state_unknown=True`` once an
        unlock has gone out (the door may be open; nobody confirmed it).
        """
        _check_lock(lock)
        per_pulse = self.open_timeout if timeout is None else timeout
        where = f"board {board} lock {lock}"
        before = self.status(board)
        # A late reply to an earlier poll says nothing about the door now: wait the late-reply
        # window out (each timeout restarts it) rather than poll into it, within a bound.
        settle = time.monotonic() + 3 * (self.late_reply_window + self.reply_timeout)
        while not before.fresh:
            if time.monotonic() >= settle:
                raise DeviceTimeout(self.device, f"{where}: no trustworthy status before unlocking "
                                                 f"(the board's replies are late); nothing was sent")
            time.sleep(max(self.poll_interval, self._suspect_until - time.monotonic()))
            before = self.status(board)
        if before.door_open[lock]:
            if all(before.door_open):
                raise DeviceFault(self.device, "polarity",
                                  f"{where}: all 16 doors read open before unlocking; "
                                  f"check the board's polarity setting (inverted_boards)")
            raise DeviceFault(self.device, "already_open",
                              f"{where}: door already reads open before unlocking")
        doubtful = False  # some reading may have been a late reply to an earlier poll
        for pulse in range(1, self.unlock_attempts + 1):
            sent = time.monotonic()
            deadline = sent + per_pulse
            try:
                self.unlock(board, lock)  # a failed write may still have reached the board
            except DeviceError as exc:
                raise _state_unknown(exc)
            while True:
                try:
                    status = self.status(board)
                except DeviceError as exc:
                    raise _state_unknown(exc)
                doubtful |= not status.fresh
                if status.door_open[lock] and status.fresh:
                    latency = time.monotonic() - sent
                    log.info("%s: %s open confirmed in %.3fs (pulse %d)", self.device, where, latency, pulse)
                    return OpenResult(board, lock, latency, pulse, status)
                if time.monotonic() >= deadline:
                    break
                time.sleep(self.poll_interval)
            log.warning("%s: %s still closed %.1fs after unlock pulse %d", self.device, where, per_pulse, pulse)
        if doubtful:
            raise DeviceTimeout(self.device, f"{where}: door not confirmed open: the board's replies "
                                             f"were late or garbled (door state unknown)",
                                board=board, door_state_unknown=True)
        raise DeviceFault(self.device, "jammed",
                          f"{where}: door still reads closed after {self.unlock_attempts} unlock "
                          f"pulse(s) (lock jammed or blocked)")

    def wait_closed(self, board: int, lock: int, *, timeout: float = 60.0,
                    on_poll: Callable[[CompartmentState], None] | None = None,
                    poll_interval: float = 0.2) -> CompartmentState:
        """Poll until the door reads closed; returns the state then (``.item`` tells if it is empty).

        Raises DeviceFault("door_left_open") when ``timeout`` passes first.
        """
        _check_lock(lock)
        deadline = time.monotonic() + timeout
        while True:
            state = self.status(board).compartment(lock)
            if on_poll is not None:
                on_poll(state)
            if not state.door_open and state.fresh:  # a late reply could be from before the open
                return state
            if time.monotonic() >= deadline:
                raise DeviceFault(self.device, "door_left_open",
                                  f"board {board} lock {lock}: door still open after {timeout:g}s")
            time.sleep(poll_interval)

    # -- one exchange at a time ---------------------------------------------
    def _send(self, frame: bytes) -> None:
        self.transport.reset_input()  # a late reply to an earlier frame is not ours
        self._decoder.reset()
        log.debug("%s: -> %s", self.device, hexdump(frame))
        self.transport.write(frame)

    def _fire(self, frame: bytes) -> None:
        with self._bus:
            self._send(frame)
            # Give an echo or status answer time to pass before the next frame
            # (half duplex), and drop it: the reply is not relied upon.
            for event in self._read_until_quiet(self.echo_window, 0.2):
                log.debug("%s: ignored unlock answer %s", self.device, hexdump(event.raw))

    def _transact(self, frame: bytes, board: int) -> tuple[Frame, bool]:
        """The board's reply, and whether it is surely the reply to this frame."""
        last: DeviceError | None = None
        with self._bus:
            for attempt in range(1, self.attempts + 1):
                fresh = time.monotonic() >= self._suspect_until
                try:
                    return self._exchange(frame, board), fresh
                except (DeviceTimeout, ProtocolError) as exc:
                    self._suspect_until = time.monotonic() + self.late_reply_window
                    last = exc
                    log.warning("%s: attempt %d/%d: %s", self.device, attempt, self.attempts, exc.message)
        assert last is not None
        raise type(last)(self.device, f"{last.message} (after {self.attempts} attempts)", board=board) from last

    def _exchange(self, frame: bytes, board: int) -> Frame:
        self._send(frame)
        deadline = time.monotonic() + self.reply_timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pending = self._decoder.pending
                if pending:
                    raise ProtocolError(self.device, f"board {board}: truncated reply [{hexdump(pending)}]")
                raise DeviceTimeout(self.device, f"board {board}: no reply within {self.reply_timeout:g}s")
            data = self.transport.read(1, left)
            if not data:
                continue
            data += self.transport.read(64, 0)
            for event in self._decoder.feed(data):
                if isinstance(event, BadFrame):
                    raise ProtocolError(self.device, f"board {board}: {event.reason} [{hexdump(event.raw)}]")
                if not event.is_status:
                    continue  # our own frame echoed by the line or the board
                if event.board != board:
                    raise ProtocolError(self.device, f"board {board}: reply from board {event.board} "
                                                     f"[{hexdump(event.raw)}]")
                log.debug("%s: <- %s", self.device, hexdump(event.raw))
                return event

    def _read_until_quiet(self, quiet: float, limit: float) -> list[Frame | BadFrame]:
        """Collect frames until the line is quiet for ``quiet`` s (at most ``limit`` s)."""
        events: list[Frame | BadFrame] = []
        end = time.monotonic() + limit
        while time.monotonic() < end:
            data = self.transport.read(1, min(quiet, max(end - time.monotonic(), 0)))
            if not data:
                break
            events += self._decoder.feed(data + self.transport.read(64, 0))
        return events


def _state_unknown(exc: DeviceError) -> DeviceError:
    """Mark an error raised after an unlock went out: the door may be open, nobody confirmed it."""
    return exc.with_door_state_unknown()


def _check_lock(lock: int) -> None:
    if not 0 <= lock < LOCKS_PER_BOARD:
        raise ValueError(f"lock {lock} outside 0..15")
