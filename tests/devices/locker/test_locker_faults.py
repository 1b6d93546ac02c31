"""One test per fault of docs/protocols/locker-board.md: the driver reports it and never success."""
from __future__ import annotations

import threading

import pytest

from drivers.errors import DeviceFault, DeviceTimeout, ProtocolError


def test_dead_board_is_a_timeout_naming_the_board(sim, bus):
    sim.control("fault", board=1, kind="dead")
    with pytest.raises(DeviceTimeout, match="board 1") as err:
        bus.open_and_confirm(1, 0)
    assert "no reply" in str(err.value)
    assert sim.state()["boards"]["1"]["door_open"][0] is False
    assert bus.status(0).board == 0  # the rest of the bus still works


def test_bad_checksum_is_a_protocol_error(sim, bus):
    sim.control("fault", board=0, kind="bad_checksum")
    with pytest.raises(ProtocolError, match="checksum"):
        bus.status(0)
    with pytest.raises(ProtocolError):
        bus.open_and_confirm(0, 1)


def test_slow_reply_beyond_timeout_is_a_timeout(sim, bus):
    sim.control("fault", board=0, kind="slow", delay=1.0)
    with pytest.raises(DeviceTimeout, match="board 0"):
        bus.status(0)


def test_slow_reply_within_timeout_still_works(sim, bus):
    sim.control("fault", board=0, kind="slow", delay=0.08)
    assert bus.open_and_confirm(0, 2).status.door_open[2]


def test_jammed_lock_is_reported_and_never_opened(sim, bus):
    sim.control("fault", board=0, kind="jammed", lock=5)
    sim.control("fault", board=0, kind="unlock_status")  # the board even answers the unlock
    with pytest.raises(DeviceFault) as err:
        bus.open_and_confirm(0, 5)
    assert err.value.reason == "jammed" and "board 0 lock 5" in str(err.value)
    assert sim.state()["boards"]["0"]["unlocks"][5] == 2  # bounded: exactly unlock_attempts pulses
    assert sim.control("door", board=0, lock=5)["door_open"] is False


def test_door_left_open_is_reported_by_wait_closed(sim, bus):
    sim.control("set_timing", close_after=0.2)
    sim.control("fault", board=1, kind="door_left_open", lock=6)
    with pytest.raises(DeviceFault) as err:
        bus.wait_closed(1, 6, timeout=0.5, poll_interval=0.05)
    assert err.value.reason == "door_left_open"


def test_inverted_polarity_not_configured_is_never_success(sim, bus):
    sim.control("fault", board=1, kind="inverted")
    with pytest.raises(DeviceFault) as err:
        bus.open_and_confirm(1, 3)
    assert err.value.reason == "polarity"
    assert sim.state()["boards"]["1"]["unlocks"][3] == 0  # nothing was pulsed on a misread board
    sim.control("open_door", board=1, lock=8)  # one door really open: the rest look open
    with pytest.raises(DeviceFault) as err:
        bus.open_and_confirm(1, 3)
    assert err.value.reason == "already_open"


@pytest.mark.parametrize("mode", ["unlock_silent", "unlock_echo", "unlock_status"])
def test_unlock_reply_is_not_taken_as_confirmation(sim, bus, mode):
    """Silent, echoing or status-answering unlock on a jammed lock: still no success."""
    sim.control("fault", board=1, kind=mode)
    sim.control("fault", board=1, kind="jammed", lock=1)
    with pytest.raises(DeviceFault, match="jammed"):
        bus.open_and_confirm(1, 1, timeout=0.2)


def test_board_dying_after_unlock_leaves_state_unknown(sim, bus):
    sim.control("set_timing", open_delay=2.0)
    bus.open_timeout = 3.0
    threading.Timer(0.2, sim.control, ("fault",), {"board": 0, "kind": "dead"}).start()
    with pytest.raises(DeviceTimeout) as err:
        bus.open_and_confirm(0, 9)
    assert err.value.door_state_unknown is True
    assert "door state unknown" in str(err.value)


def test_door_opened_by_hand_is_not_an_opening_we_confirmed(sim, bus):
    sim.control("open_door", board=0, lock=11)
    with pytest.raises(DeviceFault) as err:
        bus.open_and_confirm(0, 11)
    assert err.value.reason == "already_open"


def test_noise_on_the_line_is_tolerated(sim, bus):
    """Garbage before every reply (no STX in it) is dropped; replies are still read."""
    sim.control("fault", board=0, kind="noise")
    assert bus.status(0).board == 0
    assert bus.open_and_confirm(0, 4).status.door_open[4]


def test_late_reply_from_a_slow_board_is_never_taken_as_confirmation(sim, bus):
    """A slow board's late replies (door open at the time) land in the polls after a new
    unlock of the now closed, jammed door: the driver must not call that an opening."""
    sim.control("open_door", board=0, lock=3)
    sim.control("fault", board=0, kind="slow", delay=0.9)  # > reply_timeout (0.4) x 2 attempts
    with pytest.raises(DeviceTimeout):
        bus.status(0)  # two polls time out; their "door 3 open" replies are still on the way
    sim.control("fault", board=0, kind="slow", on=False)
    sim.control("close_door", board=0, lock=3)
    sim.control("fault", board=0, kind="jammed", lock=3)
    # The driver lets the late replies drain before it trusts a reading, so it sees the
    # door closed now, pulses the jammed lock and says so: never an opening.
    with pytest.raises(DeviceFault) as err:
        bus.open_and_confirm(0, 3)
    assert err.value.reason == "jammed"
    assert sim.control("door", board=0, lock=3)["door_open"] is False


def test_late_closed_reply_does_not_end_wait_closed(sim, bus):
    """Late 'door closed' replies from before the door opened must not read as 'closed now'."""
    sim.control("fault", board=1, kind="slow", delay=0.9)
    with pytest.raises(DeviceTimeout):
        bus.status(1)  # its "all closed" replies are still on the way
    sim.control("fault", board=1, kind="slow", on=False)
    sim.control("fault", board=1, kind="door_left_open", lock=2)  # opens and stays open
    with pytest.raises(DeviceFault) as err:
        bus.wait_closed(1, 2, timeout=1.2, poll_interval=0.0)  # always on the line
    assert err.value.reason == "door_left_open"

