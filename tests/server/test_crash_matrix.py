"""SIGKILL a real server in the middle of state changes: nothing answered is lost, and
`motcua check` passes on the file after the restart (the full matrix: `motcua bench reliability`)."""
from __future__ import annotations

import pytest

from bench.reliability import KILL_AFTER_ACKS, Round


@pytest.mark.parametrize("op", ["issue", "finish", "deposit"])
def test_a_kill_during_changes_loses_nothing_answered_and_breaks_no_invariant(tmp_path, op):
    out = Round(tmp_path / op, op, seed=3).run()
    assert out["acked"] >= KILL_AFTER_ACKS  # killed under load, not after it
    assert out["lost"] == [] and out["broken"] == [] and out["check_exit"] == 0, out
