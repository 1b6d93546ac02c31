"""One test per injected fault: the driver reports that fault, never success."""
from __future__ import annotations

import time

import pytest

from drivers.errors import DeviceFault
from drivers.printer.driver import TicketPrinter
from hardware_sim.base import control_request


def printer_for(sim, **kwargs) -> TicketPrinter:
    return TicketPrinter(sim.port_path, profile="generic-80", **kwargs)


@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline", "cutter_error"])
def test_fault_before_the_job_stops_it(sim, ticket, fault):
    sim.control("fault", name=fault)
    with pytest.raises(DeviceFault) as err:
        printer_for(sim).print_ticket(ticket)
    assert err.value.reason == fault
    assert sim.job_count == 0 and sim.parser.bytes_seen == 12  # only the four status queries
    assert printer_for(sim).status().reason == fault


def test_fault_injected_over_the_http_control_api(make_sim, ticket):
    sim = make_sim(80, control_port=0)
    control_request(sim.control_url, "fault", name="cover_open")
    with pytest.raises(DeviceFault, match="cover is open"):
        printer_for(sim).print_ticket(ticket)
    control_request(sim.control_url, "clear")
    assert printer_for(sim).print_ticket(ticket).status_after.ok


def test_paper_out_mid_job_is_reported_after_the_job(sim, ticket):
    sim.control("fault", name="paper_out", after_bytes=2500)
    with pytest.raises(DeviceFault) as err:
        printer_for(sim).print_ticket(ticket)
    assert err.value.reason == "paper_out"
    job = sim.wait_for_jobs(1)[-1]
    assert job["end"] == "stopped: paper_out"  # half a ticket came out, and no cut


def test_cutter_error_at_the_cut(sim, ticket):
    sim.control("fault", name="cutter_error", at_cut=True)
    with pytest.raises(DeviceFault) as err:
        printer_for(sim).print_ticket(ticket)
    assert err.value.reason == "cutter_error"
    assert sim.wait_for_jobs(1)[-1]["end"] == "stopped: cutter_error"


def test_paper_near_end_prints_with_a_warning_or_fails_when_configured(sim, ticket):
    sim.control("fault", name="paper_near_end")
    result = printer_for(sim).print_ticket(ticket)
    assert result.warnings == ("paper_near_end",)
    assert result.status_after.ok and result.status_after.warnings == ("paper_near_end",)
    assert sim.wait_for_jobs(1)[-1]["end"] == "cut"
    with pytest.raises(DeviceFault) as err:
        printer_for(sim, near_end_is_fault=True).print_ticket(ticket)
    assert err.value.reason == "paper_near_end"


def test_no_reply_is_unknown_never_ok(sim, ticket):
    sim.control("fault", name="no_reply")
    status = printer_for(sim).status()
    assert not status.ok and status.reason == "unknown" and status.raw[1] is None
    with pytest.raises(DeviceFault) as err:
        printer_for(sim).print_ticket(ticket)
    assert err.value.reason == "unknown"
    assert sim.job_count == 0


def test_late_reply_is_unknown_and_its_stale_bytes_are_flushed(sim, ticket):
    sim.control("fault", name="paper_out")
    sim.control("fault", name="late_reply", delay=0.7)
    with pytest.raises(DeviceFault) as err:
        printer_for(sim).print_ticket(ticket)
    assert err.value.reason == "unknown"
    sim.control("clear")
    time.sleep(1.0)  # the late "paper end" reply now waits in the port's input buffer
    status = printer_for(sim).status()
    assert status.ok, status.as_dict()  # flushed before asking: the stale 0x72 is not read as paper out
    assert printer_for(sim).print_ticket(ticket).status_after.ok


def test_gs_r_paper_sensor_status(sim):
    from drivers.transport import open_transport

    with open_transport(sim.port_path) as port:
        port.write(b"\x1dr\x01")
        assert port.read_exactly(1) == b"\x00"
        sim.control("fault", name="paper_out")
        port.write(b"\x1dr\x01")
        assert port.read_exactly(1) == b"\x0c"


def test_unknown_fault_name_is_a_clear_error(sim):
    with pytest.raises(ValueError, match="unknown fault 'jam'"):
        sim.control("fault", name="jam")
