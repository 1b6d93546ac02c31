"""The result kiosk's locker bank: drives `drivers.locker.driver.Locker`, reports every door fact to the server.

The server decides (reserve, authorise); this module only does what the board
can confirm and says what the board said: `open_confirmed` only after
`open_and_confirm` returned, `open_failed` with the driver's reason otherwise,
`closed` with the item sensor, `left_open`, and `sensor` changes seen while
watching. At start-up `reconcile()` reads every door back from the board so a
kiosk killed between "open" and "closed" ends consistent.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable
from urllib.parse import quote

import httpx

from drivers.errors import DeviceError, DeviceFault
from drivers.locker.driver import CompartmentState, LockerBus, OpenResult
from drivers.locker.compartments import Locker, LockerMap

from kiosk_app.api import NotAvailable, NotFound, Refused, ServerClient, Unreachable
from kiosk_app.result.postal import PostalCalls

log = logging.getLogger(__name__)


class VerifyRefused(Refused):
    """The server refused a pickup code; `.tries_left` when it said how many remain."""

    def __init__(self, message: str, *, status: int, code: str, tries_left: int | None,
                 retry_after_s: int | None = None):
        super().__init__(message, status=status, code=code)
        self.tries_left, self.retry_after_s = tries_left, retry_after_s


class LockerClient(PostalCalls, ServerClient):
    """`/api/v1/lockers` calls. Kiosk calls use the device key; staff calls pass the officer's token."""

    def _path(self, kiosk: str, rest: str = "") -> str:
        return f"/api/v1/lockers/{quote(kiosk, safe='')}{rest}"

    def bank(self, kiosk: str) -> dict[str, Any]:
        return self._call("GET", self._path(kiosk))

    def commands(self, kiosk: str) -> list[dict[str, Any]]:
        return self._call("GET", self._path(kiosk, "/commands"))

    def lookup(self, kiosk: str, dossier: str) -> dict[str, Any]:
        return self._call("POST", self._path(kiosk, "/pickup/lookup"), json={"dossier": dossier})

    def verify(self, kiosk: str, dossier: str, code: str) -> dict[str, Any]:
        """The parcel authorised to open (with board, lock), or VerifyRefused (wrong_code + tries_left, locked…)."""
        return self._pickup(self._path(kiosk, "/pickup/verify"), {"dossier": dossier, "code": code})

    def new_code(self, kiosk: str, dossier: str) -> dict[str, Any]:
        """A new pickup code sent to the contact on file: {"dossier", "sent_to": [masked]}, or
        VerifyRefused (rate_limited + retry_after_s while the cool-down runs, no_contact…)."""
        return self._pickup(self._path(kiosk, "/pickup/new-code"), {"dossier": dossier})

    def _pickup(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            r = self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise Unreachable(f"POST {path}: {type(exc).__name__}") from exc
        if r.status_code >= 500:
            raise Unreachable(f"POST {path}: server error {r.status_code}", status=r.status_code)
        try:
            body = r.json()
        except ValueError:
            raise Unreachable(f"POST {path}: answer is not JSON", status=r.status_code) from None
        if r.status_code < 400:
            return body
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            raise NotAvailable(f"POST {path}: not available on this server", status=r.status_code)
        raise VerifyRefused(error.get("message", ""), status=r.status_code, code=error.get("code", ""),
                            tries_left=error.get("tries_left"), retry_after_s=error.get("retry_after_s"))

    def report(self, kiosk: str, number: int, event: str, **fields: Any) -> dict[str, Any]:
        body = {"event": event, **{k: v for k, v in fields.items() if v is not None}}
        return self._call("POST", self._path(kiosk, f"/compartments/{number}/report"), json=body)

    def reconcile(self, kiosk: str, compartments: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", self._path(kiosk, "/reconcile"), json={"compartments": compartments})

    def login(self, username: str, password: str) -> str:
        return self._call("POST", "/api/v1/auth/login", json={"username": username, "password": password})["token"]

    def deposit(self, kiosk: str, dossier: str, size: str, token: str) -> dict[str, Any]:
        return self._call("POST", self._path(kiosk, "/deposits"), json={"dossier": dossier, "size": size},
                          headers={"Authorization": f"Bearer {token}"})


def failure_reason(exc: DeviceError) -> str:
    if isinstance(exc, DeviceFault):
        return exc.reason
    return "timeout" if exc.door_state_unknown or "Timeout" in type(exc).__name__ else "error"


class LockerService:
    def __init__(self, locker: Locker, client: LockerClient, kiosk: str, *, close_timeout: float = 60.0,
                 poll_interval: float = 0.2):
        self.locker, self.client, self.kiosk = locker, client, kiosk
        self.close_timeout, self.poll_interval = close_timeout, poll_interval
        self.busy: set[int] = set()  # compartments a flow is driving right now (the watcher leaves them alone)
        self.last: dict[int, CompartmentState] = {}
        self._lock = threading.Lock()

    @classmethod
    def connect(cls, url: str, client: LockerClient, kiosk: str, **options: Any) -> "LockerService":
        """Open the board at `url` with the compartment map the server holds for this kiosk."""
        bank = client.bank(kiosk)
        mapping = LockerMap(bank["compartments"], inverted_boards=bank.get("inverted_boards", ()))
        bus_opts = {k: options.pop(k) for k in list(options) if k in (
            "reply_timeout", "attempts", "poll_interval_bus", "open_timeout", "unlock_attempts")}
        if "poll_interval_bus" in bus_opts:
            bus_opts["poll_interval"] = bus_opts.pop("poll_interval_bus")
        return cls(Locker(LockerBus(url, **bus_opts), mapping), client, kiosk, **options)

    def close(self) -> None:
        self.locker.bus.close()

    # -- commands ---------------------------------------------------------------
    def open(self, number: int, *, parcel_id: int | None = None) -> tuple[OpenResult | None, dict[str, Any]]:
        """Open and confirm; (result, server answer). On failure (None, answer) — the server has been told."""
        self.busy.add(number)
        self._tell(number, "unlock_sent", parcel_id=parcel_id)  # the command is in the audit before the pulse
        try:
            result = self.locker.open(number)
        except DeviceError as exc:
            reason = failure_reason(exc)
            self.busy.discard(number)
            log.warning("compartment %s did not open: %s", number, exc)
            return None, self._tell(number, "open_failed", parcel_id=parcel_id, reason=reason)
        state = result.status.compartment(self.locker.map.slot(number).lock)
        self.last[number] = state
        return result, self._tell(number, "open_confirmed", parcel_id=parcel_id, door_open=True, item=state.item,
                                  latency_s=round(result.latency_s, 4))

    def wait_closed(self, number: int, *, parcel_id: int | None = None, timeout: float | None = None,
                    on_poll: Callable[[CompartmentState], None] | None = None) -> tuple[CompartmentState | None, dict]:
        """Wait for the door to close, then report it with the item sensor.

        (None, answer) when the door stays open past the timeout or the board stops answering;
        the watcher / reconciliation finishes the flow once the board reads closed.
        """
        try:
            state = self.locker.wait_closed(number, timeout=self.close_timeout if timeout is None else timeout,
                                            on_poll=on_poll, poll_interval=self.poll_interval)
        except DeviceFault as exc:
            if getattr(exc, "reason", "") != "door_left_open":
                return None, self._tell(number, "board_lost", parcel_id=parcel_id, reason=failure_reason(exc))
            return None, self._tell(number, "left_open", parcel_id=parcel_id, door_open=True)
        except DeviceError as exc:  # the board stopped answering: door state unknown until it answers again
            log.warning("compartment %s: lost the board while waiting for the door: %s", number, exc)
            return None, self._tell(number, "board_lost", parcel_id=parcel_id, reason=failure_reason(exc))
        self.last[number] = state
        answer = self._tell(number, "closed", parcel_id=parcel_id, door_open=False, item=state.item)
        self.busy.discard(number)
        return state, answer

    def release(self, number: int) -> None:
        self.busy.discard(number)

    def _tell(self, number: int, event: str, **fields: Any) -> dict[str, Any]:
        """Report to the server; a lost report is not fatal: reconciliation reads the board later."""
        try:
            return self.client.report(self.kiosk, number, event, **fields)
        except (Unreachable, Refused, NotFound, NotAvailable) as exc:
            log.error("compartment %s: %s not reported to the server: %s", number, event, exc)
            return {"result": "unreported", "error": str(exc)}

    # -- the board's real state ---------------------------------------------------
    def snapshot(self) -> dict[int, CompartmentState]:
        states = self.locker.states()
        self.last.update(states)
        return states

    def reconcile(self) -> dict[str, Any]:
        """Send every door and sensor as the board reads them now (start-up, after a restart, and
        periodically); compartments a flow is driving right now are left out."""
        states = self.snapshot()
        return self.client.reconcile(self.kiosk, [{"compartment": n, "door_open": s.door_open, "item": s.item}
                                                  for n, s in sorted(states.items()) if n not in self.busy])

    def watch_once(self) -> list[int]:
        """One poll of the bank: report compartments whose door or sensor changed. Returns their numbers."""
        before = dict(self.last)
        try:
            states = self.locker.states()
        except DeviceError as exc:
            log.warning("locker watch: %s", exc)
            return []
        changed = []
        for n, s in states.items():
            old = before.get(n)
            if n in self.busy or (old and (old.door_open, old.item) == (s.door_open, s.item)):
                continue
            self.last[n] = s
            self._tell(n, "sensor", door_open=s.door_open, item=s.item)
            changed.append(n)
        return changed

    def run_commands(self, *, wait: bool = True) -> list[dict[str, Any]]:
        """Open the doors the server asks for (console deposits, supervised retrievals)."""
        done = []
        for cmd in self.client.commands(self.kiosk):
            n, pid = cmd["compartment"], cmd["id"]
            result, answer = self.open(n, parcel_id=pid)
            if result is not None and wait:
                _, answer = self.wait_closed(n, parcel_id=pid)
            self.release(n)
            done.append({"compartment": n, "purpose": cmd["purpose"], "opened": result is not None,
                         "result": answer.get("result")})
        return done

    def run_forever(self, stop: threading.Event, every: float = 2.0, reconcile_every: float = 60.0) -> None:
        """Background loop for the kiosk app: commands, watch, and a full reconciliation now and then."""
        last_reconcile = time.monotonic()
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.run_commands()
                self.watch_once()
                if started - last_reconcile >= reconcile_every:
                    last_reconcile = started
                    self.reconcile()
            except (DeviceError, Unreachable, Refused) as exc:
                log.warning("locker loop: %s", exc)
            stop.wait(max(0.0, every - (time.monotonic() - started)))
