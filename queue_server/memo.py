"""A small cache of derived figures shared by readers and the writer."""
from __future__ import annotations

from typing import Any


class Memo:
    """Derived figures kept between requests (rolling means, open counters).

    The writer drops an entry when it changes what the entry is made of; a
    reader that computed a value while such a change happened does not store it.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._generation = 0

    def get(self, key: Any, compute: Any) -> Any:
        try:
            return self._values[key]
        except KeyError:
            generation = self._generation
            value = compute()
            if generation == self._generation:
                if len(self._values) >= self.MAX_ENTRIES:  # time-bucketed keys would pile up
                    self._values.clear()
                self._values[key] = value
            return value

    def get_stamped(self, key: Any, stamp: Any, compute: Any) -> Any:
        """Like `get`, but the entry is recomputed when `stamp` (e.g. a time bucket) moves on,
        replacing the old one: one entry per key instead of one per key and bucket."""
        hit = self._values.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        generation = self._generation
        value = compute()
        if generation == self._generation:
            self.put(key, (stamp, value))
        return value

    def peek(self, key: Any, default: Any = None) -> Any:
        return self._values.get(key, default)

    def put(self, key: Any, value: Any) -> None:
        """Store a value computed elsewhere (e.g. a flag a writer raises)."""
        if len(self._values) >= self.MAX_ENTRIES:
            self._values.clear()
        self._values[key] = value

    def drop(self, *keys: Any) -> None:
        self._generation += 1
        for key in keys:
            self._values.pop(key, None)

    def clear(self) -> None:
        self._generation += 1
        self._values.clear()
