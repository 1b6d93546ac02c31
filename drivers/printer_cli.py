"""`motcua hw printer-test URL` and `motcua bench print`.

printer-test exit codes: 0 printed and the printer is fine; 1 fault or no
printer (the reason is printed); 3 printed, but with a warning (paper near end).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from .printer_profiles import PROFILES, TEXT_MODES

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


def register_hw(hw: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    p = hw.add_parser("printer-test", help="print a test ticket and report the printer's status")
    p.add_argument("url", help="printer URL: /dev/pts/N, serial:///dev/ttyUSB0?baudrate=19200, tcp://host:9100")
    _printer_args(p)
    p.add_argument("--status-only", action="store_true", help="only read the status (DLE EOT), print nothing")
    p.set_defaults(func=_printer_test)

    b = bench.add_parser("print", help="bytes and seconds per ticket (58/80 mm, each text mode), JSON")
    b.add_argument("--baud", type=int, default=115200, help="line speed the simulator emulates")
    b.add_argument("--runs", type=int, default=3, help="tickets per configuration (median reported)")
    b.set_defaults(func=_bench)


def _printer_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="generic-80", choices=sorted(PROFILES))
    p.add_argument("--paper", type=int, choices=(58, 80), default=None, help="paper width in mm")
    p.add_argument("--text-mode", choices=TEXT_MODES, default=None)
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--lang", choices=("vi", "en"), default="vi")


def _printer_test(args: argparse.Namespace) -> int:
    from .errors import DeviceError, DeviceFault
    from .printer import TicketData, TicketPrinter

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


BENCH_CONFIGS = [  # (paper, profile, text mode)
    (80, "generic-80", "raster"), (80, "generic-80", "tcvn3"), (80, "generic-80", "cp1258"),
    (58, "xprinter-58", "raster"), (58, "xprinter-58", "tcvn3"), (58, "xprinter-58", "cp1258"),
    (58, "generic-58", "raster"), (58, "generic-58", "cp1258"),
]
TARGET_BYTES, TARGET_SECONDS = 6000, 1.0


def _bench(args: argparse.Namespace) -> int:
    """Print the sample ticket through the printer simulator (a separate process, over a pty)."""
    import statistics
    import tempfile

    from .printer import TicketData, TicketPrinter

    ticket = TicketData(**SAMPLE, issued_at=datetime(2026, 11, 22, 8, 15))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        procs = {mm: _start_sim(mm, args.baud, f"{tmp}/{mm}") for mm in (58, 80)}  # start both, then wait
        sims = {mm: (proc, _sim_pty(proc)) for mm, proc in procs.items()}
        try:
            for mm, profile, mode in BENCH_CONFIGS:
                printer = TicketPrinter(sims[mm][1], profile=profile, paper_mm=mm, text_mode=mode, timeout=5.0)
                runs = [printer.print_ticket(ticket) for _ in range(max(1, args.runs))]
                first = runs[0]
                results.append({
                    "paper_mm": mm, "profile": profile, "text_mode": mode,
                    "qr": "native" if printer.profile.native_qr else "raster",
                    "bytes": first.bytes_sent, "seconds": round(statistics.median(r.seconds for r in runs), 4),
                    "parts": first.parts})
        finally:
            for proc, _ in sims.values():
                proc.terminate()
                proc.wait(timeout=10)
    vn_qr = [r for r in results if r["qr"] == "native"]
    print(json.dumps({
        "bench": "print", "baud": args.baud, "runs": args.runs, "ticket": "Vietnamese sample ticket with QR",
        "target": {"bytes": TARGET_BYTES, "seconds": TARGET_SECONDS,
                   "met_by_native_qr_profiles": all(r["bytes"] <= TARGET_BYTES and r["seconds"] <= TARGET_SECONDS
                                                    for r in vn_qr)},
        "results": results}, ensure_ascii=False, indent=1))
    return 0


def _start_sim(paper_mm: int, baud: int, out: str):
    """`motcua sim printer` as a child process (drivers never import the simulator)."""
    import subprocess

    cmd = [sys.executable, "-m", "queue_server.cli", "sim", "printer", "--tcp-port", "0", "--paper",
           str(paper_mm), "--baud", str(baud), "--out", out]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def _sim_pty(proc) -> str:
    for line in proc.stdout:
        if line.startswith("{"):
            return json.loads(line)["pty"]
    proc.wait(timeout=10)
    raise RuntimeError(f"printer simulator did not start (exit {proc.returncode})")
