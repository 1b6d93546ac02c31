"""Contract: the locker driver against the independent simulator, through a real pty."""
from __future__ import annotations

import threading
import time

import pytest

from drivers.errors import DeviceError
from drivers.locker.driver import LockerBus
from drivers.locker.compartments import Locker, LockerMap


def door(sim, board, lock):
    return sim.control("door", board=board, lock=lock)


def test_status_of_a_fresh_board_is_all_closed_and_empty(bus):
    status = bus.status(0)
    assert status.board == 0
    assert status.door_open == (False,) * 16 and status.item == (False,) * 16


def test_open_and_confirm_opens_exactly_that_door(sim, bus):
    result = bus.open_and_confirm(1, 4)
    assert (result.board, result.lock, result.attempts) == (1, 4, 1)
    assert result.status.door_open[4] and result.latency_s > 0
    assert door(sim, 1, 4)["door_open"] is True
    others = [(b, lock) for b in (0, 1) for lock in range(16) if (b, lock) != (1, 4)]
    assert not any(door(sim, b, lock)["door_open"] for b, lock in others)
    assert sim.state()["boards"]["1"]["unlocks"][4] == 1


def test_deposit_then_pickup_cycle_reads_item_sensor(sim, bus):
    bus.open_and_confirm(0, 7)
    sim.control("put_item", board=0, lock=7)
    sim.control("close_door", board=0, lock=7)
    closed = bus.wait_closed(0, 7, timeout=2, poll_interval=0.02)
    assert closed.door_open is False and closed.item is True

    seen = []
    bus.open_and_confirm(0, 7)
    sim.control("take_item", board=0, lock=7)
    threading.Timer(0.2, sim.control, ("close_door",), {"board": 0, "lock": 7}).start()
    closed = bus.wait_closed(0, 7, timeout=3, poll_interval=0.02, on_poll=seen.append)
    assert closed.item is False and not closed.door_open
    assert seen[0].door_open and seen[-1] == closed  # live door state reached the caller


def test_door_closes_by_itself_after_configured_time(sim, bus):
    sim.control("set_timing", close_after=0.3)
    bus.open_and_confirm(0, 2)
    assert bus.wait_closed(0, 2, timeout=3, poll_interval=0.05).door_open is False


def test_bus_query_lists_answering_boards(sim, bus):
    assert sorted(bus.query_bus().boards) == [0, 1]
    sim.control("fault", board=0, kind="dead")
    scan = bus.query_bus()
    assert sorted(scan.boards) == [1] and scan.bad_frames == 0


def test_unlock_answers_are_tolerated(sim, bus):
    for lock, mode in enumerate(("unlock_silent", "unlock_status", "unlock_echo")):
        sim.control("fault", board=0, kind=mode)
        assert bus.open_and_confirm(0, lock).status.door_open[lock]


def test_inverted_board_works_when_configured(sim):
    sim.control("fault", board=1, kind="inverted")
    with LockerBus(sim.port_path, inverted_boards=[1], reply_timeout=0.2, poll_interval=0.02) as bus:
        assert bus.status(1).door_open == (False,) * 16
        assert bus.open_and_confirm(1, 9).status.door_open[9]
        assert [i for i, o in enumerate(bus.status(1).door_open) if o] == [9]


def test_one_command_at_a_time_from_many_threads(sim, bus):
    """Kiosk threads share one bus; frames never interleave, every reply is for its asker."""
    errors: list[Exception] = []

    def poll(board):
        try:
            for _ in range(15):
                assert bus.status(board).board == board
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(b,)) for b in (0, 1, 0, 1)]
    opener = threading.Thread(target=lambda: bus.open_and_confirm(1, 12))
    for t in threads + [opener]:
        t.start()
    for t in threads + [opener]:
        t.join(timeout=30)
    assert errors == []
    assert door(sim, 1, 12)["door_open"] and sim.state()["bad_frames_seen"] == 0


def test_driver_over_tcp_link(tmp_path):
    from hardware_sim.locker.device import LockerSim

    with LockerSim([3], tcp_port=0, open_delay=0.05) as device:
        with LockerBus(f"tcp://127.0.0.1:{device.tcp_port}", reply_timeout=0.3, poll_interval=0.02) as bus:
            assert bus.open_and_confirm(3, 0).board == 3


def test_locker_by_compartment_number(sim, bus):
    mapping = LockerMap([{"compartment": 1, "board": 0, "lock": 0, "size": "S"},
                         {"compartment": 2, "board": 1, "lock": 5, "size": "L"}])
    locker = Locker(bus, mapping)
    locker.open(2)
    assert door(sim, 1, 5)["door_open"] and not door(sim, 0, 0)["door_open"]
    states = locker.states()
    assert states[2].door_open and not states[1].door_open
    with pytest.raises(LookupError):
        locker.open(3)


def test_restarted_simulator_reports_the_real_door_state(tmp_path):
    from hardware_sim.locker.device import LockerSim

    state = str(tmp_path / "bank.json")
    first = LockerSim([0], state_file=state, open_delay=0.05, close_after=0).start()
    with LockerBus(first.port_path, reply_timeout=0.2, poll_interval=0.02) as bus:
        bus.open_and_confirm(0, 3)
    first.control("put_item", board=0, lock=3)
    first.stop()
    second = LockerSim([0], state_file=state).start()
    try:
        with LockerBus(second.port_path, reply_timeout=0.2) as bus:
            st = bus.state(0, 3)
            assert st.door_open and st.item
            with pytest.raises(DeviceError):
                bus.open_and_confirm(0, 3)  # already open: not a new confirmed opening
    finally:
        second.stop()


def test_service_unlock_all_opens_every_free_door(sim, bus):
    sim.control("fault", board=1, kind="jammed", lock=0)
    bus.unlock_all(1)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and sum(bus.status(1).door_open) < 15:
        time.sleep(0.05)
    assert bus.status(1).door_open == (False,) + (True,) * 15
    assert bus.status(0).door_open == (False,) * 16  # the other board did not move


def test_bus_query_counts_garbled_replies(sim, bus):
    sim.control("fault", board=1, kind="bad_checksum")
    scan = bus.query_bus()
    assert sorted(scan.boards) == [0] and scan.bad_frames == 1
