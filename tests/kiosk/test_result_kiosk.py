"""The result kiosk's screens (issue 6) under Xvfb: real Kivy window and touches, the real server,
the locker simulator behind a real pty (19200 baud) and the printer simulator.

Staff deposit through the screens → the applicant's code from the file outbox → citizen pickup
through the screens → door confirmed open → closed empty → "collected" and status 10; a wrong
code; a jammed door. Every result screen is measured (targets, text, contrast) and photographed
in both languages (kiosk-result-*.png, see bench/screenshots.py).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest

from hardware_sim.locker.device import LockerSim
from hardware_sim.printer.device import PrinterSim
from kiosk_app import a11y

pytestmark = pytest.mark.ui
KIOSK = "result-1"
from bench.screenshots import SCREENSHOTS  # noqa: E402


class Bank:
    """Server + locker bank + printer, and the few things the tests do around the kiosk."""

    def __init__(self, live, locker: LockerSim, printer: PrinterSim):
        self.live, self.locker, self.printer = live, locker, printer

    def config(self, **kw) -> dict:
        return {"server_url": self.live.base_url, "device_key": self.live.bank_key(KIOSK), "role": "result",
                "kiosk_id": KIOSK, "locker_url": self.locker.port_path, "printer_url": self.printer.port_path,
                "idle_timeout": 300, "idle_countdown": 10, **kw}

    def dossier(self) -> str:
        r = httpx.post(self.live.base_url + "/api/v1/dossiers", headers=self.live.headers("officer"), timeout=30,
                       json={"procedure": "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "applicant_name": "Lê Thị Hồng",
                             "phone": "0987654321", "status": 9})
        assert r.status_code == 201, r.text
        return r.json()["code"]

    def api(self, method: str, path: str, who: str = "supervisor", **kw) -> httpx.Response:
        return httpx.request(method, self.live.base_url + path, headers=self.live.headers(who), timeout=30, **kw)

    def deposited(self, code: str) -> int:
        """A result already in the bank (deposited by the console: the board really holds it)."""
        r = self.api("POST", f"/api/v1/lockers/{KIOSK}/deposits", "officer", json={"dossier": code, "size": "S"})
        assert r.status_code == 201, r.text
        p = r.json()
        board, lock = divmod(p["compartment"] - 1, 16)
        self.locker.control("put_item", board=board, lock=lock, force=True)
        key = {"Authorization": f"Bearer {self.live.bank_key(KIOSK)}"}
        for event, item in (("open_confirmed", False), ("closed", True)):
            r = httpx.post(f"{self.live.base_url}/api/v1/lockers/{KIOSK}/compartments/{p['compartment']}/report",
                           headers=key, json={"event": event, "parcel_id": p["id"], "door_open": event != "closed",
                                              "item": item}, timeout=30)
            assert r.status_code == 200, r.text
        assert r.json()["result"] == "ready", r.text
        return p["compartment"]

    def pickup_code(self, dossier: str, timeout: float = 20) -> str:
        """The code the applicant received (the file outbox is the default notice channel)."""
        outbox = self.live.workdir / "outbox"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for f in sorted(outbox.glob("*.json")) if outbox.exists() else []:
                text = json.loads(f.read_text(encoding="utf-8"))["text"]
                m = re.search(r"Mã nhận: (\d{6})", text)
                if dossier in text and m:
                    return m.group(1)
            time.sleep(0.2)
        raise AssertionError(f"no pickup code for {dossier} in {outbox}")

    def parcel(self, dossier: str) -> dict:
        r = self.api("GET", f"/api/v1/lockers/parcels?dossier={dossier}")
        assert r.status_code == 200, r.text
        rows = r.json()
        rows = rows.get("parcels", rows) if isinstance(rows, dict) else rows
        return rows[-1]

    def status(self, dossier: str) -> int:
        return httpx.get(f"{self.live.base_url}/api/v1/dossiers/{dossier}", timeout=30).json()["status"]


@pytest.fixture
def bank(server_factory, tmp_path):
    locker = LockerSim([0, 1], state_file=str(tmp_path / "locker.json"), baudrate=19200, open_delay=0.05,
                       close_after=0.0, control_port=0).start()
    printer = PrinterSim(out_dir=tmp_path / "paper", baudrate=115200)
    printer.start()
    yield Bank(server_factory(), locker, printer)
    locker.stop()
    printer.stop()


# -- step helpers (the driver evaluates `call`/`until` expressions with c = the controller) ----------
def door(action: str, control_url: str) -> list:
    """A person at the compartment the screen shows: put_item / take_item / close_door."""
    expr = (f"__import__('httpx').post('{control_url}/{action}', timeout=10, json=dict(zip(('board', 'lock'), "
            f"divmod(c.view.compartment - 1, 16))))")
    return [["call", expr]]


def type_keys(text: str, *, letters_key: bool = True) -> list:
    """Taps on a keypad; the dossier keypad needs its ABC/123 toggle for letters."""
    steps, letters = [], False
    for ch in text:
        if letters_key and ch.isalpha() != letters:
            steps.append(["tap", "key:letters"])
            letters = not letters
        steps.append(["tap", f"key:{ch}"])
    if letters:
        steps.append(["tap", "key:letters"])
    return steps


def both(name: str) -> list:
    """Measure and photograph the current screen in Vietnamese, then in English, then back."""
    return [["shot", f"kiosk-result-{name}-vi"], ["measure", f"{name}-vi"],
            ["tap", "language"], ["until", "c.lang == 'en'"],
            ["shot", f"kiosk-result-{name}-en"], ["measure", f"{name}-en"],
            ["tap", "language"], ["until", "c.lang == 'vi'"]]


def assert_accessible(report: dict, expected: set[str]) -> None:
    measures = report["measures"]
    assert expected <= set(measures), f"measured only {sorted(measures)}"
    for label, m in measures.items():
        assert m["problems"] == [], f"{label} ({m['screen']}): {m['problems']}"
        assert m["targets"] > 0 and m["texts"] > 0, label
        assert m["min_target_mm"] >= a11y.MIN_TARGET_MM, label
        assert m["min_text_px"] >= a11y.MIN_BODY_PX, label
        assert m["min_contrast"] >= a11y.MIN_CONTRAST, label


READY = [["wait_screen", "result_home", 20], ["until", "c.lockers_state == 'ready' and c.online", 20]]


def test_staff_deposit_then_citizen_pickup_through_the_screens(bank, run_flow):
    code = bank.dossier()
    url = bank.locker.control_url
    staff = [
        *READY, *both("home"),
        ["tap", "staff"], ["wait_screen", "result_login"],
        *type_keys("officer1", letters_key=False), ["tap", "field:pin"],
        *type_keys(bank.live.password, letters_key=False), ["until", "c.pin and c.username == 'officer1'"],
        *both("staff-login"),
        ["tap", "sign_in"], ["wait_screen", "result_staff", 20],
        ["tap", "size:M"], ["until", "c.size == 'M'"], *type_keys(code[:8]), *both("staff-ready"),
        ["tap", "key:clear"], ["scan", code],
        ["until", "c.view.state == 'deposit_open'", 20], ["wait_screen", "result_deposit"], *both("deposit-open"),
        *door("put_item", url), *door("close_door", url),
        ["until", "c.view.state == 'deposit_done'", 20], ["value", "c.view.compartment"], *both("deposit-done"),
        ["tap", "deposit_more"], ["until", "c.view.state == 'staff_ready' and not c.running"],
        ["tap", "sign_out"], ["wait_screen", "result_home"], ["value", "c.view.mode"],
    ]
    report = run_flow(bank.config(), staff, shots=SCREENSHOTS, timeout=150)
    compartment = report["values"]["c.view.compartment"]
    assert 5 <= compartment <= 12, "size M is locks 4..11 of board 0"
    assert report["values"]["c.view.mode"] == "citizen"
    assert bank.parcel(code)["state"] == "ready"
    otp = bank.pickup_code(code)

    citizen = [
        *READY, ["tap", "type_code"], ["wait_screen", "result_dossier"], *both("dossier"),
        *type_keys(code), ["until", f"c.typed == '{code}'"], ["tap", "key:ok"],
        ["wait_screen", "result_code", 20], *type_keys(otp[:3], letters_key=False), *both("code"),
        *type_keys(otp[3:], letters_key=False), ["tap", "key:ok"],
        ["until", "c.view.state == 'door_open'", 20], ["wait_screen", "result_door"],
        ["until", "c.view.door_open is True and c.view.item is True", 10], *both("door-open"),
        *door("take_item", url), ["until", "c.view.item is False", 10],
        *door("close_door", url),
        ["until", "c.view.state == 'collected'", 20], ["wait_screen", "result_outcome"],
        ["until", "not c.running"], ["value", "c.view.slip_printed"], *both("collected"),
        ["tap", "done"], ["wait_screen", "result_home"],
    ]
    report2 = run_flow(bank.config(), citizen, shots=SCREENSHOTS, timeout=150)
    assert report2["values"]["c.view.slip_printed"] is True
    assert "result_door" in report2["screens"] and report2["screens"][-1] == "result_home"
    assert bank.status(code) == 10
    assert bank.parcel(code)["state"] == "collected"
    slips = bank.printer.wait_for_jobs(1)
    assert code in "\n".join(slips[-1]["transcript"])
    assert_accessible(report, {f"{n}-{lang}" for n in ("home", "staff-login", "staff-ready", "deposit-open",
                                                       "deposit-done") for lang in ("vi", "en")})
    assert_accessible(report2, {f"{n}-{lang}" for n in ("dossier", "code", "door-open", "collected")
                                for lang in ("vi", "en")})


def test_wrong_code_then_a_jammed_door_keeps_the_code_valid(bank, run_flow):
    code = bank.dossier()
    n = bank.deposited(code)
    otp = bank.pickup_code(code)
    wrong = "000000" if otp != "000000" else "111111"
    board, lock = divmod(n - 1, 16)
    jam = (f"__import__('httpx').post('{bank.locker.control_url}/fault', timeout=10, "
           f"json={{'board': {board}, 'lock': {lock}, 'kind': 'jammed'}})")
    steps = [
        *READY, ["scan", code], ["wait_screen", "result_code", 20],
        *type_keys(wrong, letters_key=False), ["tap", "key:ok"],
        ["until", "c.view.message == 'wrong_code' and not c.running", 20], ["value", "c.view.tries_left"],
        *both("wrong-code"),
        ["call", jam], *type_keys(otp, letters_key=False), ["tap", "key:ok"],
        ["until", "c.view.state == 'door_failed' and not c.running", 30], ["wait_screen", "result_outcome"],
        *both("door-failed"),
        ["scan", "not a dossier at all"], ["until", "c.view.message == 'not_a_dossier' and not c.running", 20],
        *both("message"),
    ]
    report = run_flow(bank.config(), steps, shots=SCREENSHOTS, timeout=150)
    assert report["values"]["c.view.tries_left"] == 4
    assert bank.status(code) != 10
    assert bank.parcel(code)["state"] == "ready", "the code stays valid after a door that did not open"
    r = bank.api("GET", "/api/v1/lockers/alerts?state=open")
    assert any(a["kind"] == "door_failed" and a["compartment"] == n for a in r.json()), r.text
    assert bank.locker.control("door", board=board, lock=lock)["item"] is True, "the result is still inside"
    assert_accessible(report, {f"{s}-{lang}" for s in ("wrong-code", "door-failed", "message") for lang in ("vi", "en")})


def test_rare_screens_and_large_text(bank, run_flow):
    """States a person rarely meets, shown from the flow's own views; large-text mode on the keypads."""
    view = "__import__('kiosk_app.result.flow', fromlist=['FlowView']).FlowView"
    show = lambda **kw: ["call", f"c.on_view({view}(**{kw!r}))"]  # noqa: E731
    steps = [
        *READY,
        show(state="opening", message="opening", dossier="000.00.21.H29-261123-0007", compartment=7),
        ["wait_screen", "result_door"], *both("opening"),
        show(state="door_open", message="close_door", dossier="000.00.21.H29-261123-0007", compartment=7,
             door_open=True, item=False), *both("close-door"),
        show(state="not_taken", message="not_taken", dossier="000.00.21.H29-261123-0007", compartment=7,
             door_open=False, item=True), ["wait_screen", "result_outcome"], *both("not-taken"),
        show(state="locked", message="locked", dossier="000.00.21.H29-261123-0007"), *both("locked"),
        show(state="message", message="no_result", dossier="000.00.21.H29-261123-0007"), *both("no-result"),
        show(state="deposit_empty", message="deposit_empty", mode="staff", staff="officer1", compartment=3,
             door_open=False, item=False), ["wait_screen", "result_deposit"], *both("deposit-empty"),
        show(state="deposit_failed", message="deposit_failed", mode="staff", staff="officer1", compartment=3,
             door_open=False), *both("deposit-failed"),
        show(state="staff_login", message="staff_login_failed"), ["wait_screen", "result_login"],
        *both("staff-login-failed"),
        show(state="enter_code", message="enter_code", dossier="000.00.21.H29-261123-0007"),
        ["wait_screen", "result_code"], ["tap", "large_text"], ["until", "c.large_text"],
        ["shot", "kiosk-result-code-large-text-vi"], ["measure", "code-large"],
        ["tap", "back"], ["wait_screen", "result_home"], ["measure", "home-large"],
        ["tap", "type_code"], ["wait_screen", "result_dossier"], ["measure", "dossier-large"],
        ["tap", "home"], ["wait_screen", "result_home"], ["tap", "staff"], ["wait_screen", "result_login"],
        ["measure", "login-large"], ["shot", "kiosk-result-staff-login-large-text-vi"],
        show(state="door_open", message="door_open", dossier="000.00.21.H29-261123-0007", compartment=32,
             door_open=True, item=True), ["wait_screen", "result_door"], ["measure", "door-large"],
        ["shot", "kiosk-result-door-open-large-text-vi"],
        show(state="collected", message="collected", dossier="000.00.21.H29-261123-0007", compartment=32,
             door_open=False, item=False, slip_printed=False), ["wait_screen", "result_outcome"],
        ["measure", "collected-large"],
        show(state="staff_ready", message="staff_ready", mode="staff", staff="officer1"),
        ["wait_screen", "result_staff"], ["measure", "staff-large"],
        show(state="deposit_done", message="deposit_done", mode="staff", staff="officer1", compartment=32,
             door_open=False, item=True), ["wait_screen", "result_deposit"], ["measure", "deposit-large"],
    ]
    report = run_flow(bank.config(), steps, shots=SCREENSHOTS, timeout=150)
    assert_accessible(report, {f"{s}-{lang}" for s in ("opening", "close-door", "not-taken", "locked", "no-result",
                                                       "deposit-empty", "deposit-failed", "staff-login-failed")
                               for lang in ("vi", "en")} | {f"{s}-large" for s in ("code", "home", "dossier", "login", "door", "collected", "staff",
                                                    "deposit")})


def test_kiosk_killed_with_the_door_open_is_consistent_after_restart(bank, run_flow, xdisplay, tmp_path):
    """Killed between "open" and "closed": at start-up the kiosk reads every door back from the board."""
    import os
    import subprocess
    import sys

    code = bank.dossier()
    n = bank.deposited(code)
    otp = bank.pickup_code(code)
    board, lock = divmod(n - 1, 16)
    steps = [*READY, ["scan", code], ["wait_screen", "result_code", 20], *type_keys(otp, letters_key=False),
             ["tap", "key:ok"], ["until", "c.view.state == 'door_open'", 20], *door("take_item", bank.locker.control_url),
             ["until", "c.view.item is False", 10], ["call", "__import__('os')._exit(3)"]]
    spec = tmp_path / "killed.json"
    spec.write_text(json.dumps({"config": {"fullscreen": False, **bank.config()}, "steps": steps,
                                "shots": str(tmp_path / "shots"), "timeout": 90}))
    driver = Path(__file__).with_name("ui_driver.py")
    env = {**os.environ, "DISPLAY": xdisplay, "KIVY_HOME": str(tmp_path / "kivy"), "KIVY_NO_CONSOLELOG": "1"}
    proc = subprocess.run([sys.executable, str(driver), str(spec), str(tmp_path / "killed-result.json")], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert bank.parcel(code)["state"] == "open" and bank.status(code) != 10
    bank.locker.control("close_door", board=board, lock=lock)     # the citizen shuts the door of a dead kiosk

    report = run_flow(bank.config(), [*READY, ["value", "c.screen"]], timeout=60)
    assert report["values"]["c.screen"] == "result_home"
    assert bank.parcel(code)["state"] == "collected"
    assert bank.status(code) == 10


def test_kiosk_with_both_roles_offers_result_pickup_from_the_ticket_home(bank, run_flow):
    code = bank.dossier()
    bank.deposited(code)
    steps = [
        ["wait_screen", "home", 20], ["until", "c.lockers_state == 'ready' and c.online", 20],
        ["shot", "kiosk-home-both-vi"], ["measure", "home-both-vi"],
        ["tap", "pickup"], ["wait_screen", "result_home", 20],
        ["scan", code], ["wait_screen", "result_code", 20],
    ]
    report = run_flow(bank.config(role="both"), steps, shots=SCREENSHOTS, timeout=120)
    assert_accessible(report, {"home-both-vi"})
    assert bank.parcel(code)["state"] == "ready"


@pytest.fixture
def quick_bank(server_factory, tmp_path):
    """A bank whose site slows a dossier after one wrong code and allows a new code 9 s after the last."""
    from queue_server.config import DEFAULT_CONFIG
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace("max_failed_tries = 5 ", "max_failed_tries = 1 ")
    site = tmp_path / "site.toml"
    site.write_text(text.replace("new_code_after_min = 15 ", "new_code_after_min = 0.15 "), encoding="utf-8")
    locker = LockerSim([0, 1], state_file=str(tmp_path / "locker.json"), baudrate=19200, open_delay=0.05,
                       close_after=0.0, control_port=0).start()
    printer = PrinterSim(out_dir=tmp_path / "paper", baudrate=115200)
    printer.start()
    yield Bank(server_factory(config_path=site), locker, printer)
    locker.stop()
    printer.stop()


def test_send_me_a_new_code_from_the_code_screen_and_when_slowed_down(quick_bank, run_flow):
    bank = quick_bank
    code = bank.dossier()
    bank.deposited(code)
    otp = bank.pickup_code(code)
    wrong = "000000" if otp != "000000" else "111111"
    cool_down_over = time.time() + 9.5      # [lockers] new_code_after_min = 0.15
    steps = [
        *READY, ["scan", code], ["wait_screen", "result_code", 20],
        ["tap", "new_code"], ["until", "c.view.message == 'new_code_wait' and not c.running", 20],
        ["value", "c.view.text('vi')"], *both("new-code-wait"),
        *type_keys(wrong, letters_key=False), ["tap", "key:ok"],
        ["until", "c.view.message == 'wrong_code' and not c.running", 20],
        *type_keys(wrong, letters_key=False), ["tap", "key:ok"],
        ["until", "c.view.state == 'slowed' and not c.running", 20], ["wait_screen", "result_outcome"],
        *both("slowed"),
        ["until", f"__import__('time').time() > {cool_down_over}", 30],
        ["tap", "new_code"], ["until", "c.view.message == 'new_code_sent' and not c.running", 20],
        ["wait_screen", "result_code"], ["value", "c.view.text('en')"], *both("new-code-sent"),
    ]
    report = run_flow(bank.config(), steps, shots=SCREENSHOTS, timeout=150)
    assert "có thể yêu cầu mã mới sau 1 phút" in report["values"]["c.view.text('vi')"].lower()
    sent = report["values"]["c.view.text('en')"]
    assert "*******321" in sent and "0987654321" not in sent, sent   # the masked phone on file, nothing more
    codes = []
    for f in sorted((bank.live.workdir / "outbox").glob("*.json")):
        m = re.search(r"Mã nhận: (\d{6})", json.loads(f.read_text(encoding="utf-8"))["text"])
        codes += [m.group(1)] if m else []
    assert len(set(codes)) == 2, "a second, different code went to the phone on file"
    assert_accessible(report, {f"{s}-{lang}" for s in ("new-code-wait", "slowed", "new-code-sent")
                               for lang in ("vi", "en")})
