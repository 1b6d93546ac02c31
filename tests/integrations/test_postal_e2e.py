"""End to end, by post: a dossier of the province simulator, still being processed, is asked by
post from the citizen's phone page (the code goes to the phone the province has on file), reaches
status 9 in the simulator, is on the day's handover list, is handed to the post, and the simulator
receives status 10 with channel "post". Real server process, real SQLite, the simulator process."""
from __future__ import annotations

import json
import re
import uuid

import httpx

from bench.live_server import MONDAY_MORNING, LiveServer
from bench.onestop_sim import start_onestop
from tests.integrations.test_e2e import site_with_source, wait_for

ADDRESS = "7 Trần Phú, Phường 3, Bảo Lộc, Lâm Đồng"


def test_a_province_dossier_asked_by_post_on_the_phone_reaches_the_simulator_as_status_10(tmp_path):
    with start_onestop(per_day=0, seed=5, clock_start=MONDAY_MORNING) as sim:
        live = LiveServer(tmp_path / "srv", config_path=site_with_source(tmp_path, sim.source_url))
        live.start()
        try:
            api = httpx.Client(base_url=live.base_url, timeout=30)
            code = sim.create(procedure="Đăng ký khai sinh", applicant_name="Đặng Thu Trang", phone="0912000333")["code"]
            sim.set_status(code, 4)
            wait_for(lambda: api.get(f"/api/v1/dossiers/{code}").status_code == 200)

            # the citizen, on the phone page of today's ticket
            ticket = api.post("/api/v1/tickets", json={"service": "civil"},
                              headers={**live.headers("kiosk"), "Idempotency-Key": uuid.uuid4().hex}).json()
            link = "/api/v1/t/" + ticket["status_url"].rsplit("/t/", 1)[1]
            asked = api.post(f"{link}/postal", json={"dossier": code, "recipient": "Đặng Thu Trang", "address": ADDRESS})
            assert asked.status_code == 202, asked.text
            assert asked.json()["sent_to"] == ["*******333"]                      # the province's number, masked

            def confirmation_code():
                for f in (live.db_path.parent / "outbox").glob("*.json"):
                    msg = json.loads(f.read_text(encoding="utf-8"))
                    if code in msg["text"] and (m := re.search(r"\(gửi tới [^)]*\): (\d{6})", msg["text"])):
                        assert msg["to"] == "0912000333"
                        return m.group(1)
            done = api.post(f"{link}/postal/confirm",
                            json={"dossier": code, "confirm": asked.json()["confirm"], "code": wait_for(confirmation_code)})
            assert done.status_code == 201, done.text
            officer = live.headers("officer")
            assert api.get("/api/v1/postal/waiting", headers=officer).json() == {"ready": 0, "processing": 1}
            assert api.get("/api/v1/postal/handover", headers=officer).json()["items"] == []

            sim.set_status(code, 9)                                                 # the result is signed
            listed = wait_for(lambda: api.get("/api/v1/postal/handover", headers=officer).json()["items"])
            assert [(i["code"], i["recipient"], i["address"]) for i in listed] == [(code, "Đặng Thu Trang", ADDRESS)]
            step = api.get(f"/api/v1/dossiers/{code}").json()["next_step"]
            assert "gửi qua bưu điện" in step and "Bảo Lộc" in step and "Trần Phú" not in step

            handed = api.post("/api/v1/postal/handover", json={"codes": [code]}, headers=officer).json()
            assert handed == {"handed": [code], "skipped": []}
            got = wait_for(lambda: sim.state()["results"].get(code))
            assert got["channel"] == "post" and got["handed_over_at"].startswith("2026-11-23T")
            assert sim.dossier(code)["status"] == 10
            assert api.get("/api/v1/postal/waiting", headers=officer).json() == {"ready": 0, "processing": 0}
        finally:
            live.stop()
