"""Compartment numbers (1-based, printed on the doors) ↔ (board, lock), from site config.

``LockerMap`` only validates and looks up; ``Locker`` adds the bus so callers
(the result kiosk) speak in compartment numbers and never in bus addresses.

Protocol: docs/protocols/locker-board.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from drivers.locker.driver import CompartmentState, LockerBus, OpenResult

SIZES = ("S", "M", "L")


@dataclass(frozen=True)
class Slot:
    compartment: int
    board: int
    lock: int
    size: str = "M"


class LockerMap:
    def __init__(self, compartments: Iterable[Mapping[str, Any] | Slot], *,
                 inverted_boards: Iterable[int] = ()):
        self._slots: dict[int, Slot] = {}
        self._by_address: dict[tuple[int, int], int] = {}
        for n, entry in enumerate(compartments, 1):
            slot = entry if isinstance(entry, Slot) else _slot(entry, n)
            if slot.compartment in self._slots:
                raise ValueError(f"locker config entry {n}: compartment {slot.compartment} is listed twice")
            if (slot.board, slot.lock) in self._by_address:
                other = self._by_address[(slot.board, slot.lock)]
                raise ValueError(f"locker config entry {n}: board {slot.board} lock {slot.lock} "
                                 f"is already compartment {other}")
            self._slots[slot.compartment] = slot
            self._by_address[(slot.board, slot.lock)] = slot.compartment
        self.inverted_boards = frozenset(int(b) for b in inverted_boards)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "LockerMap":
        """``{"compartments": [{compartment, board, lock, size}, ...], "inverted_boards": [..]}``."""
        if "compartments" not in config:
            raise ValueError("locker config has no 'compartments' list")
        return cls(config["compartments"], inverted_boards=config.get("inverted_boards", ()))

    @classmethod
    def uniform(cls, boards: Iterable[int], sizes: str = "SSSSMMMMMMMMLLLL", *,
                inverted_boards: Iterable[int] = ()) -> "LockerMap":
        """Every board fully used, numbered 1.. in board then lock order; ``sizes`` per lock."""
        if len(sizes) != 16:
            raise ValueError("sizes must give one letter for each of the 16 locks")
        slots = [Slot(i * 16 + lock + 1, board, lock, sizes[lock])
                 for i, board in enumerate(boards) for lock in range(16)]
        return cls(slots, inverted_boards=inverted_boards)

    def slot(self, compartment: int) -> Slot:
        try:
            return self._slots[compartment]
        except KeyError:
            raise LookupError(f"compartment {compartment} is not in the locker configuration") from None

    def compartment_of(self, board: int, lock: int) -> int | None:
        return self._by_address.get((board, lock))

    def compartments(self, size: str | None = None) -> list[Slot]:
        return [s for _, s in sorted(self._slots.items()) if size is None or s.size == size]

    def boards(self) -> list[int]:
        return sorted({s.board for s in self._slots.values()})

    def __len__(self) -> int:
        return len(self._slots)


def _slot(entry: Mapping[str, Any], n: int) -> Slot:
    where = f"locker config entry {n}"
    try:
        compartment, board, lock = int(entry["compartment"]), int(entry["board"]), int(entry["lock"])
    except KeyError as exc:
        raise ValueError(f"{where}: missing {exc.args[0]!r} (needs compartment, board, lock)") from None
    except (TypeError, ValueError):
        raise ValueError(f"{where}: compartment, board and lock must be whole numbers") from None
    size = str(entry.get("size", "M")).upper()
    if compartment < 1:
        raise ValueError(f"{where}: compartment numbers start at 1 (got {compartment})")
    if not 0 <= board <= 15:
        raise ValueError(f"{where}: board {board} outside 0..15")
    if not 0 <= lock <= 15:
        raise ValueError(f"{where}: lock {lock} outside 0..15")
    if size not in SIZES:
        raise ValueError(f"{where}: size {size!r} is not one of {', '.join(SIZES)}")
    return Slot(compartment, board, lock, size)


class Locker:
    """A locker bank by compartment number: a ``LockerBus`` plus its ``LockerMap``."""

    def __init__(self, bus: LockerBus, mapping: LockerMap):
        self.bus = bus
        self.map = mapping
        bus.inverted_boards |= set(mapping.inverted_boards)

    def open(self, compartment: int, *, timeout: float | None = None) -> OpenResult:
        s = self.map.slot(compartment)
        return self.bus.open_and_confirm(s.board, s.lock, timeout=timeout)

    def state(self, compartment: int) -> CompartmentState:
        s = self.map.slot(compartment)
        return self.bus.state(s.board, s.lock)

    def wait_closed(self, compartment: int, *, timeout: float = 60.0,
                    on_poll: Callable[[CompartmentState], None] | None = None,
                    poll_interval: float = 0.2) -> CompartmentState:
        s = self.map.slot(compartment)
        return self.bus.wait_closed(s.board, s.lock, timeout=timeout, on_poll=on_poll,
                                    poll_interval=poll_interval)

    def states(self) -> dict[int, CompartmentState]:
        """Every configured compartment, one status poll per board."""
        out: dict[int, CompartmentState] = {}
        for board in self.map.boards():
            status = self.bus.status(board)
            for lock in range(16):
                n = self.map.compartment_of(board, lock)
                if n is not None:
                    out[n] = status.compartment(lock)
        return out
