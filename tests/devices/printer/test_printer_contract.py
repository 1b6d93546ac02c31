"""Contract: the driver prints a ticket on the simulator through a real pty and over TCP.

What a citizen gets is checked on the rendered paper: the QR decodes (zxing-cpp)
to the ticket's status page, the Vietnamese lines are drawn where they belong,
the number is big, and code-page modes arrive as the right Vietnamese letters.
"""
from __future__ import annotations

import zxingcpp
from PIL import Image, ImageChops

from drivers.printer import raster as escpos_raster
from drivers.printer.driver import TicketPrinter
from drivers.printer.cli import SAMPLE
from hardware_sim.printer.paper import Paper

URL = "https://motcua.example.vn/t/3f9c2a7b"  # the ticket fixture's status page


def decode_qr(png: str) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(png).convert("L"))
            if r.format == zxingcpp.BarcodeFormat.QRCode]


def crop(job: dict, item: dict) -> Image.Image:
    return job["image"].crop((item["x"], item["y"], item["x"] + item["w"], item["y"] + item["h"]))


def find_line(job: dict, text: str, bold: bool) -> dict | None:
    """The printed raster line that is bit-for-bit ``text`` in the shipped font, if any."""
    expected = escpos_raster.render_line(text, escpos_raster.BASE_PX, bold)
    for item in job["items"]:
        if item["kind"] == "image" and (item["w"], item["h"]) == expected.size:
            if ImageChops.difference(crop(job, item).convert("L"), expected.convert("L")).getbbox() is None:
                return item
    return None


def test_ticket_over_pty_renders_qr_number_and_vietnamese(make_sim, paper_mm, ticket):
    sim = make_sim(paper_mm)
    profile = "generic-80" if paper_mm == 80 else "xprinter-58"
    result = TicketPrinter(sim.port_path, profile=profile, paper_mm=paper_mm).print_ticket(ticket)
    job = sim.wait_for_jobs(1)[-1]

    assert result.status_before.ok and result.status_after.ok and result.warnings == ()
    assert job["end"] == "cut" and job["size"][0] == (576 if paper_mm == 80 else 384)
    assert decode_qr(job["png"]) == [URL]
    # the service line, in Vietnamese with stacked marks, is drawn centred and bit-exact
    service = find_line(job, "Đất đai - Nhà ở", bold=True)
    assert service is not None and service["align"] == "center"
    ink = crop(job, service).convert("L").histogram()[0]
    assert ink > 200  # real letters, not a blank strip
    # a mangled rendering ('?' for every Vietnamese letter) is not what was printed
    assert find_line(job, "??t ?ai - Nh? ?", bold=True) is None
    # the number in the printer's own font, big and bold
    number = next(it for it in job["items"] if it.get("text") == "A012")
    assert number["bold"] and number["hmul"] >= 5 and number["wmul"] >= 5
    assert "Cảm ơn" not in "\n".join(job["transcript"])  # raster text never reaches the printer as text
    assert not sim.unknown


def test_ticket_over_tcp(sim, ticket):
    printer = TicketPrinter(f"tcp://127.0.0.1:{sim.tcp_port}", profile="generic-80")
    result = printer.print_ticket(ticket)
    job = sim.wait_for_jobs(1)[-1]
    assert result.status_after.ok
    assert decode_qr(job["png"]) == [URL]
    assert find_line(job, "ƯU TIÊN: Người cao tuổi", bold=True) is not None


def test_raster_qr_on_a_printer_without_native_qr(make_sim, ticket):
    sim = make_sim(58)
    result = TicketPrinter(sim.port_path, profile="generic-58").print_ticket(ticket)
    job = sim.wait_for_jobs(1)[-1]
    assert "qr_raster" in result.parts and "qr_native" not in result.parts
    assert not any(line.startswith("[qr") for line in job["transcript"])
    assert decode_qr(job["png"]) == [URL]


def test_code_page_modes_print_the_right_vietnamese_letters(make_sim, ticket):
    sim = make_sim(80)
    for mode in ("tcvn3", "cp1258"):
        TicketPrinter(sim.port_path, profile="generic-80", text_mode=mode).print_ticket(ticket)
    jobs = sim.wait_for_jobs(2)
    for job in jobs:
        lines = job["transcript"]
        assert "Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng" in lines
        assert "Đất đai - Nhà ở" in lines and "ƯU TIÊN: Người cao tuổi" in lines
        assert "Cảm ơn quý khách! Vui lòng chờ đến lượt." in lines
        assert decode_qr(job["png"]) == [URL]


def test_upper_case_tone_letters_switch_to_the_tcvn3_capital_page(sim):
    printer = TicketPrinter(sim.port_path, profile="generic-80", text_mode="tcvn3")
    printer.print_slip(printer.new_slip().text("PHỤC VỤ HÀNH CHÍNH CÔNG - Lâm Đồng").cut())
    assert "PHỤC VỤ HÀNH CHÍNH CÔNG - Lâm Đồng" in sim.wait_for_jobs(1)[-1]["transcript"]


def test_generic_slip_builder_prints_a_result_pickup_slip(sim):
    printer = TicketPrinter(sim.port_path, profile="generic-80")
    slip = (printer.new_slip().title("PHIẾU NHẬN KẾT QUẢ").kv("Mã hồ sơ", "H36.22-261122-0001")
            .kv("Ngăn tủ", 12).rule().text("Please keep this slip", align="right").qr("H36.22-261122-0001")
            .cut())
    printer.print_slip(slip)
    job = sim.wait_for_jobs(1)[-1]
    texts = [it.get("text") for it in job["items"]]
    assert "H36.22-261122-0001" in texts and "12" in texts
    right = next(it for it in job["items"] if it.get("text") == "Please keep this slip")
    assert right["align"] == "right" and right["x"] + right["w"] == 576
    assert find_line(job, "PHIẾU NHẬN KẾT QUẢ", bold=True) is not None
    assert decode_qr(job["png"]) == ["H36.22-261122-0001"]


def test_english_ticket_uses_only_the_printer_font(sim, ticket):
    from dataclasses import replace

    result = TicketPrinter(sim.port_path).print_ticket(replace(ticket, lang="en", center_name="Lam Dong Center",
                                                               service="Land", priority="Elderly", footer="Thanks"))
    assert set(result.parts) == {"native_text", "qr_native"}
    lines = sim.wait_for_jobs(1)[-1]["transcript"]
    assert "PRIORITY: Elderly" in lines and "Estimated wait (min): ~15" in lines


def test_file_url_writes_the_job_without_status(tmp_path, ticket):
    out = tmp_path / "ticket.bin"
    result = TicketPrinter(f"file://{out}").print_ticket(ticket)
    assert result.warnings == ("status_not_checked",)
    data = out.read_bytes()
    assert data == TicketPrinter(f"file://{out}").render_ticket(ticket) and len(data) == result.bytes_sent
    # the simulator's paper, fed the same bytes offline, shows the same ticket
    paper = Paper(576)
    from hardware_sim.printer.parser import EscPosParser

    pages = []
    EscPosParser(lambda *ev: pages.append(paper.handle(*ev))).feed(data)
    assert [p for p in pages if p] and [p for p in pages if p][0]["end"] == "cut"


def test_sample_ticket_stays_within_the_byte_budget(ticket):
    assert SAMPLE["status_url"].startswith("https://")
    for profile, mm in (("generic-80", 80), ("xprinter-58", 58)):
        data = TicketPrinter("file:///dev/null", profile=profile, paper_mm=mm).render_ticket(ticket)
        assert len(data) <= 6000, (profile, len(data))


def test_long_qr_payload_shrinks_its_modules_to_fit_58mm_paper(make_sim):
    sim = make_sim(58)
    payload = "https://motcua.example.vn/t/" + "x" * 300
    printer = TicketPrinter(sim.port_path, profile="xprinter-58")
    printer.print_slip(printer.new_slip().qr(payload).cut())
    job = sim.wait_for_jobs(1)[-1]
    qr = next(it for it in job["items"] if it["kind"] == "qr")
    assert qr["w"] <= 384 and decode_qr(job["png"]) == [payload]


def test_qr_payload_too_long_for_any_symbol_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError, match="too long"):
        TicketPrinter("file:///dev/null").new_slip().qr("x" * 5000)
