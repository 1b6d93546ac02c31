"""Against the real server process: concurrent deposits never share a compartment, concurrent
creations never share a dossier code; a console deposit is carried out by the kiosk."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from hardware_sim.locker.device import LockerSim
from kiosk_app.result.lockers import LockerClient, LockerService

KIOSK = "result-1"


def test_concurrent_dossiers_and_deposits(live_server):
    officer = live_server.headers("officer")
    url = live_server.base_url

    def create(_):
        return httpx.post(url + "/api/v1/dossiers", json={"applicant_name": "Vũ Thị Lan"}, headers=officer,
                          timeout=30).json()["code"]

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(create, range(40)))
    assert len(set(codes)) == 40
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, 41))

    def deposit(code):
        r = httpx.post(url + f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": code, "size": "M"},
                       headers=officer, timeout=30)
        return r.status_code, r.json()

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(deposit, codes))
    placed = [body["compartment"] for status, body in answers if status == 201]
    refused = [body["error"]["code"] for status, body in answers if status != 201]
    # 2 boards x (8 M + 4 L) = 24 compartments fit an M result; the rest are told the bank is full
    assert len(placed) == 24 and len(set(placed)) == 24
    assert refused == ["no_free_compartment"] * 16
    again = list(ThreadPoolExecutor(8).map(deposit, codes[:8]))
    assert {status for status, _ in again} == {409}


def test_console_deposit_is_opened_by_the_kiosk(server_factory, tmp_path):
    live = server_factory()
    sim = LockerSim([0, 1], baudrate=19200, open_delay=0.05, close_after=0.0, control_port=0).start()
    try:
        client = LockerClient(live.base_url, live.bank_key(KIOSK))   # the bank's own key
        service = LockerService.connect(sim.port_path, client, KIOSK, close_timeout=8, poll_interval=0.05)
        code = httpx.post(live.base_url + "/api/v1/dossiers", json={"applicant_name": "Hà Văn Tú", "email": "tu@example.vn"},
                          headers=live.headers("officer")).json()["code"]
        r = httpx.post(live.base_url + f"/api/v1/lockers/{KIOSK}/deposits",
                       json={"dossier": code, "from_console": True}, headers=live.headers("officer"))
        lock = r.json()["lock"]

        def officer_at_the_bank():
            while not sim.control("door", board=0, lock=lock)["door_open"]:
                time.sleep(0.02)
            time.sleep(0.3)  # a person takes a moment (a door shut within one poll is never seen open)
            sim.control("put_item", board=0, lock=lock)
            time.sleep(0.2)
            sim.control("close_door", board=0, lock=lock)
        threading.Thread(target=officer_at_the_bank, daemon=True).start()
        done = service.run_commands()
        assert done == [{"compartment": r.json()["compartment"], "purpose": "deposit", "opened": True, "result": "ready"}]
        assert httpx.get(live.base_url + f"/api/v1/dossiers/{code}").json()["status"] == 9
        assert service.run_commands() == []
        service.close()
    finally:
        sim.stop()
