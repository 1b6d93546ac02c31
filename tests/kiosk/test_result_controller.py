"""The result kiosk's controller without Kivy: real server, locker simulator over a pty, real
LockerService and ResultFlow; the UI thread is played by draining the runner's queue."""
from __future__ import annotations

import time

import httpx
import pytest

from hardware_sim.locker.device import LockerSim
from kiosk_app.config import KioskConfig
from kiosk_app.result.controller import ResultKioskController
from kiosk_app.runner import ThreadRunner


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kiosk(server_factory, tmp_path):
    live = server_factory()
    sim = LockerSim([0, 1], state_file=str(tmp_path / "locker.json"), baudrate=19200, open_delay=0.05,
                    close_after=0.0, control_port=0).start()
    cfg = KioskConfig(server_url=live.base_url, device_key=live.bank_key("result-1"), role="result", kiosk_id="result-1",
                      locker_url=sim.port_path, idle_timeout=30, idle_countdown=10)
    runner, clock = ThreadRunner(), Clock()
    c = ResultKioskController(cfg, runner=runner, clock=clock)
    c.live, c.sim, c.fake_clock = live, sim, clock
    c.start()
    pump(c, lambda: c.lockers_state == "ready" and c.online)
    yield c
    c.shutdown()
    sim.stop()


def pump(c, condition, timeout: float = 20.0) -> None:
    """Run the callbacks worker threads posted to the UI thread until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timeout; screen {c.screen}, view {c.view}"
        c.runner.drain(timeout=0.05)


def dossier(live) -> str:
    r = httpx.post(live.base_url + "/api/v1/dossiers", headers=live.headers("officer"), timeout=30,
                   json={"procedure": "Cấp đổi Giấy chứng nhận", "applicant_name": "Trần Văn Bình", "status": 9})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def test_staff_deposit_at_the_chosen_size_no_home_while_the_door_is_open_and_idle_signs_out(kiosk):
    c = kiosk
    assert c.screen == "result_home"
    code = dossier(c.live)
    c.open_staff()
    for ch in "officer1":
        c.login_key(ch)
    c.login_key("next")
    for ch in c.live.password:
        c.login_key(ch)
    assert c.pin == c.live.password and c.username == "officer1"
    c.login_key("ok")
    assert c.pin == "", "the PIN is not kept once sent"
    pump(c, lambda: c.screen == "result_staff" and not c.running)
    assert c.view.staff == "officer1"
    c.choose_size("L")
    c.scanned(code)
    pump(c, lambda: c.view.state == "deposit_open")
    c.go_home()                          # a touch on "home" while the door is open changes nothing
    c.runner.drain(timeout=0.3)
    assert c.screen == "result_deposit" and c.view.state == "deposit_open" and c.hide_home_button
    n = c.view.compartment
    assert 13 <= n <= 16, "size L is locks 12..15 of board 0"
    board, lock = divmod(n - 1, 16)
    c.sim.control("put_item", board=board, lock=lock)
    c.sim.control("close_door", board=board, lock=lock)
    pump(c, lambda: c.view.state == "deposit_done" and not c.running)
    assert c.screen == "result_deposit"
    c.fake_clock.now += 25
    c.tick()
    assert c.idle_left == 5, "the countdown shows before a staff session ends"
    c.fake_clock.now += 6
    c.tick()
    pump(c, lambda: c.screen == "result_home" and not c.running)
    assert c.view.mode == "citizen" and c.view.staff == ""


def test_citizen_keypads_refuse_what_is_not_a_code(kiosk):
    c = kiosk
    c.open_typing()
    for k in "12-34":
        c.dossier_key(k)
    c.dossier_key("ok")                          # the server judges: 422 invalid_code
    pump(c, lambda: not c.running)
    assert c.typed_error == "invalid" and c.screen == "result_dossier"
    assert "không đúng dạng" in c.view.text("vi")
    c.dossier_key("clear")
    assert c.typed == "" and c.typed_error == ""
    c.scanned("000.00.21.H29-230101-0999")       # a well-formed code with nothing in the lockers
    pump(c, lambda: c.screen == "result_outcome" and not c.running)
    assert c.view.message == "no_result"
    assert "Chưa có kết quả" in c.view.text("vi")
    c.done()
    pump(c, lambda: c.screen == "result_home" and not c.running)
    for k in "1234567":
        c.code_key(k)
    assert c.otp == "123456", "six digits, no more"


def test_no_server_keeps_the_home_screen_with_a_clear_message_and_retries(tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                   # nothing listens there: connection refused
    cfg = KioskConfig(server_url=f"http://127.0.0.1:{port}", role="result", locker_url="/dev/null-locker",
                      server_timeout=1.0)
    clock = Clock()
    c = ResultKioskController(cfg, runner=ThreadRunner(), clock=clock)
    c.start()
    pump(c, lambda: c.lockers_state == "down" and not c.online and not c.loading_services)
    assert c.screen == "result_home" and c.flow is None
    c.open_typing()
    c.dossier_key("ok")
    assert not c.running, "no flow, nothing runs"
    c.go_home()
    assert c.screen == "result_home"
    clock.now += 11
    c.tick()                                    # the bank is tried again on its own
    assert c._connecting or c.lockers_state == "down"
    pump(c, lambda: not c._connecting)
    assert c.lockers_state == "down" and "/api/v1/lockers/result-1" in c.lockers_error
    assert c.health_probes["board"]()[0] == "error", "the dashboard hears the bank is down (once reachable)"
    c.shutdown()


COOL_DOWN_S = 12   # [lockers] new_code_after_min = 0.2 in this test's site


@pytest.fixture
def quick_kiosk(server_factory, tmp_path):
    """A result kiosk whose site slows a dossier after 2 wrong codes and allows a new code 12 s after the last."""
    from queue_server.config import DEFAULT_CONFIG
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace("max_failed_tries = 5 ", "max_failed_tries = 2 ").replace(
        "new_code_after_min = 15 ", "new_code_after_min = 0.2 ")
    site = tmp_path / "site.toml"
    site.write_text(text, encoding="utf-8")
    live = server_factory(config_path=site)
    sim = LockerSim([0, 1], state_file=str(tmp_path / "locker.json"), baudrate=19200, open_delay=0.05,
                    close_after=0.0, control_port=0).start()
    cfg = KioskConfig(server_url=live.base_url, device_key=live.bank_key("result-1"), role="result",
                      kiosk_id="result-1", locker_url=sim.port_path, idle_timeout=30, idle_countdown=10)
    c = ResultKioskController(cfg, runner=ThreadRunner(), clock=Clock())
    c.live, c.sim = live, sim
    c.start()
    pump(c, lambda: c.lockers_state == "ready" and c.online)
    yield c
    c.shutdown()
    sim.stop()


def deposited_with_phone(live) -> tuple[str, float]:
    """A dossier with a phone on file, its result in a compartment (code sent now)."""
    staff, bank = live.headers("officer"), live.headers("bank")
    r = httpx.post(live.base_url + "/api/v1/dossiers", headers=staff, timeout=30,
                   json={"procedure": "Cấp đổi Giấy chứng nhận", "applicant_name": "Lê Thị Hoa", "status": 9,
                         "phone": "0912345678"})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    p = httpx.post(live.base_url + "/api/v1/lockers/result-1/deposits", headers=staff, timeout=30,
                   json={"dossier": code, "size": "S"}).json()
    report = f"{live.base_url}/api/v1/lockers/result-1/compartments/{p['compartment']}/report"
    httpx.post(report, headers=bank, timeout=30,
               json={"event": "open_confirmed", "parcel_id": p["id"], "door_open": True, "item": False})
    r = httpx.post(report, headers=bank, timeout=30,
                   json={"event": "closed", "parcel_id": p["id"], "door_open": False, "item": True})
    assert r.json()["result"] == "ready", r.text
    return code, time.monotonic()


def test_send_me_a_new_code_waits_out_the_cool_down_then_names_only_the_masked_phone(quick_kiosk):
    c = quick_kiosk
    code, sent_at = deposited_with_phone(c.live)
    c.scanned(code)
    pump(c, lambda: c.screen == "result_code" and not c.running)
    c.new_code()                                  # the code has only just been sent: not yet
    pump(c, lambda: c.view.message == "new_code_wait" and not c.running)
    assert c.screen == "result_code" and c.view.state == "enter_code"
    assert "Có thể yêu cầu mã mới sau 1 phút" in c.view.text("vi")
    assert "new one in 1 min" in c.view.text("en")

    for _ in range(2):                            # two wrong codes: the dossier is slowed down
        for k in "000000":
            c.code_key(k)
        c.code_key("ok")
        pump(c, lambda: not c.running and c.view.message == "wrong_code")
    for k in "000000":
        c.code_key(k)
    c.code_key("ok")
    pump(c, lambda: c.view.state == "slowed" and not c.running)
    assert c.screen == "result_outcome"
    assert "Gửi lại mã mới" in c.view.text("vi") and "Send me a new code" in c.view.text("en")

    time.sleep(max(0.0, sent_at + COOL_DOWN_S + 0.5 - time.monotonic()))
    c.new_code()
    pump(c, lambda: c.view.message == "new_code_sent" and not c.running)
    assert c.screen == "result_code" and c.otp == ""
    text = c.view.text("vi")
    assert "*******678" in text and "0912345678" not in text, text   # only what the server masked
    assert "Mã cũ không còn dùng được" in text

    c.new_code()                                  # asked again at once: the cool-down starts over
    pump(c, lambda: c.view.message == "new_code_wait" and not c.running)


# -- receive the result by post -----------------------------------------------------------------
ADDRESS = "12 Hoàng Văn Thụ, Phường 4, Đà Lạt, Lâm Đồng"


def vietnamese_keys(text: str) -> list[str]:
    """The taps that type `text` on the Vietnamese keyboard: each word's letters, then its marks
    (before the comma that ends it), a shift before each capital."""
    import unicodedata
    shape = {"\u0302": "mark:hat", "\u0306": "mark:breve", "\u031b": "mark:horn"}
    tone = {"\u0301": "tone:sac", "\u0300": "tone:huyen", "\u0309": "tone:hoi", "\u0303": "tone:nga",
            "\u0323": "tone:nang"}
    keys: list[str] = []
    for n, word in enumerate(text.split(" ")):
        if n:
            keys.append("space")
        tail = word[len(word.rstrip(",.")):]
        marks: list[str] = []
        for ch in word[:len(word) - len(tail)]:
            if ch in "đĐ":
                keys += (["shift"] if ch == "Đ" else []) + ["đ"]
                continue
            base, *rest = unicodedata.normalize("NFD", ch)
            keys += (["shift"] if base.isupper() else []) + [base.lower()]
            marks += [shape[m] for m in rest if m in shape] + [tone[m] for m in rest if m in tone]
        keys += list(dict.fromkeys(k for k in marks if k.startswith("mark"))) + [k for k in marks if k.startswith("tone")]
        keys += list(tail)
    return keys


def postal_dossier(live, **kw) -> str:
    body = {"procedure": "Cấp đổi Giấy chứng nhận", "applicant_name": "Trần Văn Bình", "status": 4,
            "phone": "0987654321", **kw}
    r = httpx.post(live.base_url + "/api/v1/dossiers", headers=live.headers("officer"), timeout=30, json=body)
    assert r.status_code == 201, r.text
    return r.json()["code"]


def postal_code(live, dossier: str, timeout: float = 20.0) -> str:
    """The confirmation code the applicant received (the server's file outbox)."""
    import json
    import re
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for f in sorted((live.workdir / "outbox").glob("*.json")) if (live.workdir / "outbox").exists() else []:
            text = json.loads(f.read_text(encoding="utf-8"))["text"]
            m = re.search(r"qua bưu điện \(gửi tới [^)]*\): (\d{6})", text)
            if dossier in text and m:
                return m.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no confirmation code for {dossier}")


def look_up(c, code: str) -> None:
    c.open_typing()
    for ch in code:
        c.dossier_key(ch)
    c.dossier_key("ok")
    pump(c, lambda: not c.running and c.view.dossier == code)


def test_not_ready_offers_the_post_confirmed_by_the_code_sent_to_the_phone_on_file(kiosk):
    c = kiosk
    code = postal_dossier(c.live)
    look_up(c, code)
    assert c.view.state == "not_ready" and c.screen == "result_outcome"
    assert "Đang xử lý" in c.view.text("vi") and "Processing" in c.view.text("en")
    c.post_instead()
    pump(c, lambda: c.screen == "result_postal" and not c.running)
    for k in vietnamese_keys("nguyễn văn an"):      # names capitalise themselves, word by word
        c.postal_key(k)
    assert c.postal["recipient"] == "Nguyễn Văn An"
    c.postal_submit()                                 # no address yet: said at once, nothing sent
    assert c.postal_error == "missing" and c.postal_field == "address" and not c.running
    for k in vietnamese_keys("12 hoàng văn thụ, phường 4, đà lạt, lâm đồng"):
        c.postal_key(k)
    assert c.postal["address"] == "12 hoàng văn thụ, phường 4, đà lạt, lâm đồng"
    c.postal_key("clear")
    for k in vietnamese_keys(ADDRESS):
        c.postal_key(k)
    assert c.postal["address"] == ADDRESS
    c.choose_postal_field("phone")
    for k in "09x12345678":                           # the phone takes digits only
        c.postal_key(k)
    assert c.postal["phone"] == "0912345678"
    c.postal_submit()
    pump(c, lambda: c.view.state == "postal_code" and not c.running)
    said = c.view.text("vi")
    assert "*******321" in said and "Đà Lạt, Lâm Đồng" in said and "Hoàng Văn Thụ" not in said
    for k in "000000" if postal_code(c.live, code) != "000000" else "111111":
        c.postal_code_key(k)
    c.postal_code_key("ok")
    pump(c, lambda: c.view.message == "postal_wrong" and not c.running)
    assert c.view.tries_left == 4 and c.otp == ""
    for k in postal_code(c.live, code):
        c.postal_code_key(k)
    c.postal_code_key("ok")
    pump(c, lambda: c.view.state == "postal_done" and not c.running)
    assert c.screen == "result_outcome" and "Đà Lạt" in c.view.text("vi")
    assert c.postal == {"recipient": "", "address": "", "phone": ""}, "the address leaves the kiosk's memory"
    seen = httpx.get(f"{c.live.base_url}/api/v1/dossiers/{code}", timeout=30).json()
    assert "bưu điện" in seen["next_step"]
    c.done()
    pump(c, lambda: c.screen == "result_home")


def test_no_contact_on_file_sends_the_citizen_to_the_counter(kiosk):
    c = kiosk
    code = postal_dossier(c.live, phone=None)
    look_up(c, code)
    c.post_instead()
    pump(c, lambda: c.view.state == "postal_form" and not c.running)
    c.postal.update(recipient="Trần Văn Bình", address=ADDRESS)
    c.postal_submit()
    pump(c, lambda: c.view.state == "message" and not c.running)
    assert c.view.message == "postal_no_contact" and "quầy" in c.view.text("vi")
    assert c.postal["address"] == ""


def test_a_result_at_the_counter_may_still_go_by_post_an_unknown_dossier_is_not_offered(kiosk):
    c = kiosk
    code = dossier(c.live)              # status 9, nothing in the locker: at the counter, post still possible
    look_up(c, code)
    assert c.view.state == "not_ready"
    unknown = "000.00.21.H56-261120-9999"
    look_up(c, unknown)
    assert c.view.state == "message" and c.view.message == "no_result"
