"""CU16 lock-control boards on RS-485: frames, bus, compartments (docs/protocols/locker-board.md)."""
