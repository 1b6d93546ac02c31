"""One small tree of device errors. Every error names the device and says what happened."""
from __future__ import annotations


class DeviceError(Exception):
    """Base of every driver error. ``device`` is the URL or name of the device.

    ``board``: on a bus of several boards (lockers), the one that failed, else None.
    ``door_state_unknown``: an unlock went out and nobody confirmed what the door did —
    the caller must not report the door closed (nor open).
    """

    code = "device_error"

    def __init__(self, device: str, message: str, *, board: int | None = None,
                 door_state_unknown: bool = False):
        self.device = device
        self.message = message
        self.board = board
        self.door_state_unknown = door_state_unknown
        super().__init__(f"{device}: {message}")

    def with_door_state_unknown(self) -> "DeviceError":
        """The same error, marked: raised after an unlock went out (the door may be open)."""
        self.door_state_unknown = True
        if "door state unknown" not in self.message:
            self.message += " (unlock was sent: door state unknown)"
        self.args = (f"{self.device}: {self.message}",)
        return self


class DeviceNotFound(DeviceError):
    """The port, path or host does not exist or cannot be opened."""

    code = "device_not_found"


class DeviceTimeout(DeviceError):
    """The device did not answer, or did not take our bytes, in time."""

    code = "device_timeout"


class ProtocolError(DeviceError):
    """The device answered with bytes the protocol does not allow."""

    code = "protocol_error"


class DeviceFault(DeviceError):
    """The device answered and reports a fault (paper out, cover open, jammed lock...)."""

    code = "device_fault"

    def __init__(self, device: str, reason: str, message: str | None = None, *,
                 board: int | None = None, door_state_unknown: bool = False):
        self.reason = reason
        super().__init__(device, message or reason, board=board, door_state_unknown=door_state_unknown)
