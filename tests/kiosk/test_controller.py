"""The kiosk's flow and decisions, without Kivy, against the real queue server."""
from __future__ import annotations

from datetime import date

import httpx
import pytest

from hardware_sim.printer.device import PrinterSim
from hardware_sim.scanner.payloads import fake_cccd
from kiosk_app.api import ServerClient
from kiosk_app.config import KioskConfig
from kiosk_app.ticket.controller import KioskController
from kiosk_app.peripherals.devices import KioskPrinter
from kiosk_app.runner import InlineRunner, ThreadRunner


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(live_server, *, api=None, printer=None, clock=None, **cfg) -> KioskController:
    config = KioskConfig(server_url=live_server.base_url, device_key=live_server.kiosk_key,
                         fullscreen=False, **cfg)
    c = KioskController(config, api=api, printer=printer, runner=InlineRunner(), clock=clock or Clock())
    c.start()
    return c


def waiting_tickets(live_server, service: str) -> list[dict]:
    r = httpx.get(f"{live_server.base_url}/api/v1/tickets", params={"state": "waiting", "service": service},
                  headers=live_server.headers("officer"))
    r.raise_for_status()
    return r.json()


def test_start_shows_home_with_live_services_and_site_groups(live_server):
    c = make(live_server)
    assert c.screen == "home" and c.online
    codes = [s.code for s in c.services]
    assert "land" in codes and all(s.name_vi for s in c.services)
    assert [g.code for g in c.groups][:2] == ["elderly", "pregnant"]
    assert {g.icon for g in c.groups} >= {"elderly", "wheelchair"}


def test_normal_ticket_in_two_taps_without_printer(live_server):
    c = make(live_server)
    before = len(waiting_tickets(live_server, "civil"))
    c.take_ticket()
    assert c.screen == "services"
    c.choose_service("civil")
    assert c.screen == "ticket" and c.issue_state == "issued"
    assert c.ticket.number.startswith("B") and c.ticket.service_code == "civil"
    assert c.print_state == "none"            # no printer: shown on screen with its QR
    # the citizen's page: an unguessable token, never the ticket id
    assert c.ticket.status_url.startswith(f"{live_server.base_url}/t/")
    token = c.ticket.status_url.rsplit("/", 1)[1]
    assert len(token) >= 22 and token != c.ticket.id
    assert httpx.get(c.ticket.status_url).status_code == 200
    assert len(waiting_tickets(live_server, "civil")) == before + 1
    assert c.history[-3:] == ["home", "services", "ticket"]


def test_priority_group_ticket(live_server):
    c = make(live_server)
    c.open_priority()
    c.choose_group("pregnant")
    c.choose_service("land")
    assert c.ticket.priority == "pregnant"
    assert c.ticket.priority_vi == "Phụ nữ mang thai"


def test_chip_id_card_proves_age_in_one_scan(live_server):
    c = make(live_server)
    c.scanned(fake_cccd(birth=date(1950, 3, 1)))
    assert c.screen == "services" and c.priority == "elderly" and c.priority_proof == "cccd_age"
    assert len(c.person_hash) == 64                # a salted hash, never the ID number
    c.choose_service("land")
    assert c.ticket.priority == "elderly"


def test_a_second_scan_of_the_same_card_shows_the_first_priority_ticket(live_server):
    card = fake_cccd(birth=date(1948, 7, 9))
    c = make(live_server)
    c.open_priority()
    c.scanned(card)
    c.choose_service("civil")
    first = c.ticket
    before = len(waiting_tickets(live_server, "tax"))
    c.go_home()
    c.open_priority()
    c.scanned(card)                              # the same card again, another service chosen
    c.choose_service("tax")
    assert c.screen == "ticket" and c.ticket.number == first.number and c.ticket.status_url == first.status_url
    assert c.notice.text("vi") == f"Hôm nay ông/bà đã có số {first.number}."
    assert len(waiting_tickets(live_server, "tax")) == before   # no second priority number


def test_young_card_is_refused_kindly_and_garbage_is_not_recognised(live_server):
    c = make(live_server)
    c.open_priority()
    c.scanned(fake_cccd(birth=date(1990, 1, 1)))
    assert c.screen == "priority" and c.priority == ""
    assert "chưa đủ 60" in c.notice.text("vi")
    c.scanned("\x00garbage-%%%")
    assert c.screen == "priority"
    assert c.notice.text("vi").startswith("Xin lỗi, không nhận ra mã này")
    assert c.notice.text("en").startswith("Sorry, this code was not recognised")


class LoseFirstAnswer(httpx.HTTPTransport):
    """The server gets the POST and issues the ticket; its answer is lost (a timeout)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/tickets":
            self.keys.append(request.headers["Idempotency-Key"])
            if len(self.keys) == 1:
                response.close()
                raise httpx.ReadTimeout("answer lost", request=request)
        return response


def test_retry_after_timeout_reuses_key_one_ticket_one_print(live_server, tmp_path):
    transport = LoseFirstAnswer()
    api = ServerClient(live_server.base_url, live_server.kiosk_key, timeout=5, transport=transport)
    clock = Clock()
    with PrinterSim(out_dir=tmp_path / "paper") as sim:
        c = make(live_server, api=api, clock=clock, printer=KioskPrinter(sim.port_path))
        before = len(waiting_tickets(live_server, "business"))
        c.take_ticket()
        c.choose_service("business")
        assert c.issue_state == "retrying" and c.ticket is None and c.screen == "ticket"
        c.choose_service("business")             # an impatient second tap is the same intent
        clock.advance(3.5)
        c.tick()                                  # automatic retry
        assert c.issue_state == "issued"
        assert transport.keys[0] == transport.keys[1] and len(transport.keys) == 2
        assert len(waiting_tickets(live_server, "business")) == before + 1
        assert c.print_state == "printed"
        c.reprint()                               # not offered after a good print: no double print
        assert len(sim.control("tickets")["tickets"]) == 1


def test_idempotency_keys_are_unique_and_sort_by_time():
    """Time first (UUIDv7 layout), so the server's key index grows at one end."""
    import time
    from kiosk_app.ticket.issuing import idempotency_key
    same_ms = {idempotency_key() for _ in range(2000)}
    assert len(same_ms) == 2000 and all(len(k) == 32 and int(k, 16) >= 0 for k in same_ms)
    earlier = idempotency_key()
    time.sleep(0.003)
    assert idempotency_key() > earlier


def test_printer_fault_keeps_ticket_reports_and_reprints_once_fixed(live_server, tmp_path):
    clock = Clock()
    with PrinterSim(out_dir=tmp_path / "paper") as sim:
        sim.control("fault", name="paper_out")
        c = make(live_server, clock=clock, printer=KioskPrinter(sim.port_path))
        c.take_ticket()
        c.choose_service("land")
        assert c.ticket is not None and c.print_state == "fault" and c.printer_fault == "paper_out"
        assert c.reprint_allowed
        health = httpx.get(f"{live_server.base_url}/api/v1/devices/health",
                           headers=live_server.headers("supervisor")).json()
        mine = [d for d in health if d["components"].get("printer", {}).get("detail") == "paper_out"]
        assert mine and mine[0]["status"] == "error"
        sim.control("clear")
        clock.advance(3.5)
        c.tick()                                  # the kiosk polls the printer and says it is back
        assert c.printer_fault == "" and "Print again" in c.notice.text("en")
        c.reprint()
        assert c.print_state == "printed"
        jobs = sim.control("tickets")["tickets"]
        assert len(jobs) == 1 and c.ticket.number in open(jobs[0]["txt"], encoding="utf-8").read()


def test_server_unreachable_then_back(live_server, relay_to):
    relay = relay_to(int(live_server.base_url.rsplit(":", 1)[1]))
    relay.up = False
    clock = Clock()
    config = KioskConfig(server_url=relay.url, device_key=live_server.kiosk_key, server_timeout=2)
    c = KioskController(config, runner=InlineRunner(), clock=clock)
    c.start()
    assert c.screen == "offline" and not c.online and c.retry_in() > 0
    relay.up = True
    clock.advance(c.retry_in() + 0.1)
    c.tick()
    assert c.screen == "home" and c.online and c.services


def test_idle_reset_with_visible_countdown(live_server):
    clock = Clock()
    c = make(live_server, clock=clock, idle_timeout=30, idle_countdown=10)
    c.open_dossier()
    clock.advance(19)
    c.tick()
    assert c.idle_left is None
    clock.advance(3)
    c.tick()
    assert c.idle_left == 8
    c.touch()                                     # a touch keeps the citizen's screen
    assert c.idle_left is None and c.screen == "dossier"
    clock.advance(31)
    c.tick()
    assert c.screen == "home" and c.code_input == ""


def test_dossier_keypad_validates_and_asks_server(live_server):
    c = make(live_server)
    c.open_dossier()
    for key in "12-3":
        c.keypad(key)
    c.keypad("back")
    assert c.code_input == "12-"
    c.keypad("ok")
    assert c.lookup_state == "invalid"
    c.lookup_dossier("000.00.21.H29-230101-0002")
    assert c.lookup_state == "not_found"
    r = httpx.post(f"{live_server.base_url}/api/v1/dossiers", headers=live_server.headers("officer"),
                   json={"code": "000.00.21.H29-230101-0003", "procedure": "Đăng ký khai sinh",
                         "status": 5, "due_at": "2026-11-27T10:00:00+07:00"})
    assert r.status_code == 201, r.text
    c.scanned("000.00.21.H29-230101-0003")
    assert c.screen == "dossier" and c.lookup_state == "found"
    assert c.dossier_status_text() == "Yêu cầu bổ sung"      # the server's name for status 5
    assert c.dossier.appointment.startswith("2026-11-27T10:00") and c.dossier.procedure == "Đăng ký khai sinh"
    assert "mang giấy tờ còn thiếu" in c.dossier_next_step()       # what to do, in plain words
    c.toggle_language()
    assert "bring the missing papers" in c.dossier_next_step()


def test_procedures_come_from_the_server(live_server):
    c = make(live_server)
    c.open_procedures()
    assert c.screen == "procedures" and c.proc_state == "found"
    assert c.procedures[0].documents and c.procedures[0].fee
    c.choose_procedure_service("civil")
    assert c.proc_service == "civil" and c.proc_state == "found"


def test_thread_runner_keeps_calls_off_the_calling_thread(live_server):
    import threading
    runner = ThreadRunner()
    config = KioskConfig(server_url=live_server.base_url, device_key=live_server.kiosk_key)
    seen: list[str] = []
    c = KioskController(config, runner=runner)
    real = c.api.services
    c.api.services = lambda: (seen.append(threading.current_thread().name), real())[1]
    c.start()
    assert c.screen == "home" and not c.services     # nothing blocked: data not here yet
    runner.drain()
    assert c.services and seen[0].startswith("kiosk-io")
    runner.shutdown()


def test_language_and_large_text_toggle(live_server):
    c = make(live_server)
    assert c.t("Take a queue number") == "Lấy số thứ tự"
    c.toggle_language()
    assert c.lang == "en" and c.t("Take a queue number") == "Take a queue number"
    c.toggle_large_text()
    assert c.large_text


def test_outside_hours_refusal_is_shown_in_plain_words(server_factory):
    server = server_factory(clock_start="2026-11-22T20:00:00+07:00")   # Sunday evening: closed
    c = make(server)
    c.take_ticket()
    c.choose_service("land")
    assert c.screen == "ticket" and c.issue_state == "refused" and c.ticket is None
    from kiosk_app.i18n import pick_language
    vi, en = pick_language(c.issue_error, "vi"), pick_language(c.issue_error, "en")
    assert vi and en and vi != en


def test_periodic_health_report_carries_printer_and_scanner(live_server):
    clock = Clock()
    c = make(live_server, clock=clock)
    c.health_probes["scanner"] = lambda: ("error", "disconnected")
    clock.advance(61)
    c.tick()
    health = httpx.get(f"{live_server.base_url}/api/v1/devices/health",
                       headers=live_server.headers("supervisor")).json()
    assert any(d["components"].get("scanner") == {"status": "error", "detail": "disconnected"} for d in health)


def test_scanning_own_ticket_qr_shows_its_place_and_offers_reprint(live_server, tmp_path):
    with PrinterSim(out_dir=tmp_path / "paper") as sim:
        c = make(live_server, printer=KioskPrinter(sim.port_path))
        c.take_ticket()
        c.choose_service("civil")
        url, number = c.ticket.status_url, c.ticket.number
        c.go_home()
        c.scanned(url)
        assert c.screen == "ticket" and c.ticket.number == number
        assert c.ticket.state == "waiting" and c.print_state == "printed"
        c.reprint()                    # the citizen asked for a paper copy again
        assert c.print_state == "printed"
        assert len(sim.control("tickets")["tickets"]) == 2


@pytest.mark.parametrize("fault, reason, words", [
    ("cover_open", "cover_open", "Nắp máy in đang mở."),
    ("offline", "offline", "Máy in không phản hồi."),
    ("no_reply", "unknown", "Máy in gặp sự cố."),
])
def test_every_printer_fault_still_issues_and_explains(live_server, tmp_path, fault, reason, words):
    from kiosk_app.ticket.issuing import FAULTS
    with PrinterSim(out_dir=tmp_path / "paper") as sim:
        sim.control("fault", name=fault)
        c = make(live_server, printer=KioskPrinter(sim.port_path, timeout=1.0))
        c.take_ticket()
        c.choose_service("health")
        assert c.ticket is not None and c.ticket.number.startswith("G")
        assert c.print_state == "fault" and c.printer_fault == reason and c.reprint_allowed
        assert c.t(FAULTS.get(reason, FAULTS["error"])) == words
        assert c.health_reports[-1] == {"printer": {"status": "error", "detail": reason}}


def test_outside_issuing_hours_the_kiosk_says_when_issuing_reopens(server_factory):
    from kiosk_app.ui.ticket.services import reopens
    lunch = server_factory(clock_start="2026-11-23T12:00:00+07:00")
    c = make(lunch)
    assert c.services and not any(s.open for s in c.services)
    assert reopens(c) == " · Mời ông/bà quay lại lúc 13:15"
    c.toggle_language()
    assert reopens(c) == " · Issuing reopens at 13:15"
    c.take_ticket()
    c.choose_service("civil")                     # a tap anyway: refused with the time, no spinner left
    assert c.issue_state == "refused" and "13:15" in c.issue_error


def test_paper_near_end_reaches_the_dashboard_and_clears_after_a_new_roll(live_server, tmp_path):
    def printer_alerts() -> list[dict]:
        board = httpx.get(f"{live_server.base_url}/api/v1/dashboard", headers=live_server.headers("supervisor")).json()
        return [a for a in board["alerts"] if a["code"] == "device_fault" and "Máy in" in a["message"]]

    with PrinterSim(out_dir=tmp_path / "paper") as sim:
        sim.control("fault", name="paper_near_end")
        c = make(live_server, printer=KioskPrinter(sim.port_path))
        c.take_ticket()
        c.choose_service("land")
        assert c.print_state == "printed" and c.printer_warning == "paper_near_end"   # the citizen has a ticket
        alerts = printer_alerts()
        assert len(alerts) == 1 and alerts[0]["level"] == "warning"
        assert alerts[0]["message"].endswith("Máy in: sắp hết giấy, xin thay cuộn mới")
        assert alerts[0]["message_en"].endswith("Printer: paper near end, load a new roll")
        c.report_health_now()                     # the periodic report keeps saying so
        assert len(printer_alerts()) == 1
        sim.control("clear")                      # a new roll
        c.go_home()
        c.take_ticket()
        c.choose_service("land")
        assert c.printer_warning == "" and printer_alerts() == []
