"""The printer simulator on its own threads at the far end of a real pty (and a TCP port)."""
from __future__ import annotations

from datetime import datetime

import pytest

from drivers.printer.driver import TicketData
from hardware_sim.printer.device import PrinterSim

URL = "https://motcua.example.vn/t/3f9c2a7b"


@pytest.fixture
def ticket() -> TicketData:
    return TicketData(
        center_name="Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng", number="A012",
        service="Đất đai - Nhà ở", status_url=URL, people_ahead=5, estimated_wait_min=15,
        issued_at=datetime(2026, 11, 22, 8, 15), priority="Người cao tuổi",
        footer="Cảm ơn quý khách! Vui lòng chờ đến lượt.")


@pytest.fixture(params=[80, 58], ids=["80mm", "58mm"])
def paper_mm(request) -> int:
    return request.param


@pytest.fixture
def make_sim(tmp_path):
    sims: list[PrinterSim] = []

    def make(paper_mm: int = 80, **kwargs) -> PrinterSim:
        sim = PrinterSim(paper_mm=paper_mm, out_dir=tmp_path / f"out-{len(sims)}", tcp_port=0, **kwargs).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def sim(make_sim) -> PrinterSim:
    return make_sim(80)
