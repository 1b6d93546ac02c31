"""`motcua bench print`: bytes and seconds per Vietnamese ticket, 58/80 mm, each text mode.

The printer simulator runs as a separate process behind a real pty, as a real
printer would be on its own line; the driver prints the sample ticket to it.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from drivers.printer.cli import SAMPLE

BENCH_CONFIGS = [  # (paper, profile, text mode)
    (80, "generic-80", "raster"), (80, "generic-80", "tcvn3"), (80, "generic-80", "cp1258"),
    (58, "xprinter-58", "raster"), (58, "xprinter-58", "tcvn3"), (58, "xprinter-58", "cp1258"),
    (58, "generic-58", "raster"), (58, "generic-58", "cp1258"),
]
TARGET_BYTES, TARGET_SECONDS = 6000, 1.0


def run_bench(args: argparse.Namespace) -> int:
    """Print the sample ticket through the printer simulator (a separate process, over a pty)."""
    import statistics
    import tempfile

    from drivers.printer.driver import TicketData, TicketPrinter

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
    """`motcua sim printer` as a child process, the way a printer is a device of its own."""
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
