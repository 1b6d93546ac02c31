"""Technician commands for locker boards (the same on real boards and on the simulator).

    motcua hw locker-status URL --board B        doors and item sensors of one board
    motcua hw locker-open URL --board B --lock L exit 0 only when the board confirmed the door open
    motcua hw locker-scan URL                    which boards answer on the bus

Protocol: docs/protocols/locker-board.md.
"""
from __future__ import annotations

import argparse
import json
import sys


def register_hw(hw: argparse._SubParsersAction) -> None:
    status = hw.add_parser("locker-status", help="doors and item sensors of one locker board")
    _common(status)
    status.add_argument("--board", type=int, required=True, help="board bus address 0..15")
    status.set_defaults(func=run_status)

    opener = hw.add_parser("locker-open", help="open one lock and confirm the door opened (exit 0 only then)")
    _common(opener)
    opener.add_argument("--board", type=int, required=True, help="board bus address 0..15")
    opener.add_argument("--lock", type=int, required=True, help="lock 0..15 on that board")
    opener.add_argument("--timeout", type=float, default=3.0, help="s to wait for the door per unlock pulse")
    opener.add_argument("--wait-closed", type=float, default=None, metavar="S",
                        help="then wait up to S seconds for the door to close again")
    opener.set_defaults(func=run_open)

    scan = hw.add_parser("locker-scan", help="which locker boards answer on the bus (cmd 32)")
    _common(scan)
    scan.set_defaults(func=run_scan)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="pty path, serial:///dev/ttyUSB0?baudrate=19200 or tcp://host:port")
    p.add_argument("--inverted", action="store_true",
                   help="this board's firmware reports 1 = door open (inverted polarity)")
    p.add_argument("--baud", type=int, default=19200, help="line speed when URL is a plain port path")
    p.add_argument("--reply-timeout", type=float, default=0.3, help="s to wait for each reply")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _bus(args: argparse.Namespace):
    from drivers.locker.driver import LockerBus

    inverted = [args.board] if args.inverted and getattr(args, "board", None) is not None else []
    return LockerBus(args.url, reply_timeout=args.reply_timeout, inverted_boards=inverted,
                     baudrate=args.baud)


def _fail(exc: Exception, what: str) -> int:
    reason = getattr(exc, "reason", None) or getattr(exc, "code", "error")
    print(f"LỖI / ERROR ({reason}) {what}: {exc}", file=sys.stderr)
    return 1


def _range_ok(args: argparse.Namespace) -> bool:
    for name in ("board", "lock"):
        value = getattr(args, name, None)
        if value is not None and not 0 <= value <= 15:
            print(f"--{name} phải từ 0 đến 15 / must be 0..15 (got {value})", file=sys.stderr)
            return False
    return True


def run_status(args: argparse.Namespace) -> int:
    from drivers.errors import DeviceError

    if not _range_ok(args):
        return 2
    try:
        with _bus(args) as bus:
            st = bus.status(args.board)
    except DeviceError as exc:
        return _fail(exc, f"board {args.board}")
    if args.json:
        print(json.dumps({"board": st.board, "door_open": list(st.door_open), "item": list(st.item),
                          "raw": st.raw.hex(" ")}))
        return 0
    print(f"Bo mạch / board {st.board}  [{st.raw.hex(' ').upper()}]")
    print("khoá/lock  cửa/door         đồ/item")
    for lock in range(16):
        door = "MỞ / open" if st.door_open[lock] else "đóng / closed"
        item = "có / yes" if st.item[lock] else "-"
        print(f"{lock:>9}  {door:<15}  {item}")
    return 0


def run_open(args: argparse.Namespace) -> int:
    from drivers.errors import DeviceError

    if not _range_ok(args):
        return 2
    try:
        with _bus(args) as bus:
            result = bus.open_and_confirm(args.board, args.lock, timeout=args.timeout)
            out = {"board": args.board, "lock": args.lock, "opened": True,
                   "latency_s": round(result.latency_s, 4), "unlock_pulses": result.attempts}
            if not args.json:
                print(f"Cửa đã mở / door confirmed open: board {args.board} lock {args.lock} "
                      f"in {result.latency_s * 1000:.0f} ms")
            if args.wait_closed is not None:
                closed = bus.wait_closed(args.board, args.lock, timeout=args.wait_closed)
                out.update(closed=True, item=closed.item)
                if not args.json:
                    print(f"Cửa đã đóng / door closed again; item {'present' if closed.item else 'absent'}")
    except DeviceError as exc:
        if exc.door_state_unknown:
            print("CHƯA XÁC NHẬN / NOT CONFIRMED: door state unknown", file=sys.stderr)
        return _fail(exc, f"board {args.board} lock {args.lock}")
    if args.json:
        print(json.dumps(out))
    return 0


def run_scan(args: argparse.Namespace) -> int:
    from drivers.errors import DeviceError

    try:
        with _bus(args) as bus:
            scan = bus.query_bus()
    except DeviceError as exc:
        return _fail(exc, "bus query")
    if args.json:
        print(json.dumps({"boards": sorted(scan.boards), "bad_frames": scan.bad_frames}))
    else:
        found = ", ".join(str(b) for b in sorted(scan.boards)) or "không có / none"
        print(f"Bo mạch trả lời / boards answering: {found}"
              + (f"  ({scan.bad_frames} bad frame(s))" if scan.bad_frames else ""))
    return 0 if scan.boards else 1
