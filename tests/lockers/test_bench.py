"""`motcua bench locker` runs end to end (server, locker and scanner simulators in their own processes)."""
from __future__ import annotations

import argparse

from bench.locker import register_bench, run


def test_bench_locker_measures_scan_to_open():
    parser = argparse.ArgumentParser()
    register_bench(parser.add_subparsers())
    args = parser.parse_args(["locker", "--rounds", "2"])
    assert args.baud == 19200 and args.rounds == 2 and callable(args.func)
    out = run(rounds=2)
    assert out["bench"] == "locker" and out["baud"] == 19200 and out["rounds"] == 2
    figures = out["scan_to_door_open_s"]
    assert 0 < figures["min"] <= figures["median"] <= figures["max"]
    # the door opening is part of the measured path, so the total cannot be shorter than it
    assert out["scan_to_door_open_s"]["min"] > out["code_accepted_to_door_open_s"]["min"]
    assert isinstance(out["meets_target"], bool)
