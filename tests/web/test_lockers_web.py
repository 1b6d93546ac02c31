"""Result lockers on the web pages (issue 6): the supervisor sees banks, board health
and locker alerts live and acknowledges them; an officer deposits a result from the
console. The result kiosk is played over HTTP, exactly as the real kiosk talks to
the server (reports of what its board said)."""
from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from queue_server.auth.accounts import add_device
from queue_server.cli.serve import open_store

pytestmark = pytest.mark.browser
KIOSK = "result-1"


def locker_key(server, name: str = KIOSK) -> str:  # the bank's own key
    store = open_store(server.db_path)
    try:
        return add_device(store, name, "locker")
    finally:
        store.close()


def dossier(server, status: int = 2) -> str:
    r = server.post("/api/v1/dossiers", json={"procedure": "Cấp giấy khai sinh", "applicant_name": "Nguyễn Văn An",
                                              "phone": "0912345678", "status": status})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def report(server, key: str, n: int, **body) -> dict:
    r = httpx.post(f"{server.base_url}/api/v1/lockers/{KIOSK}/compartments/{n}/report", json=body, timeout=30,
                   headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    return r.json()


def deposit_done(server, key: str, size: str = "S") -> dict:
    """A deposit the whole way: reserved, door opened by the kiosk, result inside, door closed."""
    r = server.post(f"/api/v1/lockers/{KIOSK}/deposits", json={"dossier": dossier(server), "size": size})
    assert r.status_code == 201, r.text
    p = r.json()
    report(server, key, p["compartment"], event="open_confirmed", parcel_id=p["id"], door_open=True, item=False)
    assert report(server, key, p["compartment"], event="closed", parcel_id=p["id"], door_open=False,
                  item=True)["result"] == "ready"
    return p


def test_dashboard_shows_banks_and_a_live_locker_alert_that_can_be_acknowledged(server, new_page, login, shot):
    key = locker_key(server)
    kept = [deposit_done(server, key, size) for size in ("S", "M", "L")]
    httpx.post(server.base_url + "/api/v1/devices/health", timeout=30, headers={"Authorization": f"Bearer {key}"},
               json={"components": {"board0": {"status": "ok"},
                                    "board1": {"status": "warning", "detail": "phản hồi chậm / slow replies"},
                                    "scanner": {"status": "ok"}}})

    dash = new_page(1440, 1250)
    login(dash, server, "supervisor", "/dashboard")
    bank = dash.locator(f".bank[data-kiosk='{KIOSK}']")
    expect(bank.locator(".cmp")).to_have_count(32)
    expect(bank.locator(".cmp[data-state=occupied]")).to_have_count(3)
    expect(bank.locator("[data-count=free]")).to_have_text("Trống: 29")
    expect(bank.locator(f".cmp[data-compartment='{kept[2]['compartment']}'] small")).to_have_text("L")
    expect(dash.locator("#boards li.board")).to_have_count(2)
    expect(dash.locator("#boards li[data-status=warning]")).to_contain_text("phản hồi chậm")
    expect(dash.locator("#alerts .locker-alert")).to_have_count(0)
    dash.evaluate("window.__sameDocument = true")

    # the board says compartment 3 opened although nobody asked: the server raises an alert
    assert report(server, key, 3, event="sensor", door_open=True, item=False)["result"] == "alerted"
    alert = dash.locator("#alerts .locker-alert")
    expect(alert).to_have_count(1, timeout=4000)                       # live, over the WebSocket
    expect(alert).to_contain_text("Ngăn 3 mở mà không có lệnh mở")
    expect(alert).to_contain_text("Tủ trả kết quả – sảnh tầng 1")
    expect(alert).to_have_class("alert error locker-alert")
    expect(bank.locator(".cmp[data-compartment='3']")).to_have_attribute("data-state", "open")
    expect(bank.locator(".cmp[data-compartment='3']")).to_have_class("cmp open alerted")
    assert dash.evaluate("window.__sameDocument") is True                 # no reload happened
    shot(dash, "dashboard-lockers")

    en = new_page(1440, 900)
    login(en, server, "supervisor", "/dashboard?lang=en")
    expect(en.locator("#alerts .locker-alert")).to_contain_text("Compartment 3 opened without a command")
    expect(en.locator("#alerts .locker-alert button")).to_have_text("Acknowledge")

    alert.get_by_role("button", name="Đã xử lý").click()
    expect(dash.locator("#alerts .locker-alert")).to_have_count(0)
    expect(en.locator("#alerts .locker-alert")).to_have_count(0)         # the other supervisor's page too
    assert server.get("/api/v1/lockers/alerts?state=open", "supervisor").json() == []
    [done] = server.get("/api/v1/lockers/alerts?state=all", "supervisor").json()
    assert (done["kind"], done["state"], done["ack_by"]) == ("unexpected_open", "ack", "staff:supervisor1")


def test_console_deposit_reserves_a_compartment_and_follows_the_door(server, new_page, login, shot):
    key = locker_key(server)
    for _ in range(8):                                                 # every L compartment is taken
        deposit_done(server, key, "L")
    code, waiting, unknown = dossier(server), dossier(server, status=5), "000.00.21.H29-261123-9999"
    server.issue("civil")
    called = server.call_next("5")

    console = new_page(1440, 900)
    login(console, server, "officer", "/console?counter=5")
    panel = console.locator("#deposit")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-free=L]")).to_have_text("· Ngăn trống: 0")
    error = console.locator("#dep-error")

    console.fill("#dep-code", unknown)
    console.press("#dep-code", "Enter")                               # a scanner ends with Enter
    expect(error).to_have_text(f"Không tìm thấy hồ sơ {unknown}. Kiểm tra lại mã.")
    # scanned with no field focused: the code's letters ("…H29…") must not press Finish (H)
    expect(console.locator("#cur-number")).to_have_text(called["number"])
    console.evaluate("document.activeElement.blur()")
    console.keyboard.type(waiting + "\n")
    expect(error).to_have_text(f"Hồ sơ {waiting} chưa thể trả kết quả (trạng thái: Yêu cầu bổ sung).")
    assert server.get(f"/api/v1/tickets/{called['id']}").json()["state"] == "called"
    console.fill("#dep-code", code)
    console.check("#deposit input[value=L]")
    console.click("#dep-submit")
    expect(error).to_contain_text("Không còn ngăn trống cỡ L trở lên")
    assert server.get(f"/api/v1/lockers/parcels?dossier={code}").json() == []

    # a scanner that sends the receipt's whole QR payload: the code is picked out of it
    console.fill("#dep-code", f"{code}|1.000123|Cấp giấy khai sinh")
    console.check("#deposit input[value=M]")
    console.click("#dep-submit")
    expect(error).to_have_text("")   # cleared when the request leaves: wait for the answer
    expect(console.locator("#dep-text")).to_contain_text("Đã giữ ngăn")
    [parcel] = server.get(f"/api/v1/lockers/parcels?dossier={code}").json()
    assert (parcel["size"], parcel["state"]) == ("M", "reserved")
    n = parcel["compartment"]
    expect(console.locator("#dep-compartment")).to_have_text(str(n))
    expect(console.locator("#dep-text")).to_have_text(f"Đã giữ ngăn {n} (cỡ M) tại Tủ trả kết quả – sảnh tầng 1.")
    expect(console.locator("#dep-state")).to_have_text(f"Ki-ốt sẽ tự mở cửa ngăn {n}: đặt kết quả vào rồi đóng cửa.")
    commands = httpx.get(f"{server.base_url}/api/v1/lockers/{KIOSK}/commands", timeout=30,
                         headers={"Authorization": f"Bearer {key}"}).json()
    assert [(c["compartment"], c["purpose"]) for c in commands] == [(n, "deposit")]   # the kiosk will open it
    shot(console, "console-deposit")

    report(server, key, n, event="open_confirmed", parcel_id=parcel["id"], door_open=True, item=False)
    expect(console.locator("#dep-state")).to_have_text(f"Ngăn {n} đang mở — đặt kết quả vào rồi đóng cửa.")
    report(server, key, n, event="closed", parcel_id=parcel["id"], door_open=False, item=True)
    expect(console.locator("#dep-state")).to_have_text(
        f"Đã gửi xong ngăn {n}; công dân sẽ nhận được mã nhận kết quả.")
    console.fill("#dep-code", code)
    console.click("#dep-submit")
    expect(error).to_contain_text(f"Hồ sơ {code} đã được gửi vào tủ.")

    en = new_page(1280, 800)
    login(en, server, "officer", "/console?lang=en")                    # a result officer, no counter
    expect(en.locator("#chooser #deposit")).to_be_visible()
    en.fill("#dep-code", unknown)
    en.click("#dep-submit")
    expect(en.locator("#dep-error")).to_have_text(f"Dossier {unknown} not found. Check the code.")
