"""Simulated CU16 lock-control boards and the physical bank (docs/protocols/locker-board.md)."""
