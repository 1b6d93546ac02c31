"""The physical side of a simulated locker bank: doors, item sensors, faults, time.

Kept apart from the wire protocol so it can be saved to a JSON file after each
change and loaded again: a killed and restarted simulator still knows which
doors are open (times are wall-clock so pending door moves survive too).

Protocol: docs/protocols/locker-board.md.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Any

LOCKS = 16
UNLOCK_REPLIES = ("silent", "status", "echo")
FAULT_KINDS = ("dead", "bad_checksum", "slow", "jammed", "door_left_open", "inverted", "noise",
               "unlock_silent", "unlock_status", "unlock_echo")


def _flags() -> list[bool]:
    return [False] * LOCKS


def _times() -> list[float | None]:
    return [None] * LOCKS


@dataclass
class Board:
    door_open: list[bool] = field(default_factory=_flags)
    item: list[bool] = field(default_factory=_flags)
    open_at: list[float | None] = field(default_factory=_times)  # latch released, door swings at
    close_at: list[float | None] = field(default_factory=_times)  # person pushes it shut at
    jammed: list[bool] = field(default_factory=_flags)
    left_open: list[bool] = field(default_factory=_flags)
    unlocks: list[int] = field(default_factory=lambda: [0] * LOCKS)
    dead: bool = False
    bad_checksum: bool = False
    slow: float = 0.0  # seconds added before every reply
    inverted: bool = False  # firmware reports 1 = open instead of 1 = closed
    noise: bool = False  # line noise (never an STX) before every reply
    unlock_reply: str = "silent"

    def lock_bits(self) -> int:
        bits = 0
        for lock in range(LOCKS):
            if self.door_open[lock] == self.inverted:  # closed on normal firmware, open on inverted
                bits |= 1 << lock
        return bits

    def sensor_bits(self) -> int:
        return sum(1 << lock for lock in range(LOCKS) if self.item[lock])


class Bank:
    def __init__(self, boards: list[int], *, open_delay: float = 0.15, close_after: float = 8.0):
        self.boards: dict[int, Board] = {b: Board() for b in boards}
        self.open_delay = open_delay
        self.close_after = close_after  # 0 = doors close only when told

    # -- lookups ---------------------------------------------------------
    def board(self, board: int) -> Board:
        try:
            return self.boards[int(board)]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"no board {board!r}; boards are {sorted(self.boards)}") from None

    @staticmethod
    def check_lock(lock: Any) -> int:
        if not isinstance(lock, int) or not 0 <= lock < LOCKS:
            raise ValueError(f"lock must be 0..15, got {lock!r}")
        return lock

    # -- what the lock coil and the people do ---------------------------------
    def pulse(self, board: int, lock: int, now: float) -> None:
        b = self.boards[board]
        b.unlocks[lock] += 1
        if b.jammed[lock] or b.door_open[lock] or b.open_at[lock] is not None:
            return
        b.open_at[lock] = now + self.open_delay

    def open_door(self, board: int, lock: int, now: float) -> None:
        b = self.boards[board]
        b.door_open[lock] = True
        b.open_at[lock] = None
        b.close_at[lock] = (now + self.close_after
                            if self.close_after > 0 and not b.left_open[lock] else None)

    def close_door(self, board: int, lock: int) -> None:
        b = self.boards[board]
        b.door_open[lock] = False
        b.open_at[lock] = b.close_at[lock] = None

    def tick(self, now: float) -> bool:
        """Move doors whose time has come; True when something changed."""
        changed = False
        for number, b in self.boards.items():
            for lock in range(LOCKS):
                if b.open_at[lock] is not None and b.open_at[lock] <= now:
                    self.open_door(number, lock, now)
                    changed = True
                elif b.close_at[lock] is not None and b.close_at[lock] <= now and not b.left_open[lock]:
                    self.close_door(number, lock)
                    changed = True
        return changed

    def set_fault(self, board: int, kind: str, *, lock: int | None, on: bool,
                  delay: float | None, now: float) -> None:
        b = self.board(board)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if kind in ("jammed", "door_left_open"):
            if lock is None:
                raise ValueError(f"fault {kind} needs a lock")
            lock = self.check_lock(lock)
            if kind == "jammed":
                b.jammed[lock] = on
            else:
                b.left_open[lock] = on
                if on:  # the person walks away: the door stays open
                    b.close_at[lock] = None
                    if not b.door_open[lock]:
                        self.open_door(board, lock, now)
                elif b.door_open[lock] and self.close_after > 0:
                    b.close_at[lock] = now + self.close_after
        elif kind == "slow":
            b.slow = (1.0 if delay is None else float(delay)) if on else 0.0
        elif kind.startswith("unlock_"):
            b.unlock_reply = kind[len("unlock_"):] if on else "silent"
        else:
            setattr(b, kind, on)

    def clear_faults(self, board: int | None = None) -> None:
        for number in ([board] if board is not None else list(self.boards)):
            b = self.board(number)
            b.dead = b.bad_checksum = b.inverted = b.noise = False
            b.slow = 0.0
            b.unlock_reply = "silent"
            b.jammed = _flags()
            b.left_open = _flags()

    # -- persistence -----------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"open_delay": self.open_delay, "close_after": self.close_after,
                "boards": {str(n): asdict(b) for n, b in sorted(self.boards.items())}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Bank":
        bank = cls([], open_delay=data.get("open_delay", 0.15), close_after=data.get("close_after", 8.0))
        for number, fields in data.get("boards", {}).items():
            bank.boards[int(number)] = Board(**fields)
        return bank

    def save(self, path: str) -> None:
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".locker-", dir=directory)
        with os.fdopen(fd, "w") as f:
            json.dump(self.to_dict(), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic: a kill mid-write leaves the previous state

    @classmethod
    def load(cls, path: str) -> "Bank":
        with open(path) as f:
            return cls.from_dict(json.load(f))
