"""End to end: real server + printer simulator on a pty + the kiosk app with touches.

The paper the simulator prints must carry the issued number and a QR code that
decodes (zxing-cpp) to that ticket's status URL.
"""
from __future__ import annotations

import httpx
import pytest
import zxingcpp
from PIL import Image

from hardware_sim.printer.device import PrinterSim

pytestmark = pytest.mark.ui


def test_touch_to_paper_ticket_with_number_and_qr(live_server, run_flow, tmp_path):
    with PrinterSim(out_dir=tmp_path / "paper", baudrate=115200) as sim:
        steps = [["wait_screen", "home"], ["until", "c.services"], ["tap", "take"],
                 ["tap", "code:land"], ["until", "c.print_state == 'printed'", 30],
                 ["value", "c.ticket.number"], ["value", "c.ticket.status_url"], ["value", "c.ticket.id"]]
        report = run_flow({"server_url": live_server.base_url, "device_key": live_server.kiosk_key,
                           "printer_url": sim.port_path}, steps)
        jobs = sim.control("tickets")["tickets"]
    values = report["values"]
    number, url = values["c.ticket.number"], values["c.ticket.status_url"]
    assert url.startswith(f"{live_server.base_url}/t/") and not url.endswith(f"/t/{values['c.ticket.id']}")
    page = httpx.get(url)   # the QR opens the citizen's ticket page
    assert page.status_code == 200 and number in page.text
    assert len(jobs) == 1 and jobs[0]["end"] == "cut"
    transcript = open(jobs[0]["txt"], encoding="utf-8").read()
    assert number in transcript
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(jobs[0]["png"]).convert("L"))]
    assert decoded == [url]
