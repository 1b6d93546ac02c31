"""`motcua sim scanner`: run the simulated scanner, or drive a running one with --control.

    motcua sim scanner [--suffix cr|crlf] [--tcp-port N] [--control-port N] [--link PATH]
    motcua sim scanner --control URL scan "000.00.21.H29-230101-0001" [--count 3 --rate 2]
    motcua sim scanner --control URL cccd --birth 1950-03-01      (a fake chip-ID card)
    motcua sim scanner --control URL noise|partial|overlong|invalid-utf8|hold|unplug|replug|state

Protocol: docs/protocols/scanner.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from hardware_sim.base import run_until_stopped, stop_requested

ACTIONS = ("scan", "cccd", "receipt", "hold", "noise", "partial", "overlong", "invalid-utf8",
           "raw", "unplug", "replug", "state")


def register_sim(sim: argparse._SubParsersAction) -> None:
    p = sim.add_parser("scanner", help="QR/barcode scanner in serial mode (pty, optional TCP, control API)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suffix", choices=("cr", "crlf"), default="cr", help="frame suffix (default cr)")
    p.add_argument("--tcp-port", type=int, default=None, help="also listen on this TCP port (0 = any free)")
    p.add_argument("--control-port", type=int, default=0, help="control API port (default: any free)")
    p.add_argument("--link", default=None, help="keep a symlink to the pty here (stable path across replug)")
    p.add_argument("--baudrate", type=int, default=None, help="emulate this line speed")
    p.add_argument("--control", metavar="URL", default=None, help="drive a running simulator instead")
    p.add_argument("action", nargs="?", choices=ACTIONS, help="with --control: what to do")
    p.add_argument("text", nargs="?", help="the code to scan (scan, hold, partial, invalid-utf8) or hex (raw)")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--rate", type=float, default=None, help="codes per second for --count > 1")
    p.add_argument("--length", type=int, default=None, help="bytes of noise / over-long frame")
    p.add_argument("--parts", type=int, default=3)
    p.add_argument("--gap", type=float, default=0.05)
    p.add_argument("--terminate", action="store_true", help="noise: end with the suffix")
    p.add_argument("--birth", type=date.fromisoformat, default=date(1950, 3, 1), help="cccd: birth date")
    p.add_argument("--sex", choices=("Nam", "Nữ"), default="Nam")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.control:
        return control(args)
    if args.action:
        print("an action needs --control URL (the simulator's control_url)", file=sys.stderr)
        return 2
    from hardware_sim.scanner.device import ScannerSim

    device = ScannerSim(suffix=args.suffix, tcp_port=args.tcp_port, control_port=args.control_port,
                        link=args.link, baudrate=args.baudrate).start()
    done = stop_requested()  # before the ready line
    print(json.dumps(device.describe(), ensure_ascii=False), flush=True)
    print(f"scanner simulator on {device.port_path} — inject: motcua sim scanner --control "
          f"{device.control_url} scan \"TEXT\"; Ctrl-C to stop", file=sys.stderr, flush=True)
    return run_until_stopped(device.stop, done)


def _command(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    from hardware_sim.scanner.payloads import fake_cccd, fake_receipt

    a = args.action
    if a in ("scan", "hold", "partial", "raw") and args.text is None:
        raise ValueError(f"{a} needs TEXT")
    if a == "scan":
        return "scan", {"text": args.text, "count": args.count, "rate": args.rate}
    if a == "cccd":
        return "scan", {"text": fake_cccd(args.birth, args.sex), "count": args.count, "rate": args.rate}
    if a == "receipt":
        return "scan", {"text": fake_receipt(args.text), "count": args.count, "rate": args.rate}
    if a == "hold":
        return "hold", {"text": args.text}
    if a == "noise":
        return "noise", {"length": args.length or 16, "terminate": args.terminate}
    if a == "partial":
        return "partial", {"text": args.text, "parts": args.parts, "gap": args.gap}
    if a == "overlong":
        return "overlong", {"length": args.length or 5000}
    if a == "invalid-utf8":
        return "invalid_utf8", {"text": args.text or "ABC"}
    if a == "raw":
        return "raw", {"hex": args.text}
    return a, {}


def control(args: argparse.Namespace) -> int:
    from hardware_sim.base import control_request

    if not args.action:
        print(f"--control needs an action: {', '.join(ACTIONS)}", file=sys.stderr)
        return 2
    try:
        if args.action == "state":
            import urllib.request

            with urllib.request.urlopen(f"{args.control.rstrip('/')}/state", timeout=5) as resp:
                result = json.loads(resp.read())
        else:
            command, params = _command(args)
            result = control_request(args.control, command, **params)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"scanner simulator at {args.control}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0
