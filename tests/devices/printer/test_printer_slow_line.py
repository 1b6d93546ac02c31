"""A slow serial line must not be mistaken for a silent printer.

At 9600 baud a raster ticket spends seconds on the wire; the status reply after
the job waits behind it. The driver must allow for that instead of reporting
"unknown status" for a ticket that printed fine.
"""
from drivers.printer.driver import TicketPrinter
from drivers.printer.ticket import TicketData
from hardware_sim.printer.device import PrinterSim


def test_ticket_at_9600_baud_prints_with_default_timeout(tmp_path):
    sim = PrinterSim(out_dir=tmp_path, baudrate=9600).start()
    try:
        printer = TicketPrinter(f"serial://{sim.port_path}?baudrate=9600")
        result = printer.print_ticket(TicketData(
            center_name="Trung tâm Phục vụ hành chính công", number="B007",
            service="Hộ tịch", status_url="http://127.0.0.1:8000/t/7"))
        assert result.status_after is not None and result.status_after.ok
        assert result.bytes_sent * 10 / 9600 > printer.timeout  # the wire time really exceeds the plain timeout
        assert sim.control("tickets")["tickets"], "the simulator cut a ticket"
    finally:
        sim.stop()
