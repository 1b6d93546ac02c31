"""`motcua sim locker`: run a simulated locker bank, or drive a running one (``--control URL``).

    motcua sim locker --boards 0,1 --baud 19200 --state var/locker.json
    motcua sim locker --control http://127.0.0.1:PORT put-item --board 0 --lock 3
    motcua sim locker --control URL fault dead --board 1         (--off clears it)

Protocol: docs/protocols/locker-board.md.
"""
from __future__ import annotations

import argparse
import json
import sys

from hardware_sim.base import run_until_stopped, stop_requested

ACTIONS = ("state", "put-item", "take-item", "open-door", "close-door", "door", "fault",
           "clear-faults", "set-timing")


def register_sim(sim: argparse._SubParsersAction) -> None:
    p = sim.add_parser("locker", help="CU16 locker lock-control boards (doors, item sensors, faults)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--boards", default="0", help="bus addresses of the boards, e.g. 0,1 (default 0)")
    p.add_argument("--baud", type=int, default=19200, help="emulated line speed (0 = unpaced)")
    p.add_argument("--tcp-port", type=int, default=None, help="also listen on this TCP port (0 = any)")
    p.add_argument("--control-port", type=int, default=0, help="HTTP control port (default: any free)")
    p.add_argument("--state", default=None, metavar="FILE",
                   help="keep doors, items and faults in FILE across restarts")
    p.add_argument("--open-delay", type=float, default=0.15, help="s from unlock pulse to door open")
    p.add_argument("--close-after", type=float, default=None,
                   help="s a door stays open before the person closes it (default 8; 0 = only when told)")
    p.add_argument("--link", default=None, help="also make this symlink to the pty")
    p.add_argument("--control", default=None, metavar="URL",
                   help="send ACTION to a running simulator instead of starting one")
    p.add_argument("action", nargs="*", metavar="ACTION",
                   help=f"with --control: {', '.join(ACTIONS)} (fault takes its kind: fault jammed)")
    p.add_argument("--board", type=int, default=None, help="with --control: board (default 0)")
    p.add_argument("--lock", type=int, default=None)
    p.add_argument("--kind", default=None, help="fault kind (dead, bad_checksum, slow, jammed, ...)")
    p.add_argument("--delay", type=float, default=None, help="slow fault: seconds added to replies")
    p.add_argument("--off", action="store_true", help="fault: clear instead of set")
    p.add_argument("--force", action="store_true", help="put/take item with the door closed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.control:
        return _control(args)
    if args.action:
        print("ACTION needs --control URL of a running simulator", file=sys.stderr)
        return 2
    from hardware_sim.locker.device import LockerSim

    try:
        boards = sorted({int(b) for b in args.boards.split(",") if b.strip()})
        if any(not 0 <= b <= 15 for b in boards):
            raise ValueError
    except ValueError:
        print(f"--boards: expected numbers 0..15 separated by commas, got {args.boards!r}", file=sys.stderr)
        return 2
    device = LockerSim(boards, state_file=args.state, open_delay=args.open_delay,
                       close_after=8.0 if args.close_after is None else args.close_after, tcp_port=args.tcp_port,
                       control_port=args.control_port, baudrate=args.baud or None, link=args.link)
    device.start()
    done = stop_requested()  # before the ready line
    print(json.dumps({**device.describe(), "boards": sorted(device.bank.boards), "baud": args.baud}),
          flush=True)
    return run_until_stopped(device.stop, done)


def _control(args: argparse.Namespace) -> int:
    from hardware_sim.base import control_request

    action = args.action[0] if args.action else "state"
    if action not in ACTIONS:
        print(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}", file=sys.stderr)
        return 2
    body: dict = {}
    board = 0 if args.board is None else args.board
    if action in ("put-item", "take-item", "open-door", "close-door", "door"):
        if args.lock is None:
            print(f"{action} needs --lock L (0..15)", file=sys.stderr)
            return 2
        body = {"board": board, "lock": args.lock}
        if args.force and action in ("put-item", "take-item"):
            body["force"] = True
    elif action == "fault":
        kind = args.kind or (args.action[1] if len(args.action) > 1 else None)
        if not kind:
            print("fault needs a kind, e.g. `fault dead --board 0`", file=sys.stderr)
            return 2
        body = {"board": board, "kind": kind, "lock": args.lock, "on": not args.off,
                "delay": args.delay}
    elif action == "clear-faults":
        body = {"board": args.board}
    elif action == "set-timing":
        body = {"open_delay": args.delay, "close_after": args.close_after}
    try:
        if action == "state":
            result = _get_state(args.control)
        else:
            result = control_request(args.control, action.replace("-", "_"), **body)
    except (RuntimeError, OSError) as exc:
        print(f"locker simulator at {args.control}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _get_state(url: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(f"{url.rstrip('/')}/state", timeout=5) as resp:
        return json.loads(resp.read())
