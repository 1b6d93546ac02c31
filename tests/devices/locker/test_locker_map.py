"""Compartment numbers shown to people ↔ (board, lock), from the site configuration."""
from __future__ import annotations

import pytest

from drivers.locker.compartments import LockerMap, Slot

CONFIG = {
    "inverted_boards": [1],
    "compartments": [
        {"compartment": 1, "board": 0, "lock": 0, "size": "S"},
        {"compartment": 2, "board": 0, "lock": 1, "size": "m"},
        {"compartment": 17, "board": 1, "lock": 0, "size": "L"},
    ],
}


def test_lookup_both_ways_and_by_size():
    m = LockerMap.from_config(CONFIG)
    assert m.slot(17) == Slot(17, 1, 0, "L")
    assert m.slot(2).size == "M"
    assert m.compartment_of(0, 1) == 2 and m.compartment_of(0, 2) is None
    assert [s.compartment for s in m.compartments("S")] == [1]
    assert m.boards() == [0, 1] and m.inverted_boards == {1} and len(m) == 3
    with pytest.raises(LookupError, match="compartment 3"):
        m.slot(3)


def test_uniform_bank_numbers_from_one():
    m = LockerMap.uniform([0, 1])
    assert len(m) == 32
    assert m.slot(1) == Slot(1, 0, 0, "S")
    assert m.slot(32) == Slot(32, 1, 15, "L")


@pytest.mark.parametrize("entries, message", [
    ([{"compartment": 1, "board": 0, "lock": 0}, {"compartment": 1, "board": 0, "lock": 1}], "listed twice"),
    ([{"compartment": 1, "board": 0, "lock": 0}, {"compartment": 2, "board": 0, "lock": 0}], "already compartment 1"),
    ([{"compartment": 0, "board": 0, "lock": 0}], "start at 1"),
    ([{"compartment": 1, "board": 16, "lock": 0}], "board 16"),
    ([{"compartment": 1, "board": 0, "lock": 16}], "lock 16"),
    ([{"compartment": 1, "board": 0, "lock": 0, "size": "XL"}], "size"),
    ([{"compartment": 1, "board": 0}], "missing 'lock'"),
    ([{"compartment": "a", "board": 0, "lock": 0}], "whole numbers"),
])
def test_bad_configuration_is_refused_clearly(entries, message):
    with pytest.raises(ValueError, match=message):
        LockerMap(entries)
