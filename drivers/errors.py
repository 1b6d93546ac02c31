"""One small tree of device errors. Every error names the device and says what happened."""
from __future__ import annotations


class DeviceError(Exception):
    """Base of every driver error. ``device`` is the URL or name of the device."""

    code = "device_error"

    def __init__(self, device: str, message: str):
        self.device = device
        self.message = message
        super().__init__(f"{device}: {message}")


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

    def __init__(self, device: str, reason: str, message: str | None = None):
        self.reason = reason
        super().__init__(device, message or reason)
