"""`motcua hw printer-test URL`.

printer-test exit codes: 0 printed and the printer is fine; 1 fault or no
printer (the reason is printed); 3 printed, but with a warning (paper near end).

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from drivers.printer.profiles import PROFILES, TEXT_MODES

SAMPLE = dict(
    center_name="Trung tâm Phục vụ hành chính công tỉnh Lâm Đồng",
    number="A012",
    service="Đất đai - Nhà ở",
    status_url="https://motcua.example.vn/t/3f9c2a7b",
    people_ahead=5,
    estimated_wait_min=15,
    priority="Người cao tuổi",
    footer="Cảm ơn quý khách! Vui lòng chờ đến lượt.",
)


def register_hw(hw: argparse._SubParsersAction) -> None:
    p = hw.add_parser("printer-test", help="print a test ticket and report the printer's status")
    p.add_argument("url", help="printer URL: /dev/pts/N, serial:///dev/ttyUSB0?baudrate=19200, tcp://host:9100")
    _printer_args(p)
    p.add_argument("--status-only", action="store_true", help="only read the status (DLE EOT), print nothing")
    p.set_defaults(func=_printer_test)



def _printer_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="generic-80", choices=sorted(PROFILES))
    p.add_argument("--paper", type=int, choices=(58, 80), default=None, help="paper width in mm")
    p.add_argument("--text-mode", choices=TEXT_MODES, default=None)
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--lang", choices=("vi", "en"), default="vi")


def _printer_test(args: argparse.Namespace) -> int:
    from drivers.errors import DeviceError, DeviceFault
    from drivers.printer.driver import TicketData, TicketPrinter

    vi = args.lang == "vi"
    try:
        printer = TicketPrinter(args.url, profile=args.profile, paper_mm=args.paper, text_mode=args.text_mode,
                                timeout=args.timeout)
    except ValueError as exc:
        print(f"{'Cấu hình máy in sai' if vi else 'bad printer settings'}: {exc}", file=sys.stderr)
        return 1
    try:
        if args.status_only:
            status = printer.status()
            print(json.dumps({"url": args.url, "status": status.as_dict()}, ensure_ascii=False))
            print(status.message(args.lang))
            return 0 if status.ok and not status.warnings else (3 if status.ok else 1)
        from zoneinfo import ZoneInfo

        ticket = TicketData(**SAMPLE, issued_at=datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")), lang=args.lang)
        result = printer.print_ticket(ticket)
    except DeviceFault as exc:
        print(json.dumps({"url": args.url, "ok": False, "reason": exc.reason, "error": exc.message},
                         ensure_ascii=False))
        print(f"{'LỖI' if vi else 'FAULT'}: {exc}", file=sys.stderr)
        return 1
    except DeviceError as exc:
        print(json.dumps({"url": args.url, "ok": False, "reason": exc.code, "error": exc.message},
                         ensure_ascii=False))
        print(f"{'LỖI' if vi else 'ERROR'}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"url": args.url, "ok": True, **result.as_dict()}, ensure_ascii=False))
    if result.warnings:
        print(("Đã in phiếu thử, cảnh báo: " if vi else "test ticket printed, warnings: ")
              + ", ".join(result.warnings))
        return 3
    print("Đã in phiếu thử; máy in sẵn sàng" if vi else "test ticket printed; printer ready")
    return 0


