"""Postal return (Bưu chính công ích): the citizen chooses post at the result kiosk, staff print the
daily handover list (HTML and XLSX), hand the results over, and the province hears status 10 by post."""
from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from tests.integrations.conftest import CODE, item

ADDRESS = "12 Hoàng Văn Thụ, Phường 4, Đà Lạt, Lâm Đồng"


def test_choose_post_then_handover_list_then_status_10_reported(hub):
    hub.push(item(1, status=4), item(2, status=9), item(3, status=9))
    postal = {"recipient": "Nguyễn Văn An", "address": ADDRESS, "phone": "0912345678"}
    r = hub.client.post(f"/api/v1/dossiers/{CODE.format(1)}/postal", json=postal, headers=hub.kiosk)
    assert r.status_code == 202, r.text   # a kiosk is anyone: the applicant confirms with the code sent to them
    r = hub.client.post(f"/api/v1/dossiers/{CODE.format(1)}/postal/confirm", headers=hub.kiosk,
                        json={"confirm": r.json()["confirm"], "code": hub.postal_code(CODE.format(1))})
    assert r.status_code == 201, r.text
    assert r.json() == {"code": CODE.format(1), "state": "requested", "recipient": "N*** V*** A***",
                        "address": "…, Đà Lạt, Lâm Đồng", "phone": "*******678"}
    assert "bưu điện" in hub.dossier(1)["next_step"] and "Đà Lạt" in hub.dossier(1)["next_step"]
    hub.client.post(f"/api/v1/dossiers/{CODE.format(2)}/postal", json={**postal, "recipient": "Trần Thị Bích"},
                    headers=hub.staff)
    listing = hub.client.get("/api/v1/postal/handover", headers=hub.staff).json()
    assert [i["code"] for i in listing["items"]] == [CODE.format(2)]        # only results that are ready
    hub.push(item(1, status=9, at="2026-11-22T10:00:00+07:00"))
    listing = hub.client.get("/api/v1/postal/handover", headers=hub.staff).json()
    assert [i["code"] for i in listing["items"]] == [CODE.format(1), CODE.format(2)]
    assert listing["items"][0]["recipient"] == "Nguyễn Văn An" and listing["items"][0]["address"] == ADDRESS

    page = hub.client.get("/api/v1/postal/handover?format=html", headers=hub.staff)
    assert page.headers["content-type"].startswith("text/html")
    assert "BIÊN BẢN GIAO NHẬN" in page.text and "Đại diện bên nhận" in page.text and "Trần Thị Bích" in page.text
    xlsx = hub.client.get("/api/v1/postal/handover?format=xlsx", headers=hub.staff)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0].startswith("BIÊN BẢN") and values[2][:3] == ("STT", "Mã hồ sơ", "Thủ tục")
    assert values[3][1] == CODE.format(1) and values[3][4] == ADDRESS

    done = hub.client.post("/api/v1/postal/handover", json={"codes": [CODE.format(1), CODE.format(2), CODE.format(3)]},
                           headers=hub.staff).json()
    assert done == {"handed": [CODE.format(1), CODE.format(2)], "skipped": [CODE.format(3)]}
    assert hub.dossier(1)["status"] == 10
    reports = hub.client.get("/api/v1/integrations/results?state=pending", headers=hub.sup).json()
    assert sorted((r["code"], r["channel"]) for r in reports) == [(CODE.format(1), "post"), (CODE.format(2), "post")]
    kept = hub.store.query("SELECT * FROM postal_requests")
    assert all(r["address"] is None and r["recipient"] is None and r["phone"] is None for r in kept)
    assert "Nguyễn" not in json.dumps(kept, ensure_ascii=False)
    assert hub.client.get("/api/v1/postal/handover", headers=hub.staff).json()["items"] == []


def test_post_is_refused_when_it_makes_no_sense(hub):
    hub.push(item(1, status=7), item(2, status=4))
    postal = {"recipient": "Nguyễn Văn An", "address": ADDRESS}
    assert hub.client.post(f"/api/v1/dossiers/{CODE.format(1)}/postal", json=postal, headers=hub.kiosk).status_code == 409
    assert hub.client.post(f"/api/v1/dossiers/{CODE.format(9)}/postal", json=postal, headers=hub.kiosk).status_code == 404
    bad = hub.client.post(f"/api/v1/dossiers/{CODE.format(2)}/postal", json={**postal, "address": "ở nhà, gần chợ x"[:5]},
                          headers=hub.kiosk)
    assert bad.status_code == 422 and set(bad.json()["error"]) == {"code", "message"}
    assert hub.client.post(f"/api/v1/dossiers/{CODE.format(2)}/postal", json=postal).status_code == 401
    assert hub.client.get("/api/v1/postal/handover", headers=hub.kiosk).status_code == 403
