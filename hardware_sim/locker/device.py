"""Simulated CU16 lock-control boards on one RS-485 bus, behind a real pty.

Written from docs/protocols/locker-board.md alone (it imports nothing from
``drivers``): the contract tests make the two implementations meet on the wire.

Wire: the driver sends ``02 ADDR CMD 03 SUM``; each board answers status
requests with ``02 ADDR 35 L1-8 L9-16 S1-8 S9-16 03 SUM``. Doors move on a
ticker thread like a person would: an unlock pulse releases the latch, the door
swings open ``open_delay`` s later and is pushed shut ``close_after`` s after
that (unless told otherwise through the control API).
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

from hardware_sim.base import SimDevice
from hardware_sim.locker.model import FAULT_KINDS, LOCKS, Bank

STX, ETX = 0x02, 0x03
STATUS, UNLOCK, QUERY, UNLOCK_ALL, REPLY = 0x30, 0x31, 0x32, 0x33, 0x35
TICK = 0.01


def _sum(data: bytes) -> int:
    return sum(data) & 0xFF


class LockerSim(SimDevice):
    name = "locker"

    def __init__(self, boards: list[int] | None = None, *, state_file: str | None = None,
                 open_delay: float = 0.15, close_after: float = 8.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.state_file = state_file
        if state_file and os.path.exists(state_file):
            self.bank = Bank.load(state_file)  # restart: the doors are where they were
            for number in boards or []:
                self.bank.boards.setdefault(number, Bank([number]).boards[number])
        else:
            self.bank = Bank(boards if boards is not None else [0],
                             open_delay=open_delay, close_after=close_after)
        self._rx = bytearray()
        self.frames_seen = 0
        self.bad_frames_seen = 0
        self._save()

    def start(self) -> "LockerSim":
        super().start()
        self._spawn(self._ticker, "doors")
        return self

    # -- wire ----------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._rx += data
        while True:
            start = self._rx.find(STX)
            if start < 0:
                self._rx.clear()
                return
            del self._rx[:start]
            if len(self._rx) < 5:
                return
            frame = bytes(self._rx[:5])
            if frame[3] != ETX or _sum(frame[:4]) != frame[4]:
                self.bad_frames_seen += 1  # a real board ignores what it cannot read
                del self._rx[:1]
                continue
            del self._rx[:5]
            self.frames_seen += 1
            self._command(frame)

    def _command(self, frame: bytes) -> None:
        addr, cmd = frame[1], frame[2]
        reply = self._reply_to or self._write_pty
        now = time.time()
        if cmd == QUERY:
            delay = 0.0
            for number in sorted(self.bank.boards):
                b = self.bank.boards[number]
                if not b.dead:
                    delay += b.slow
                    self._answer(number, self._status(number), reply, delay)
                    delay += 0.005  # boards answer one after another
            return
        board, lock = addr >> 4, addr & 0x0F
        b = self.bank.boards.get(board)
        if b is None or b.dead:
            return
        if cmd == STATUS:
            self._answer(board, self._status(board), reply, b.slow)
        elif cmd in (UNLOCK, UNLOCK_ALL):
            for target in ([lock] if cmd == UNLOCK else range(LOCKS)):
                self.bank.pulse(board, target, now)
            self._save()
            if b.unlock_reply == "status":
                self._answer(board, self._status(board), reply, b.slow)
            elif b.unlock_reply == "echo":
                self._answer(board, frame, reply, b.slow)

    def _status(self, board: int) -> bytes:
        b = self.bank.boards[board]
        locks, sensors = b.lock_bits(), b.sensor_bits()
        body = bytes((STX, board << 4, REPLY, locks & 0xFF, locks >> 8, sensors & 0xFF, sensors >> 8, ETX))
        total = _sum(body)
        if b.bad_checksum:
            total = (total + 0x5A) & 0xFF
        noise = os.urandom(4).replace(bytes((STX,)), b"\x00") if b.noise else b""
        return noise + body + bytes((total,))

    def _answer(self, board: int, data: bytes, reply: Callable[[bytes], None], delay: float) -> None:
        if delay <= 0:
            self._paced(data, reply)
            return
        timer = threading.Timer(delay, self._paced, (data, reply))
        timer.daemon = True
        timer.start()

    def _paced(self, data: bytes, reply: Callable[[bytes], None]) -> None:
        if self._stop.is_set():
            return
        self._pace(len(data))  # the reply takes its time on the wire too
        reply(data)

    # -- doors move by themselves ---------------------------------------------
    def _ticker(self) -> None:
        while not self._stop.wait(TICK):
            with self._lock:
                if self.bank.tick(time.time()):
                    self._save()

    def _save(self) -> None:
        if self.state_file:
            self.bank.save(self.state_file)

    def state(self) -> dict[str, Any]:
        return {**self.bank.to_dict(), "frames_seen": self.frames_seen,
                "bad_frames_seen": self.bad_frames_seen}

    # -- control API: a person at the locker, or a technician breaking things --
    def _where(self, board: Any, lock: Any) -> tuple[int, int]:
        self.bank.board(board)
        return int(board), self.bank.check_lock(lock)

    def _door(self, board: int, lock: int) -> dict[str, Any]:
        b = self.bank.boards[board]
        return {"board": board, "lock": lock, "door_open": b.door_open[lock], "item": b.item[lock]}

    def _set_item(self, board: Any, lock: Any, present: bool, force: bool) -> dict[str, Any]:
        board, lock = self._where(board, lock)
        b = self.bank.boards[board]
        if not b.door_open[lock] and not force:
            raise ValueError(f"board {board} lock {lock}: door is closed; open it first (or force=true)")
        b.item[lock] = present
        self._save()
        return self._door(board, lock)

    def control_put_item(self, board: int = 0, lock: int = 0, force: bool = False) -> dict[str, Any]:
        return self._set_item(board, lock, True, force)

    def control_take_item(self, board: int = 0, lock: int = 0, force: bool = False) -> dict[str, Any]:
        return self._set_item(board, lock, False, force)

    def control_open_door(self, board: int = 0, lock: int = 0) -> dict[str, Any]:
        """By hand (forced, or a latch that failed): no unlock pulse involved."""
        board, lock = self._where(board, lock)
        self.bank.open_door(board, lock, time.time())
        self._save()
        return self._door(board, lock)

    def control_close_door(self, board: int = 0, lock: int = 0) -> dict[str, Any]:
        board, lock = self._where(board, lock)
        self.bank.close_door(board, lock)
        self._save()
        return self._door(board, lock)

    def control_fault(self, board: int = 0, kind: str = "", lock: int | None = None, on: bool = True,
                      delay: float | None = None) -> dict[str, Any]:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        self.bank.set_fault(board, kind, lock=lock, on=bool(on), delay=delay, now=time.time())
        self._save()
        return {"board": int(board), "fault": kind, "lock": lock, "on": bool(on)}

    def control_clear_faults(self, board: int | None = None) -> dict[str, Any]:
        self.bank.clear_faults(board)
        self._save()
        return {"cleared": "all" if board is None else int(board)}

    def control_set_timing(self, open_delay: float | None = None,
                           close_after: float | None = None) -> dict[str, Any]:
        if open_delay is not None:
            self.bank.open_delay = max(0.0, float(open_delay))
        if close_after is not None:
            self.bank.close_after = max(0.0, float(close_after))
        self._save()
        return {"open_delay": self.bank.open_delay, "close_after": self.bank.close_after}

    def control_door(self, board: int = 0, lock: int = 0) -> dict[str, Any]:
        """Read one compartment (what the sensors really say, polarity aside)."""
        return self._door(*self._where(board, lock))
