"""Fixtures: a locker simulator on the far end of a real pty, and the driver on this end.

The simulator runs on its own threads (pty reader, door ticker, HTTP control);
the driver only ever sees bytes through the pty, exactly as with a real board.
"""
from __future__ import annotations

import pytest

from drivers.locker.driver import LockerBus
from hardware_sim.locker.device import LockerSim


@pytest.fixture
def sim(tmp_path):
    device = LockerSim([0, 1], state_file=str(tmp_path / "locker.json"), baudrate=19200,
                       open_delay=0.1, close_after=0.0, control_port=0)
    device.start()
    yield device
    device.stop()


@pytest.fixture
def bus(sim):
    with LockerBus(sim.port_path, reply_timeout=0.4, attempts=2, poll_interval=0.02,
                   open_timeout=0.6) as driver:
        yield driver
