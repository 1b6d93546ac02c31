"""ResultFlow (the Kivy-free result-kiosk controller): what the citizen and the officer see, state by state.
In-process server + the real simulator behind a pty + the real driver."""
from __future__ import annotations

import threading
import time

import pytest

from hardware_sim.locker.device import LockerSim
from kiosk_app.result.lockers import LockerClient, LockerService
from kiosk_app.result.flow import ResultFlow

KIOSK = "result-1"


@pytest.fixture
def kiosk(desk):
    sim = LockerSim([0, 1], open_delay=0.02, close_after=0.0).start()
    client = LockerClient("http://testserver", desk.kiosk["Authorization"][7:], transport=desk.client._transport)
    service = LockerService.connect(sim.port_path, client, KIOSK, close_timeout=3, poll_interval=0.03)
    now = [0.0]
    flow = ResultFlow(KIOSK, client, service, clock=lambda: now[0], idle_timeout=30, close_timeout=3)
    flow.now, flow.sim, flow.desk = now, sim, desk
    yield flow
    service.close()
    sim.stop()


def person(sim, lock, *, put=False, take=False, close=True, board=0):
    def act():
        while not sim.control("door", board=board, lock=lock)["door_open"]:
            time.sleep(0.01)
        time.sleep(0.15)
        if put:
            sim.control("put_item", board=board, lock=lock)
        if take:
            sim.control("take_item", board=board, lock=lock)
        if close:
            # a person lets go of the door a moment after taking the result (the kiosk, polling every
            # 30 ms, must see the open-and-empty state even on a loaded machine)
            time.sleep(0.4 if take else 0.05)
            sim.control("close_door", board=board, lock=lock)
    t = threading.Thread(target=act, daemon=True)
    t.start()
    return t


def staff_deposit(flow, code, put=True):
    desk = flow.desk
    from queue_server.auth.accounts import add_user
    if flow.view.mode != "staff":
        add_user(desk.store, "pin-officer", "officer", "246810-pin") if not desk.store.one(
            "SELECT 1 FROM staff WHERE username = 'pin-officer'") else None
        assert flow.staff_login("pin-officer", "wrong").message == "staff_login_failed"
        assert flow.staff_login("pin-officer", "246810-pin").state == "staff_ready"
    t = person(flow.sim, 0 if not flow.desk.store.query("SELECT 1 FROM locker_parcels WHERE state='ready'") else 1,
               put=put)
    view = flow.scan(code)
    t.join()
    return view


def test_staff_deposit_then_citizen_pickup_with_messages_in_both_languages(kiosk):
    d = kiosk.desk.dossier()
    view = staff_deposit(kiosk, d["code"])
    assert view.state == "deposit_done" and view.compartment == 1
    assert view.text("vi").startswith("Đã gửi vào ngăn số 1") and "pickup code" in view.text("en")
    assert kiosk.staff_logout().state == "idle" and kiosk.view.mode == "citizen"
    kiosk.desk.deliver()
    (otp,) = kiosk.desk.codes(d["code"])
    assert kiosk.scan("http://example.vn/t/42").message == "not_a_dossier"
    assert kiosk.enter_dossier(d["code"]).state == "enter_code"
    live = []
    kiosk.subscribe(lambda v: live.append((v.state, v.door_open, v.item)))
    t = person(kiosk.sim, 0, take=True)
    view = kiosk.submit_code(otp)
    t.join()
    assert view.state == "collected" and view.text("vi") == "Ông/bà đã nhận kết quả. Cảm ơn ông/bà!"
    assert ("door_open", True, True) in live and ("door_open", True, False) in live  # live door + sensor
    assert kiosk.last_receipt["compartment"] == 1 and kiosk.last_receipt["applicant"] == "N*** V*** A***"
    kiosk.now[0] += 31
    kiosk.tick()
    assert kiosk.view.state == "idle" and kiosk.view.dossier == ""


def test_closed_without_taking_keeps_the_result_and_the_code(kiosk):
    d = kiosk.desk.dossier()
    staff_deposit(kiosk, d["code"])
    kiosk.staff_logout()
    kiosk.desk.deliver()
    (otp,) = kiosk.desk.codes(d["code"])
    kiosk.enter_dossier(d["code"])
    t = person(kiosk.sim, 0)
    view = kiosk.submit_code(otp)
    t.join()
    assert view.state == "not_taken" and "vẫn còn hiệu lực" in view.text("vi")
    assert kiosk.desk.client.get(f"/api/v1/dossiers/{d['code']}").json()["status"] == 9
    kiosk.reset()
    assert kiosk.enter_dossier(d["code"]).state == "enter_code"


def test_empty_deposit_no_result_and_unknown_dossier(kiosk):
    d = kiosk.desk.dossier()
    view = staff_deposit(kiosk, d["code"], put=False)
    assert view.state == "deposit_empty" and "không thấy kết quả" in view.text("vi")
    refused = kiosk.deposit("000.00.00.H56-261123-0999")
    assert refused.state == "staff_ready" and "not found" in refused.text("en")
    kiosk.staff_logout()
    # nothing went into the locker: the kiosk says where the dossier stands and offers the post
    view = kiosk.enter_dossier(d["code"])
    assert view.state == "not_ready" and view.text("en") == "Accepted. The dossier is being processed; nothing to do for now."
    assert kiosk.reset().state == "idle"
    assert kiosk.enter_dossier("000.00.00.H56-261123-0999").message == "no_result"   # a code nobody knows
    assert kiosk.view.text("en") == "There is no result in the lockers for this dossier"


def test_server_unreachable_is_told_not_crashed(kiosk):
    d = kiosk.desk.dossier()
    staff_deposit(kiosk, d["code"])
    kiosk.staff_logout()
    dead = LockerClient("http://127.0.0.1:9", "k", timeout=0.5)
    offline = ResultFlow(KIOSK, dead, kiosk.lockers)
    view = offline.enter_dossier(d["code"])
    assert view.message == "offline" and "Mất kết nối" in view.text("vi")


def test_door_jam_at_deposit_moves_to_another_compartment(kiosk):
    kiosk.sim.control("fault", board=0, kind="jammed", lock=0)
    d = kiosk.desk.dossier()
    from queue_server.auth.accounts import add_user
    add_user(kiosk.desk.store, "pin-officer", "officer", "246810-pin")
    kiosk.staff_login("pin-officer", "246810-pin")
    view = kiosk.scan(d["code"])
    assert view.state == "deposit_failed" and view.compartment == 1 and "ngăn khác" in view.text("vi")
    t = person(kiosk.sim, 1, put=True)
    view = kiosk.scan(d["code"])
    t.join()
    assert view.state == "deposit_done" and view.compartment == 2


def test_background_loop_reports_an_unexpected_opening(kiosk):
    stop = threading.Event()
    kiosk.lockers.snapshot()
    loop = threading.Thread(target=kiosk.lockers.run_forever, args=(stop,), kwargs={"every": 0.1}, daemon=True)
    loop.start()
    try:
        kiosk.sim.control("open_door", board=1, lock=2)
        deadline = time.monotonic() + 10
        while not any(a["kind"] == "unexpected_open" and a["compartment"] == 19 for a in kiosk.desk.alerts()):
            assert time.monotonic() < deadline, "no alert for a door opened by hand"
            time.sleep(0.1)
        audit = kiosk.desk.client.get("/api/v1/lockers/audit?compartment=19", headers=kiosk.desk.sup).json()
        assert audit[0]["action"] == "sensor" and audit[0]["door_open"] is True
    finally:
        stop.set()
        loop.join(5)


def test_pickup_slip_prints_on_a_real_escpos_printer(tmp_path):
    from drivers.printer.driver import TicketPrinter
    from hardware_sim.printer.device import PrinterSim

    printer = PrinterSim(out_dir=tmp_path).start()
    try:
        flow = ResultFlow(KIOSK, None, None, printer=TicketPrinter(printer.port_path), center_name="Trung tâm")
        ok = flow._print_slip({"receipt": {"dossier": "000.00.00.H56-261123-0001", "procedure": "Cấp đổi",
                                           "applicant": "N*** V*** A***", "kiosk": KIOSK, "bank_name": "Tủ 1",
                                           "compartment": 3, "collected_at": "2026-11-23T09:15:00+07:00"}})
        deadline = time.monotonic() + 10
        while not printer.control("tickets")["tickets"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        (slip,) = printer.control("tickets")["tickets"]
        assert ok is True and slip["end"] == "cut"
        text = slip["transcript"]
        assert "000.00.00.H56-261123-0001" in text and "N*** V*** A***" in text and "09:15 23/11/2026" in text
        assert (tmp_path / "ticket-0001.png").exists()
    finally:
        printer.stop()
