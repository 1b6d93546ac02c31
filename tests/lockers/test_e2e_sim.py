"""End to end: the real server (subprocess), the locker simulator behind a real pty at 19200 baud,
the CU16 driver, the kiosk's LockerService and ResultFlow; a "person" thread moves items and doors."""
from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import httpx
import pytest

from drivers.printer.driver import TicketPrinter
from hardware_sim.locker.device import LockerSim
from kiosk_app.result.lockers import LockerClient, LockerService
from kiosk_app.result.flow import ResultFlow

KIOSK = "result-1"


class Rig:
    def __init__(self, live, sim, tmp: Path):
        self.live, self.sim, self.tmp = live, sim, tmp
        self.connect()
        self.slips = tmp / "slips.bin"

    def connect(self) -> None:
        self.client = LockerClient(self.live.base_url, self.live.bank_key(KIOSK), timeout=10)  # the bank's own key
        self.service = LockerService.connect(self.sim.port_path, self.client, KIOSK, close_timeout=8,
                                             poll_interval=0.05, reply_timeout=0.6, open_timeout=1.0)
        self.flow = ResultFlow(KIOSK, self.client, self.service, close_timeout=8,
                               printer=TicketPrinter(f"file://{self.tmp / 'slips.bin'}"))

    def dossier(self, **kw) -> str:
        body = {"procedure": "Cấp đổi Giấy chứng nhận", "applicant_name": "Lê Thị Hồng", "phone": "0987654321", **kw}
        r = httpx.post(self.live.base_url + "/api/v1/dossiers", json=body, headers=self.live.headers("officer"))
        assert r.status_code == 201, r.text
        return r.json()["code"]

    def api(self, method: str, path: str, who: str = "supervisor", **kw):
        return httpx.request(method, self.live.base_url + path, headers=self.live.headers(who), timeout=30, **kw)

    def person(self, board: int, lock: int, *, put: bool = False, take: bool = False, close: bool = True) -> threading.Thread:
        """Waits for the door to swing open, puts/takes the result, closes the door."""
        def act():
            deadline = time.monotonic() + 10
            while not self.sim.control("door", board=board, lock=lock)["door_open"]:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)
            # A person acts while the screen says the door is open (a loaded machine can make the
            # kiosk's confirmation late; closing before it would be a door nobody saw open).
            seen = time.monotonic() + 5
            while self.flow.view.state not in ("deposit_open", "door_open") and time.monotonic() < seen:
                time.sleep(0.02)
            time.sleep(0.1)
            if put:
                self.sim.control("put_item", board=board, lock=lock)
            if take:
                self.sim.control("take_item", board=board, lock=lock)
            if close:
                time.sleep(0.1)
                self.sim.control("close_door", board=board, lock=lock)
        t = threading.Thread(target=act, daemon=True)
        t.start()
        return t

    def deposit(self, code: str) -> int:
        assert self.flow.staff_login("officer1", self.live.password).state == "staff_ready"
        n = self._next_free()
        helper = self.person(*divmod(n - 1, 16), put=True)
        view = self.flow.deposit(code)
        helper.join()
        self.flow.staff_logout()
        assert view.state == "deposit_done", view
        return view.compartment

    def _next_free(self) -> int:
        bank = self.client.bank(KIOSK)
        return next(c["compartment"] for c in bank["compartments"] if c["parcel"] is None and not c["disabled"]
                    and c["size"] == "S")

    def codes(self, dossier: str, count: int = 1, timeout: float = 15) -> list[str]:
        outbox = self.live.workdir / "outbox"
        deadline = time.monotonic() + timeout
        while True:
            found = []
            for f in sorted(outbox.glob("*.json")) if outbox.exists() else []:
                msg = json.loads(f.read_text(encoding="utf-8"))
                m = re.search(r"Mã nhận: (\d{6})", msg["text"])
                if dossier in msg["text"] and m:
                    found.append(m.group(1))
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.2)


@pytest.fixture
def sim(tmp_path):
    device = LockerSim([0, 1], state_file=str(tmp_path / "locker.json"), baudrate=19200, open_delay=0.05,
                       close_after=0.0, control_port=0).start()
    yield device
    device.stop()


@pytest.fixture
def rig(server_factory, sim, tmp_path):
    r = Rig(server_factory(), sim, tmp_path)
    yield r
    r.service.close()


def test_deposit_notify_pickup_with_slip(rig):
    code = rig.dossier()
    n = rig.deposit(code)
    assert rig.sim.control("door", board=0, lock=n - 1) == {"board": 0, "lock": n - 1, "door_open": False, "item": True}
    (otp,) = rig.codes(code)
    seen = []
    rig.flow.subscribe(lambda v: seen.append((v.state, v.door_open)))
    assert rig.flow.scan(f"{code}|1.004193|Giấy tiếp nhận").state == "enter_code"
    helper = rig.person(0, n - 1, take=True)
    view = rig.flow.submit_code(otp)
    helper.join()
    assert view.state == "collected" and view.compartment == n and view.slip_printed is True
    assert ("door_open", True) in seen and seen.index(("door_open", True)) < seen.index(("collected", False))
    dossier = rig.api("GET", f"/api/v1/dossiers/{code}", "officer").json()
    assert dossier["status"] == 10 and dossier["collected_kiosk"] == KIOSK
    assert code.encode() in rig.slips.read_bytes() and rig.slips.read_bytes().startswith(b"\x1b@")
    audit = rig.api("GET", f"/api/v1/lockers/audit?dossier={code}").json()
    actions = [a["action"] for a in reversed(audit)]
    assert actions.index("unlock") < actions.index("open_confirmed") < actions.index("closed")
    assert actions.count("open_confirmed") == 2  # deposit and pickup, both confirmed by the board


def test_wrong_codes_slow_down_and_jammed_door(rig):
    code = rig.dossier()
    n = rig.deposit(code)
    (otp,) = rig.codes(code)
    rig.flow.enter_dossier(code)
    wrong = "000000" if otp != "000000" else "999999"
    views = [rig.flow.submit_code(wrong) for _ in range(5)]
    assert [v.tries_left for v in views] == [4, 3, 2, 1, 0]
    slowed = rig.flow.submit_code(otp)          # slowed down, not locked: even the right code waits
    assert slowed.state == "slowed" and "Gửi lại mã mới" in slowed.text("vi")   # wait, or ask for a new code
    kinds = [a["kind"] for a in rig.api("GET", "/api/v1/lockers/alerts").json()]
    assert "pickup_slowed" in kinds
    parcel = rig.api("GET", f"/api/v1/lockers/parcels?dossier={code}", who="officer").json()[0]
    assert rig.api("POST", f"/api/v1/lockers/parcels/{parcel['id']}/new-code").status_code == 200
    (_, fresh) = rig.codes(code, count=2)
    # the lock jams: not collected, the citizen is told, staff alerted, the code stays valid
    rig.sim.control("fault", board=0, kind="jammed", lock=n - 1)
    rig.flow.reset()
    rig.flow.enter_dossier(code)
    view = rig.flow.submit_code(fresh)
    assert view.state == "door_failed" and "vẫn còn hiệu lực" in view.text("vi")
    kinds = [a["kind"] for a in rig.api("GET", "/api/v1/lockers/alerts").json()]
    assert "door_failed" in kinds or "door_state_unknown" in kinds  # (a late reply under load: "unknown")
    assert rig.api("GET", f"/api/v1/dossiers/{code}", "officer").json()["status"] == 9
    rig.sim.control("clear_faults")
    rig.flow.reset()
    rig.flow.enter_dossier(code)
    helper = rig.person(0, n - 1, take=True)
    assert rig.flow.submit_code(fresh).state == "collected"
    helper.join()


def test_kiosk_and_server_killed_between_open_and_close(rig, tmp_path):
    a, b = rig.dossier(), rig.dossier()
    na, nb = rig.deposit(a), rig.deposit(b)
    otp_a, otp_b = rig.codes(a)[0], rig.codes(b)[0]
    # Kiosk dies right after the board confirmed the door open.
    parcel = rig.client.verify(KIOSK, a, otp_a)
    result, answer = rig.service.open(na, parcel_id=parcel["id"])
    assert result is not None and answer["result"] == "open"
    rig.service.close()
    rig.sim.control("take_item", board=0, lock=na - 1)
    rig.sim.control("close_door", board=0, lock=na - 1)
    # Server dies after authorising the second pickup; the door swings open while nobody watches.
    parcel_b = rig.client.verify(KIOSK, b, otp_b)
    rig.live.kill()
    rig.sim.control("open_door", board=0, lock=nb - 1)  # the door did swing open
    rig.live.start()
    rig.connect()
    out = rig.service.reconcile()
    assert out["changes"] == {str(na): "collected", str(nb): "open"}
    assert httpx.get(rig.live.base_url + f"/api/v1/dossiers/{a}").json()["status"] == 10
    rig.sim.control("close_door", board=0, lock=nb - 1)  # closed again with the result still inside
    assert rig.service.watch_once() == [nb]
    p = rig.api("GET", f"/api/v1/lockers/parcels?dossier={b}", who="officer").json()[0]
    assert p["id"] == parcel_b["id"] and p["state"] == "ready"  # not collected, code still valid
    assert rig.client.verify(KIOSK, b, otp_b)["compartment"] == nb


def test_unexpected_open_and_sensor_disagreement_alert(rig):
    code = rig.dossier()
    n = rig.deposit(code)
    rig.service.snapshot()
    rig.sim.control("open_door", board=0, lock=n - 1)
    rig.sim.control("take_item", board=0, lock=n - 1)
    rig.sim.control("close_door", board=0, lock=5)
    rig.sim.control("put_item", board=0, lock=5, force=True)
    assert sorted(rig.service.watch_once()) == [n, 6]
    kinds = {a["kind"] for a in rig.api("GET", "/api/v1/lockers/alerts").json()}
    assert {"unexpected_open", "item_unexpected"} <= kinds
    assert httpx.get(rig.live.base_url + f"/api/v1/dossiers/{code}").json()["status"] == 9


def test_reminder_and_supervised_return(rig):
    code = rig.dossier()
    n = rig.deposit(code)
    (first,) = rig.codes(code)
    rig.service.close()
    rig.live.clock_start = "2026-11-26T08:05:00+07:00"  # three days later
    rig.live.restart()
    rig.connect()
    deadline = time.monotonic() + 15   # a reminder with a new code (the 3-day-old file is deleted meanwhile)
    while not [c for c in rig.codes(code, count=1, timeout=1) if c != first]:
        assert time.monotonic() < deadline, "no reminder with a new code"
    rig.service.close()
    rig.live.clock_start = "2026-12-03T08:05:00+07:00"  # ten days after the deposit
    rig.live.restart()
    rig.connect()
    deadline = time.monotonic() + 10
    while not rig.api("GET", "/api/v1/lockers/parcels?state=return_due", who="officer").json():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    rig.flow.enter_dossier(code)
    assert rig.flow.view.message == "at_counter"
    parcel = rig.api("GET", "/api/v1/lockers/parcels?state=return_due", who="officer").json()[0]
    assert rig.api("POST", f"/api/v1/lockers/parcels/{parcel['id']}/retrieve").json()["state"] == "retrieving"
    helper = rig.person(0, n - 1, take=True)
    done = rig.service.run_commands()
    helper.join()
    assert done == [{"compartment": n, "purpose": "retrieve", "opened": True, "result": "returned"}]
    dossier = rig.api("GET", f"/api/v1/dossiers/{code}", "officer").json()
    assert dossier["returned_to_counter_at"] and dossier["status"] == 9
    audit = rig.api("GET", f"/api/v1/lockers/audit?dossier={code}").json()
    assert any(a["action"] == "retrieve_requested" and a["actor"] == "staff:supervisor1" for a in audit)
