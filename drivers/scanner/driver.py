"""QR/barcode scanner in serial mode: a background reader that hands codes to the app.

``Scanner(url, suffix="cr", on_code=...)`` opens the port by URL (see
``drivers.transport``), reads on a daemon thread, splits frames on the suffix
(``drivers.scanner.framing``), drops repeats within the debounce window, and
reconnects with exponential back-off when the port disappears (USB unplugged,
simulator restarted). ``health()`` says whether it is connected and counts what
happened. Payload text is never logged: it may be a citizen's ID card.

Protocol: docs/protocols/scanner.md.
"""
from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Callable

from drivers.errors import DeviceError
from drivers.scanner.payloads import DEFAULT_SALT, Payload, classify
from drivers.scanner.framing import DEFAULT_MAX_FRAME, BadFrame, Frame, FrameSplitter
from drivers.transport import Transport, open_transport

log = logging.getLogger("motcua.drivers.scanner")

READ_SIZE = 4096
POLL = 0.1  # s; longest a read blocks, so stop() and the stale-partial check stay prompt
# A scanner sends a code in one burst (at 9600 baud a byte every ~1 ms). Bytes that come
# after this much silence start a new frame: an unterminated half-frame before them is
# line noise, and gluing it to the next code would lose a real scan.
FRAME_GAP = 0.3  # s


@dataclass(frozen=True)
class Scan:
    """One decoded code. ``text`` is left out of the repr (it may be an ID card)."""

    text: str = field(repr=False)
    length: int
    device: str
    at: float

    def classify(self, *, today: date | None = None, salt: bytes | str = DEFAULT_SALT) -> Payload:
        return classify(self.text, today=today, salt=salt)


@dataclass(frozen=True)
class Rejected:
    """A frame the driver dropped: ``code`` is too_long, invalid_utf8 or stale_partial."""

    code: str
    reason: str
    length: int
    device: str
    at: float

    message_vi = "Không đọc được mã. Vui lòng quét lại."
    message_en = "The code could not be read. Please scan again."


@dataclass
class ScannerHealth:
    device: str
    connected: bool = False
    last_error: str | None = None
    last_error_at: float | None = None
    connects: int = 0
    disconnects: int = 0
    bytes_read: int = 0
    frames: int = 0
    codes: int = 0
    duplicates: int = 0
    rejected: int = 0
    too_long: int = 0
    invalid_utf8: int = 0
    stale_partials: int = 0
    dropped: int = 0  # codes lost because nobody emptied the queue
    last_code_at: float | None = None

    @property
    def status(self) -> str:
        return "ok" if self.connected else "disconnected"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


class Debouncer:
    """A text seen again within ``window`` seconds of its last sighting is one scan.

    The window slides: a card held in front of a presentation-mode scanner is
    read over and over, and must still count once. Only digests are kept.
    """

    def __init__(self, window: float):
        self.window = window
        self._seen: dict[bytes, float] = {}

    def accept(self, text: str, now: float) -> bool:
        digest = hashlib.sha256(text.encode()).digest()
        self._seen = {d: t for d, t in self._seen.items() if now - t < self.window}  # bounded by the scan rate
        repeated = digest in self._seen
        self._seen[digest] = now
        return not repeated


class Scanner:
    def __init__(
        self,
        url: str,
        *,
        suffix: str | bytes = "cr",
        on_code: Callable[[Scan], None] | None = None,
        on_reject: Callable[[Rejected], None] | None = None,
        on_health: Callable[[ScannerHealth], None] | None = None,
        max_frame: int = DEFAULT_MAX_FRAME,
        debounce: float = 1.0,
        stale_after: float = 1.0,
        frame_gap: float = FRAME_GAP,
        reconnect_min: float = 0.1,
        reconnect_max: float = 5.0,
        queue_size: int = 100,
        name: str | None = None,
    ):
        self.url = url
        self.name = name or url
        self.suffix = suffix
        self.max_frame = max_frame
        FrameSplitter(suffix, max_frame)  # validate arguments now, in the caller's thread
        self.on_code = on_code
        self.on_reject = on_reject
        self.on_health = on_health
        self.stale_after = stale_after
        self.frame_gap = frame_gap
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self.codes: queue.Queue[Scan] = queue.Queue(maxsize=queue_size)
        self._debounce = Debouncer(debounce)
        self._health = ScannerHealth(device=self.name)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._transport: Transport | None = None
        self.connected_event = threading.Event()

    # -- public ------------------------------------------------------------
    def start(self) -> "Scanner":
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> "Scanner":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def get(self, timeout: float | None = None) -> Scan | None:
        """Next code from the queue (when no ``on_code`` callback is set), or None."""
        try:
            return self.codes.get(timeout=timeout)
        except queue.Empty:
            return None

    def health(self) -> ScannerHealth:
        with self._lock:
            return replace(self._health)

    def wait_connected(self, timeout: float) -> bool:
        return self.connected_event.wait(timeout)

    # -- reader thread -------------------------------------------------------
    def _run(self) -> None:
        delay = self.reconnect_min
        while not self._stop.is_set():
            try:
                transport = open_transport(self.url, timeout=POLL)
            except DeviceError as exc:
                self._error(exc)
                self._stop.wait(delay)
                delay = min(delay * 2, self.reconnect_max)
                continue
            opened = time.monotonic()
            try:
                # Bytes queued before we opened the port are old scans nobody is waiting for.
                transport.reset_input()
                self._set_connected(True)
                self._read_loop(transport)
            except DeviceError as exc:
                self._error(exc)
            except Exception as exc:  # never let the reader die on something unexpected
                log.exception("%s: reader failed", self.name)
                self._error(DeviceError(self.name, f"reader failed: {type(exc).__name__}: {exc}"))
            finally:
                try:
                    transport.close()
                except Exception:  # a vanished port may fail to close; it is gone anyway
                    pass
                self._set_connected(False)
            # A port that opens and fails at once (flapping) keeps backing off.
            delay = self.reconnect_min if time.monotonic() - opened > 1.0 else min(delay * 2, self.reconnect_max)
            if not self._stop.is_set():
                self._stop.wait(delay)

    def _read_loop(self, transport: Transport) -> None:
        splitter = FrameSplitter(self.suffix, self.max_frame)
        last_byte = time.monotonic()
        while not self._stop.is_set():
            # One byte with a timeout, then whatever else is waiting: a serial read of
            # READ_SIZE would otherwise wait the whole timeout for bytes that never come.
            data = transport.read(1, POLL)
            if data:
                data += transport.read(READ_SIZE, 0)
            now = time.monotonic()
            if data:
                if splitter.pending and now - last_byte >= self.frame_gap:
                    event = splitter.flush_stale()  # inter-character timeout: a new frame starts here
                    if event is not None:
                        self._handle(event)
                last_byte = now
                with self._lock:
                    self._health.bytes_read += len(data)
                for event in splitter.feed(data):
                    self._handle(event)
            elif splitter.pending and now - last_byte >= self.stale_after:
                event = splitter.flush_stale()
                if event is not None:
                    self._handle(event)

    def _handle(self, event: Frame | BadFrame) -> None:
        now = time.time()
        if isinstance(event, BadFrame):
            rejected = Rejected(event.code, event.reason, event.length, self.name, now)
            with self._lock:
                self._health.rejected += 1
                counter = {"too_long": "too_long", "invalid_utf8": "invalid_utf8"}.get(event.code, "stale_partials")
                setattr(self._health, counter, getattr(self._health, counter) + 1)
            log.warning("%s: %s", self.name, event.reason)
            self._call(self.on_reject, rejected)
            return
        with self._lock:
            self._health.frames += 1
            if not self._debounce.accept(event.text, time.monotonic()):
                self._health.duplicates += 1
                log.debug("%s: repeated code (%d bytes) debounced", self.name, event.length)
                return
            self._health.codes += 1
            self._health.last_code_at = now
        scan = Scan(event.text, event.length, self.name, now)
        log.info("%s: code of %d bytes", self.name, event.length)
        if self.on_code is not None:
            self._call(self.on_code, scan)
        else:
            self._enqueue(scan)

    def _enqueue(self, scan: Scan) -> None:
        while True:
            try:
                self.codes.put_nowait(scan)
                return
            except queue.Full:
                try:
                    self.codes.get_nowait()  # the oldest code is the least useful one
                except queue.Empty:
                    pass
                with self._lock:
                    self._health.dropped += 1

    def _call(self, callback: Callable[[Any], None] | None, arg: Any) -> None:
        if callback is None:
            return
        try:
            callback(arg)
        except Exception:
            log.exception("%s: callback %r failed", self.name, callback)

    def _error(self, exc: DeviceError) -> None:
        with self._lock:
            first = self._health.last_error != exc.message
            self._health.last_error = exc.message
            self._health.last_error_at = time.time()
        # Logged once per distinct error, not on every back-off retry.
        if first:
            log.warning("%s", exc)

    def _set_connected(self, connected: bool) -> None:
        with self._lock:
            if self._health.connected == connected:
                return
            self._health.connected = connected
            if connected:
                self._health.connects += 1
            elif not self._stop.is_set():  # a deliberate stop() is not a disconnect
                self._health.disconnects += 1
            snapshot = replace(self._health)
        if connected:
            self.connected_event.set()
            log.info("%s: connected", self.name)
        else:
            self.connected_event.clear()
            if self._stop.is_set():
                log.info("%s: closed", self.name)
                return  # closed by stop(): not a fault to report
            log.warning("%s: disconnected", self.name)
        self._call(self.on_health, snapshot)
