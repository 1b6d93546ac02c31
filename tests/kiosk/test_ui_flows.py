"""Real Kivy window under Xvfb, real touches, real server: every flow and every screen measured.

Each flow runs the kiosk in its own process (tests/kiosk/ui_driver.py). The
tour writes the screenshots (both languages; where: bench/screenshots.py).
"""
from __future__ import annotations

from datetime import date

import httpx
import pytest

from hardware_sim.printer.device import PrinterSim
from hardware_sim.scanner.payloads import fake_cccd
from kiosk_app import a11y

from pathlib import Path

from bench.screenshots import SCREENSHOTS  # noqa: E402

pytestmark = pytest.mark.ui
DOSSIER = "000.00.21.H29-230101-0001"


def cfg(live_server, **kw) -> dict:
    return {"server_url": live_server.base_url, "device_key": live_server.kiosk_key, **kw}


def assert_accessible(report: dict, expected: set[str]) -> None:
    measures = report["measures"]
    assert expected <= set(measures), f"measured only {sorted(measures)}"
    for label, m in measures.items():
        assert m["problems"] == [], f"{label}: {m['problems']}"
        assert m["targets"] > 0 and m["texts"] > 0, label
        assert m["min_target_mm"] >= a11y.MIN_TARGET_MM, label
        assert m["min_text_px"] >= a11y.MIN_BODY_PX, label
        assert m["min_contrast"] >= a11y.MIN_CONTRAST, label
        if m["screen"] == "ticket":
            assert m["number_px"] >= a11y.MIN_NUMBER_PX


def create_dossier(live_server, code: str = DOSSIER, status: int = 9) -> None:
    """A dossier at the reception system (the dossier API of the lockers issue), result ready."""
    r = httpx.post(f"{live_server.base_url}/api/v1/dossiers", headers=live_server.headers("officer"),
                   json={"code": code, "procedure": "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
                         "applicant_name": "Nguyễn Văn An", "status": status,
                         "due_at": "2026-11-30T16:00:00+07:00"})
    assert r.status_code in (201, 409), r.text


def test_tour_every_screen_both_languages_with_screenshots(live_server, run_flow, tmp_path):
    steps: list = [["wait_screen", "home"], ["until", "c.services and c.groups"]]
    for lang in ("vi", "en"):
        if lang == "en":
            steps += [["until", "c.notice is None", 20], ["tap", "language"], ["until", "c.lang == 'en'"]]
        steps += [
            ["shot", f"kiosk-home-{lang}"], ["measure", f"home-{lang}"],
            ["tap", "take"], ["wait_screen", "services"],
            ["shot", f"kiosk-services-{lang}"], ["measure", f"services-{lang}"],
            ["tap", "code:land"], ["wait_screen", "ticket"], ["until", "c.print_state == 'printed'"],
            ["shot", f"kiosk-ticket-{lang}"], ["measure", f"ticket-{lang}"],
            ["tap", "done"], ["wait_screen", "home"],
            ["tap", "priority"], ["wait_screen", "priority"],
            ["shot", f"kiosk-priority-{lang}"], ["measure", f"priority-{lang}"],
            ["tap", "code:pregnant"], ["wait_screen", "services"],
            ["shot", f"kiosk-services-priority-{lang}"], ["measure", f"services-priority-{lang}"],
            ["tap", "back"], ["wait_screen", "home"],
            ["tap", "dossier"], ["wait_screen", "dossier"],
            ["shot", f"kiosk-dossier-{lang}"], ["measure", f"dossier-{lang}"],
            *[["tap", f"key:{k}"] for k in "000.00.21."],
            ["tap", "key:letters"], ["tap", "key:H"], ["tap", "key:letters"],
            *[["tap", f"key:{k}"] for k in "29-230101-0001"],
            ["until", f"c.code_input == '{DOSSIER}'"],
            ["tap", "key:ok"], ["until", "c.lookup_state == 'found'"], ["value", "c.dossier_status_text()"],
            ["shot", f"kiosk-dossier-result-{lang}"], ["measure", f"dossier-result-{lang}"],
            ["tap", "key:letters"], ["measure", f"dossier-letters-{lang}"], ["tap", "key:letters"],
            ["tap", "home"], ["wait_screen", "home"],
            ["tap", "procedures"], ["wait_screen", "procedures"], ["until", "c.proc_state == 'found'"],
            ["shot", f"kiosk-procedures-{lang}"], ["measure", f"procedures-{lang}"],
            ["tap", "home"], ["wait_screen", "home"],
            ["scan", "@@ not a code @@"], ["until", "c.notice is not None"],
            ["shot", f"kiosk-not-recognised-{lang}"], ["measure", f"not-recognised-{lang}"],
        ]
    steps += [["until", "c.notice is None", 20], ["tap", "large_text"], ["until", "c.large_text"], ["shot", "kiosk-home-large-text-en"],
              ["measure", "home-large"], ["tap", "take"], ["wait_screen", "services"],
              ["measure", "services-large"], ["tap", "back"], ["wait_screen", "home"],
              ["tap", "priority"], ["wait_screen", "priority"], ["measure", "priority-large"],
              ["tap", "code:pregnant"], ["wait_screen", "services"], ["measure", "services-priority-large"],
              ["shot", "kiosk-services-priority-large-text-en"],
              ["tap", "code:civil"], ["until", "c.print_state == 'printed'"],
              ["measure", "ticket-large"], ["shot", "kiosk-ticket-large-text-en"], ["tap", "done"], ["tap", "dossier"], ["measure", "dossier-large"]]
    create_dossier(live_server)
    with PrinterSim(out_dir=tmp_path / "paper") as sim:
        report = run_flow(cfg(live_server, printer_url=sim.port_path), steps, shots=SCREENSHOTS, timeout=150)
        assert len(sim.control("tickets")["tickets"]) == 3       # one paper ticket per issued number
    assert_accessible(report, {f"{s}-{l}" for s in ("home", "services", "ticket", "priority", "dossier",
                                                     "procedures") for l in ("vi", "en")})
    for name in ("home", "services", "ticket", "priority", "dossier", "procedures"):
        for lang in ("vi", "en"):
            png = SCREENSHOTS / f"kiosk-{name}-{lang}.png"
            assert png.stat().st_size > 10_000, png
    assert report["measures"]["home-large"]["min_text_px"] >= 24 * 1.3
    for name in ("services-large", "priority-large", "services-priority-large"):   # every choice in view:
        assert report["measures"][name]["scrolled_away"] == [], name            # none under "Back"
    assert report["values"]["c.dossier_status_text()"] == "Done: the result is ready to collect"


def test_normal_ticket_three_taps_priority_four(live_server, run_flow):
    steps = [["wait_screen", "home"], ["until", "c.services"],
             ["tap", "take"], ["tap", "code:civil"], ["wait_screen", "ticket"], ["until", "c.ticket is not None"],
             ["value", "c.ticket.number"], ["tap", "done"], ["wait_screen", "home"],
             ["tap", "priority"], ["tap", "code:disabled"], ["tap", "code:land"], ["wait_screen", "ticket"],
             ["until", "c.ticket is not None"], ["value", "c.ticket.priority"], ["tap", "done"],
             ["wait_screen", "home"],
             ["scan", fake_cccd(birth=date(1948, 5, 2))], ["wait_screen", "services"],
             ["shot", "card"], ["measure", "card-scanned"],
             ["tap", "code:land"], ["until", "c.ticket is not None"], ["value", "c.ticket.priority"]]
    report = run_flow(cfg(live_server), steps)
    taps = report["taps"]
    normal, priority, card = taps[:3], taps[3:7], taps[7:]
    assert normal == ["take", "code:civil", "done"]          # 2 taps to the ticket (≤ 3)
    assert len(normal) - 1 <= a11y.MAX_TAPS_NORMAL
    assert len(priority) - 1 <= a11y.MAX_TAPS_PRIORITY        # priority, group, service
    assert card == ["code:land"]                              # chip-ID scan + 1 tap
    values = report["values"]
    assert values["c.ticket.priority"] == "elderly"
    assert values["c.ticket.number"].startswith("B")
    assert report["screens"].count("ticket") == 3
    assert_accessible(report, {"card-scanned"})


def test_server_down_retry_then_same_ticket(live_server, run_flow, relay_to, tmp_path):
    relay = relay_to(int(live_server.base_url.rsplit(":", 1)[1]))
    relay.up = False
    flag = str(relay.flag)
    steps = [["wait_screen", "offline"], ["until", "c.retry_in() > 0"],
             ["shot", "kiosk-offline-vi"], ["measure", "offline-vi"],
             ["tap", "language"], ["until", "c.lang == 'en'"],
             ["shot", "kiosk-offline-en"], ["measure", "offline-en"],
             ["tap", "retry"], ["tap", "language"],
             ["call", f"__import__('os').unlink({flag!r})"], ["wait_screen", "home", 40],
             ["tap", "take"], ["wait_screen", "services"],
             ["call", f"open({flag!r}, 'w').close()"],
             ["tap", "code:land"], ["until", "c.issue_state == 'retrying'", 30],
             ["shot", "kiosk-ticket-retrying-vi"], ["measure", "ticket-retrying"],
             ["tap", "language"], ["until", "c.lang == 'en'"], ["shot", "kiosk-ticket-retrying-en"],
             ["measure", "ticket-retrying-en"],
             ["value", "c.issue_key"],
             ["call", f"__import__('os').unlink({flag!r})"],
             ["until", "c.issue_state == 'issued'", 30], ["value", "c.ticket.number"]]
    report = run_flow(cfg(live_server, server_url=relay.url, server_timeout=2), steps, shots=SCREENSHOTS)
    assert "offline" in report["screens"] and report["screens"][-1] == "ticket"
    assert report["values"]["c.ticket.number"].startswith("A")
    assert_accessible(report, {"offline-vi", "offline-en", "ticket-retrying"})


def test_printer_out_of_paper_then_reprint(live_server, run_flow, tmp_path):
    with PrinterSim(out_dir=tmp_path / "paper", control_port=0) as sim:
        sim.control("fault", name="paper_out")
        clear = f"__import__('httpx').post('{sim.control_url}/clear', json={{}})"
        steps = [["wait_screen", "home"], ["until", "c.services"], ["tap", "take"], ["tap", "code:land"],
                 ["until", "c.print_state == 'fault'"], ["shot", "kiosk-ticket-printer-fault-vi"],
                 ["measure", "fault-vi"], ["tap", "language"], ["until", "c.lang == 'en'"],
                 ["shot", "kiosk-ticket-printer-fault-en"], ["measure", "fault-en"],
                 ["value", "find('qr').texture is not None"],
                 ["call", clear], ["until", "c.printer_fault == ''", 20],
                 ["tap", "reprint"], ["until", "c.print_state == 'printed'"], ["value", "c.ticket.number"]]
        report = run_flow(cfg(live_server, printer_url=sim.port_path), steps, shots=SCREENSHOTS)
        jobs = sim.control("tickets")["tickets"]
    assert report["values"]["find('qr').texture is not None"] is True
    assert len(jobs) == 1
    assert report["values"]["c.ticket.number"] in open(jobs[0]["txt"], encoding="utf-8").read()
    assert_accessible(report, {"fault-vi", "fault-en"})


def test_idle_countdown_returns_home(live_server, run_flow):
    steps = [["wait_screen", "home"], ["tap", "procedures"], ["wait_screen", "procedures"],
             ["until", "c.idle_left is not None", 20],
             ["shot", "kiosk-idle-countdown-vi"], ["measure", "idle"],
             ["value", "find('idle_text').text"], ["tap", "language"], ["until", "c.lang == 'en'"],
             ["until", "c.idle_left is not None", 20], ["shot", "kiosk-idle-countdown-en"],
             ["wait_screen", "home", 40]]
    report = run_flow(cfg(live_server, idle_timeout=16, idle_countdown=14), steps, shots=SCREENSHOTS)
    assert "Trở về màn hình chính sau" in report["values"]["find('idle_text').text"]
    assert report["screens"][-2:] == ["procedures", "home"]
    assert_accessible(report, {"idle"})


@pytest.mark.parametrize("screen", [{"dpi": 160}, {"width": 1080, "height": 1920, "dpi": 102}],
                         ids=["dense-10-inch", "portrait-21-inch"])
def test_targets_hold_on_other_screens(live_server, run_flow, screen):
    """A 10-inch 1280x800 panel (160 dpi: 15 mm = 94 px) and a portrait 21.5-inch kiosk (1080x1920)."""
    steps = [["wait_screen", "home"], ["until", "c.services and c.groups"], ["measure", "home"],
             ["tap", "take"], ["wait_screen", "services"], ["measure", "services"],
             ["tap", "code:land"], ["until", "c.ticket is not None"], ["measure", "ticket"], ["tap", "done"],
             ["tap", "priority"], ["wait_screen", "priority"], ["measure", "priority"], ["tap", "back"],
             ["tap", "dossier"], ["wait_screen", "dossier"], ["measure", "dossier"], ["tap", "back"],
             ["tap", "procedures"], ["until", "c.proc_state == 'found'"], ["measure", "procedures"]]
    report = run_flow(cfg(live_server, **screen), steps)
    assert_accessible(report, {"home", "services", "ticket", "priority", "dossier", "procedures"})
    assert min(m["min_target_px"] for m in report["measures"].values()) >= 15 * screen["dpi"] / 25.4 - 0.5
    if screen.get("height", 800) > 1000:   # the portrait kiosk has room: every choice in view
        assert report["measures"]["services"]["scrolled_away"] == []
        assert report["measures"]["priority"]["scrolled_away"] == []
