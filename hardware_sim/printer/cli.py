"""`motcua sim printer`: run the simulated ticket printer until Ctrl-C.

    motcua sim printer [--tcp-port 9100] [--out DIR] [--baud 115200] [--paper 80] [--control-port N]
    motcua sim printer --control URL fault paper_out [--after-bytes N] [--delay S] [--at-cut]
    motcua sim printer --control URL clear [NAME]
    motcua sim printer --control URL state

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import argparse
import json
import sys

from hardware_sim.base import run_until_stopped, stop_requested


def register_sim(sim: argparse._SubParsersAction) -> None:
    p = sim.add_parser("printer", help="ESC/POS ticket printer: pty + TCP, PNG and transcript per ticket")
    p.add_argument("--tcp-port", type=int, default=9100, help="TCP port (0 = any free port; default 9100)")
    p.add_argument("--out", default="var/printer-out", help="folder for ticket PNGs and transcripts")
    p.add_argument("--baud", type=int, default=None, help="emulate this line speed (e.g. 115200)")
    p.add_argument("--paper", type=int, choices=(58, 80), default=80, help="paper width in mm")
    p.add_argument("--control-port", type=int, default=0, help="HTTP control API port (0 = any free port)")
    p.add_argument("--link", default=None, help="also create this symlink to the pty (e.g. /tmp/ttyPRN)")
    p.add_argument("--control", metavar="URL", help="send a command to a running simulator instead")
    p.add_argument("command", nargs="*", help="with --control: fault NAME | clear [NAME] | state | tickets")
    p.add_argument("--after-bytes", type=int, default=0, help="fault strikes after this many more bytes")
    p.add_argument("--delay", type=float, default=1.0, help="late_reply delay in seconds")
    p.add_argument("--at-cut", action="store_true", help="cutter_error strikes at the next cut")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.control:
        return _control(args)
    from hardware_sim.printer.device import PrinterSim

    tcp_port = None if args.tcp_port < 0 else args.tcp_port
    try:
        device = PrinterSim(paper_mm=args.paper, out_dir=args.out, tcp_port=tcp_port,
                            control_port=args.control_port, baudrate=args.baud, link=args.link).start()
    except OSError as exc:
        print(f"cannot start printer simulator: {exc} (is port {args.tcp_port} in use? try --tcp-port 0)",
              file=sys.stderr)
        return 1
    done = stop_requested()  # before the ready line
    info = device.describe() | {"out_dir": args.out, "paper_mm": args.paper, "baud": args.baud}
    print(f"printer simulator ready: pty {device.port_path}  tcp {device.tcp_port}  "
          f"control {device.control_url}  out {args.out}", flush=True)
    print(json.dumps(info), flush=True)
    return run_until_stopped(device.stop, done)


def _control(args: argparse.Namespace) -> int:
    from hardware_sim.base import control_request

    words = args.command or ["state"]
    try:
        if words[0] == "fault" and len(words) == 2:
            out = control_request(args.control, "fault", name=words[1], after_bytes=args.after_bytes,
                                  delay=args.delay, at_cut=args.at_cut)
        elif words[0] == "clear":
            out = control_request(args.control, "clear", **({"name": words[1]} if len(words) > 1 else {}))
        elif words[0] == "tickets":
            out = control_request(args.control, "tickets")
        elif words[0] == "state":
            import urllib.request

            with urllib.request.urlopen(f"{args.control.rstrip('/')}/state", timeout=5) as resp:
                out = json.loads(resp.read())
        else:
            print("usage: --control URL fault NAME | clear [NAME] | state | tickets", file=sys.stderr)
            return 2
    except (RuntimeError, OSError) as exc:
        print(f"printer simulator at {args.control}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0
