"""Fixtures: a simulated scanner behind a real pty, and a driver reading it on its own thread."""
from __future__ import annotations

import queue
from pathlib import Path
from typing import Iterator

import pytest

from drivers.scanner.driver import Rejected, Scanner
from hardware_sim.scanner.device import ScannerSim


@pytest.fixture
def link(tmp_path: Path) -> str:
    """A stable port path (like a udev symlink) that survives unplug/replug."""
    return str(tmp_path / "ttyScanner")


@pytest.fixture
def sim(link: str) -> Iterator[ScannerSim]:
    device = ScannerSim(suffix="cr", link=link, control_port=0).start()
    yield device
    device.stop()


class Reader:
    """A started driver plus what it reported, for assertions."""

    def __init__(self, url: str, **kwargs):
        self.rejects: queue.Queue[Rejected] = queue.Queue()
        kwargs.setdefault("reconnect_min", 0.05)
        kwargs.setdefault("reconnect_max", 0.2)
        kwargs.setdefault("debounce", 0.0)
        self.scanner = Scanner(url, on_reject=self.rejects.put, **kwargs)

    def __enter__(self) -> "Reader":
        self.scanner.start()
        assert self.scanner.wait_connected(5), self.scanner.health()
        return self

    def __exit__(self, *exc) -> None:
        self.scanner.stop()

    def text(self, timeout: float = 5.0) -> str:
        scan = self.scanner.get(timeout)
        assert scan is not None, f"no code within {timeout}s; health={self.scanner.health()}"
        return scan.text

    def reject(self, timeout: float = 5.0) -> Rejected:
        try:
            return self.rejects.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no rejected frame within {timeout}s; health={self.scanner.health()}") from None

    def no_more(self, wait: float = 0.3) -> None:
        assert self.scanner.get(wait) is None, "an unexpected extra code was delivered"


@pytest.fixture
def reader_for():
    """``with reader_for(url, suffix=...) as r:`` starts a driver and waits until it is connected."""
    return Reader
