"""`motcua bench locker`: receipt scan → board-confirmed open door, at 19200 baud (target ≤ 1.0 s).

Everything real and in separate processes where it would be in the field: a
`motcua serve`, the locker simulator and the scanner simulator (each behind its
own pty); this process is the result kiosk (Scanner driver → ResultFlow →
server lookup + code check → LockerService → CU16 driver). Results are
deposited first through the staff flow; the pickup codes come from the
server's file outbox. The keypad entry is human time and is not counted:
the code is submitted the moment the code screen appears.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


KIOSK = "result-1"
MOTCUA = [sys.executable, "-c", "import sys; from queue_server.cli import main; sys.exit(main())"]
PASSWORD = "bench-officer-pass"


def _summary(xs: list[float]) -> dict[str, float]:
    s = sorted(xs)
    return {"median": round(statistics.median(s), 4), "p95": round(s[min(len(s) - 1, round(0.95 * (len(s) - 1)))], 4),
            "min": round(s[0], 4), "max": round(s[-1], 4)}


def _spawn(args: list[str], cwd: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([*MOTCUA, *args], stdout=subprocess.PIPE, stderr=open(cwd / f"{args[0]}-{args[1]}.log", "ab"),
                            cwd=cwd, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line:
        proc.kill()
        raise RuntimeError(f"motcua {' '.join(args)} did not start (see {cwd})")
    return proc, line


def _control(url: str, command: str, **body: Any) -> dict[str, Any]:
    import httpx

    return httpx.post(f"{url}/{command}", json=body, timeout=5).json()


def run(*, baud: int = 19200, rounds: int = 10, config: str | None = None) -> dict[str, Any]:
    import httpx
    from drivers.printer.driver import TicketPrinter
    from drivers.scanner.driver import Scanner

    from kiosk_app.result.lockers import LockerClient, LockerService
    from kiosk_app.result.flow import ResultFlow

    work = Path(tempfile.mkdtemp(prefix="motcua-bench-locker-"))
    db = str(work / "bench.sqlite")
    cfg = config or str(Path(__file__).resolve().parent.parent / "config" / "site.toml")
    subprocess.run([*MOTCUA, "user", "add", "officer-bench", "--role", "officer", "--password-stdin", "--db", db],
                   input=PASSWORD, text=True, check=True, capture_output=True)
    key = subprocess.run([*MOTCUA, "device", "add", KIOSK, "--role", "kiosk", "--db", db], text=True, check=True,
                         capture_output=True).stdout.split()[0]
    procs: list[subprocess.Popen] = []
    try:
        server, line = _spawn(["serve", "--config", cfg, "--db", db, "--port", "0", "--open-all-hours"], work)
        procs.append(server)
        base = line.split()[-1]
        locker, line = _spawn(["sim", "locker", "--boards", "0,1", "--baud", str(baud), "--close-after", "0"], work)
        procs.append(locker)
        lsim = json.loads(line)
        scanner_proc, line = _spawn(["sim", "scanner"], work)
        procs.append(scanner_proc)
        ssim = json.loads(line)

        client = LockerClient(base, key, timeout=10)
        service = LockerService.connect(lsim["pty"], client, KIOSK, close_timeout=15, poll_interval=0.05)
        flow = ResultFlow(KIOSK, client, service, printer=TicketPrinter(f"file://{work / 'slips.bin'}"))
        service.reconcile()
        token = client.login("officer-bench", PASSWORD)
        codes = []
        for _ in range(rounds):  # deposits through the staff flow, an "officer" thread at the door
            code = httpx.post(f"{base}/api/v1/dossiers", json={"applicant_name": "Đỗ Văn Cường", "phone": "0900000000"},
                              headers={"Authorization": f"Bearer {token}"}, timeout=10).json()["code"]
            flow.staff_login("officer-bench", PASSWORD)
            _person(flow, lsim["control_url"], service, put=True)
            view = flow.deposit(code)
            if view.state != "deposit_done":
                raise RuntimeError(f"deposit failed: {view.state} {view.text('en')}")
            flow.staff_logout()
            codes.append(code)
        otps = _read_codes(work / "outbox", codes)

        scans = _Queue()
        scanner = Scanner(ssim["pty"], on_code=lambda s: scans.put(s.text), debounce=0.0)
        scanner.start()
        scanner.wait_connected(5)
        totals, to_screen, opens = [], [], []
        for code in codes:
            marks: dict[str, float] = {}
            flow.listeners = [lambda v, m=marks: m.setdefault(v.state, time.perf_counter())]
            _person(flow, lsim["control_url"], service, take=True)
            t0 = time.perf_counter()
            _control(ssim["control_url"], "scan", text=f"{code}|1.004193|Giấy tiếp nhận hồ sơ")
            text = scans.get(10)
            if flow.scan(text).state != "enter_code":
                raise RuntimeError(f"scan not accepted: {flow.view.text('en')}")
            t_screen = time.perf_counter()
            view = flow.submit_code(otps[code])
            if view.state != "collected" or "door_open" not in marks:
                raise RuntimeError(f"pickup failed: {view.state} {view.text('en')}")
            totals.append(marks["door_open"] - t0)
            to_screen.append(t_screen - t0)
            opens.append(marks["door_open"] - marks["opening"])
            flow.reset()
        scanner.stop()
        service.close()
        p95 = _summary(totals)["p95"]
        return {"bench": "locker", "baud": baud, "rounds": rounds, "door_swing_s": 0.15,
                "scan_to_door_open_s": _summary(totals), "scan_to_code_screen_s": _summary(to_screen),
                "code_accepted_to_door_open_s": _summary(opens), "target_s": 1.0, "meets_target": p95 <= 1.0,
                "load_avg_1min": round(os.getloadavg()[0], 2)}
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


class _Queue:
    def __init__(self):
        self._items: list[str] = []
        self._cv = threading.Condition()

    def put(self, item: str) -> None:
        with self._cv:
            self._items.append(item)
            self._cv.notify()

    def get(self, timeout: float) -> str:
        with self._cv:
            if not self._cv.wait_for(lambda: self._items, timeout):
                raise RuntimeError("no scan arrived from the scanner simulator")
            return self._items.pop(0)


def _person(flow: Any, control_url: str, service: Any, *, put: bool = False, take: bool = False) -> None:
    """When the flow shows an open door, put/take the item and push the door shut (a thread)."""
    def act() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            v = flow.view
            if v.state in ("door_open", "deposit_open") and v.compartment:
                board, lock = service.locker.map.slot(v.compartment).board, service.locker.map.slot(v.compartment).lock
                _control(control_url, "put_item" if put else "take_item", board=board, lock=lock)
                _control(control_url, "close_door", board=board, lock=lock)
                return
            time.sleep(0.02)
    threading.Thread(target=act, daemon=True).start()


def _read_codes(outbox: Path, dossiers: list[str], timeout: float = 30) -> dict[str, str]:
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(found) < len(dossiers) and time.monotonic() < deadline:
        for f in outbox.glob("*.json") if outbox.exists() else []:
            text = json.loads(f.read_text(encoding="utf-8"))["text"]
            m = re.search(r"hồ sơ (\S+) .*?Mã nhận: (\d{6})", text)
            if m:
                found[m.group(1)] = m.group(2)
        time.sleep(0.2)
    missing = [d for d in dossiers if d not in found]
    if missing:
        raise RuntimeError(f"no pickup code in {outbox} for {len(missing)} dossier(s)")
    return found


def bench_locker(args: argparse.Namespace) -> int:
    print(json.dumps(run(baud=args.baud, rounds=args.rounds, config=args.config), indent=2))
    return 0


def register_bench(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("locker", help="result kiosk: receipt scan → locker door confirmed open (target ≤ 1.0 s)")
    p.add_argument("--baud", type=int, default=19200, help="locker bus speed (default 19200)")
    p.add_argument("--rounds", type=int, default=10, help="pickups measured (default 10)")
    p.add_argument("--config", default=None, help="site TOML with a [[lockers.banks]] for kiosk result-1")
    p.set_defaults(func=bench_locker)
