"""Receive the result by post at the result kiosk, through the real screens under Xvfb: the real
server, the locker simulator behind a pty. A dossier still being processed → "Receive by post" →
name and address typed on the Vietnamese keyboard, tap by tap → the code sent to the phone on file
→ confirmed. Screens measured and photographed (kiosk-result-postal-*.png, bench/screenshots.py)."""
from __future__ import annotations

import pytest

from tests.kiosk.test_result_controller import vietnamese_keys
from tests.kiosk.test_result_kiosk import READY, SCREENSHOTS, assert_accessible, bank, both, type_keys  # noqa: F401

pytestmark = pytest.mark.ui
ADDRESS = "12 Hoàng Văn Thụ, Phường 4, Đà Lạt, Lâm Đồng"


def taps(keys: list[str]) -> list:
    return [["tap", f"key:{k}"] for k in keys]


def test_a_citizen_asks_for_the_post_on_the_screens_and_confirms_with_the_code(bank, run_flow):
    r = bank.api("POST", "/api/v1/dossiers", "officer", json={
        "procedure": "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "applicant_name": "Lê Thị Hồng",
        "phone": "0987654321", "status": 4})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    outbox = bank.live.workdir / "outbox"
    sent = (f"[f for f in __import__('pathlib').Path('{outbox}').glob('*.json') "
            f"if 'qua bưu điện (gửi tới' in f.read_text(encoding='utf-8')]")
    typed_code = (f"[c.postal_code_key(d) for d in __import__('re').search(r': (\\d{{6}})\\. Hiệu lực', "
                  f"{sent}[0].read_text(encoding='utf-8')).group(1)]")
    steps = [
        *READY, ["tap", "type_code"], ["wait_screen", "result_dossier"],
        *type_keys(code), ["tap", "key:ok"],
        ["until", "c.view.state == 'not_ready' and not c.running", 20], ["wait_screen", "result_outcome"],
        *both("not-ready"),
        ["tap", "post"], ["wait_screen", "result_postal", 20], ["until", "not c.running"],
        *taps(vietnamese_keys("lê thị hồng")), ["until", "c.postal['recipient'] == 'Lê Thị Hồng'"],
        ["tap", "field:address"], *taps(vietnamese_keys(ADDRESS)),
        ["until", f"c.postal['address'] == {ADDRESS!r}"],
        ["tap", "field:phone"], *taps(list("0912345678")),
        ["tap", "field:address"], *both("postal-form"),
        ["tap", "large_text"], ["until", "c.large_text"], ["shot", "kiosk-result-postal-form-large-text-vi"],
        ["measure", "postal-form-large"], ["tap", "large_text"], ["until", "not c.large_text"],
        ["tap", "send_code"], ["until", "c.view.state == 'postal_code' and not c.running", 20],
        ["wait_screen", "result_postal_code"], ["until", f"len({sent}) > 0", 20],
        *type_keys("123", letters_key=False), *both("postal-code"), *[["tap", "key:back"]] * 3,
        ["call", typed_code], ["tap", "key:ok"],
        ["until", "c.view.state == 'postal_done' and not c.running", 20], ["wait_screen", "result_outcome"],
        ["value", "c.postal"], *both("postal-done"),
        ["tap", "done"], ["wait_screen", "result_home"],
    ]
    report = run_flow(bank.config(), steps, shots=SCREENSHOTS, timeout=240)
    assert report["values"]["c.postal"] == {"recipient": "", "address": "", "phone": ""}
    listing = bank.api("GET", f"/api/v1/dossiers/{code}", "officer").json()
    assert "bưu điện" in listing["next_step"] and "Đà Lạt" in listing["next_step"]
    kept = bank.api("POST", f"/api/v1/dossiers/{code}/status", "officer", json={"status": 9})
    assert kept.status_code == 200, kept.text
    items = bank.api("GET", "/api/v1/postal/handover", "officer").json()["items"]
    assert [(i["code"], i["recipient"], i["address"], i["phone"]) for i in items] == \
        [(code, "Lê Thị Hồng", ADDRESS, "0912345678")]
    assert_accessible(report, {f"{n}-{lang}" for n in ("not-ready", "postal-form", "postal-code", "postal-done")
                               for lang in ("vi", "en")} | {"postal-form-large"})
