"""`motcua demo`: the whole center on sample data — server, simulators, kiosk — and where to look.

Every part is a separate process started through the `motcua` command, so a
part that is missing or fails is reported and the rest keeps running. Without
a display the kiosk runs on its own Xvfb and refreshes a screenshot file.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

MOTCUA = [sys.executable, "-c", "import sys; from queue_server.cli import main; sys.exit(main())"]
PASSWORD = "demo-1234"
USERS = (("officer1", "officer"), ("supervisor1", "supervisor"), ("admin1", "admin"))


def say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


def _first_line(proc: subprocess.Popen, want: str, timeout: float = 20) -> str:
    """The first stdout line containing ``want`` (read on a thread: never hang the demo)."""
    found: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            if want in line:
                found.append(line.strip())
                return
    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(timeout)
    return found[0] if found else ""


class Demo:
    def __init__(self, var: Path):
        self.var = var
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.cleanups: list = []  # called after the processes stop (e.g. the province's PostgreSQL)
        self.province_url = ""    # the one-stop simulator's, when it runs

    def spawn(self, name: str, args: list[str], env: dict | None = None, **kw: Any) -> subprocess.Popen:
        proc = subprocess.Popen([*MOTCUA, *args], stdout=subprocess.PIPE, stderr=open(self.var / f"{name}.log", "ab"),
                                text=True, env=env or {**os.environ, "PYTHONUNBUFFERED": "1"}, **kw)
        self.procs.append((name, proc))
        return proc

    def run(self, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([*MOTCUA, *args], input=stdin, capture_output=True, text=True, timeout=60)

    def stop(self) -> None:
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT if name != "xvfb" else signal.SIGTERM)
        for _, proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for cleanup in reversed(self.cleanups):
            cleanup()

    def sim(self, device: str, extra: list[str]) -> dict | None:
        proc = self.spawn(f"sim-{device}", ["sim", device, "--tcp-port", "0", "--control-port", "0", *extra])
        line = _first_line(proc, '"device"', timeout=15)
        if not line:
            say(f"{device} simulator: not available (see {self.var / f'sim-{device}.log'}); continuing without it")
            return None
        info = json.loads(line)
        say(f"{device} simulator: pty {info['pty']}, control {info['control_url']}")
        return info


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_demo(args: Any) -> int:
    var = Path(args.var).resolve()
    var.mkdir(parents=True, exist_ok=True)
    demo = Demo(var)
    db = str(var / "motcua.sqlite")
    # SIGTERM (systemd, `kill`, a closed terminal) must stop the children as Ctrl-C does:
    # by default it ends this process at once and leaves every part running.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        return _run(demo, args, var, db)
    except KeyboardInterrupt:
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second signal must not cut the stop short
            signal.signal(signum, signal.SIG_IGN)
        say("stopping…")
        demo.stop()


TICKET_KIOSK = "kiosk-1"


def _run(demo: Demo, args: Any, var: Path, db: str) -> int:
    for name, role in USERS:
        r = demo.run(["user", "add", name, "--role", role, "--password-stdin", "--db", db], stdin=PASSWORD + "\n")
        if r.returncode != 0 and "exist" not in (r.stderr + r.stdout).lower():
            say(f"could not create user {name}: {r.stderr.strip()[-200:]}")
    # Each kiosk has its own key under a stable name (a re-run re-keys it): the dashboard shows one
    # row per kiosk, so the ticket kiosk's paper-out is never hidden behind the result kiosk's "ok",
    # and old runs leave no "silent device" rows behind.
    r = demo.run(["device", "add", TICKET_KIOSK, "--role", "kiosk", "--db", db])
    key = r.stdout.split()[0] if r.returncode == 0 and r.stdout.split() else ""
    if not key:
        say(f"could not create a kiosk device key: {r.stderr.strip()[-200:]}")
    # The result kiosk has its own key, named like its bank (a ticket kiosk's key opens no locker).
    r = demo.run(["device", "add", "result-1", "--role", "locker", "--db", db])
    result_key = r.stdout.split()[0] if r.returncode == 0 and r.stdout.split() else ""

    # A simulated month (issue 13): the stats page, exports and monthly report show real figures.
    month = subprocess.run([sys.executable, "-m", "bench.demo.month", "--db", db], capture_output=True, text=True,
                           timeout=120)
    history = month.stdout.strip() if month.returncode == 0 else ""
    if not history:
        say(f"simulated month not loaded: {month.stderr.strip()[-200:]}")

    province = None
    base = None
    if getattr(args, "province", False):  # a province (PostgreSQL) and a second site, both shipping
        from bench.demo.province import start_province
        province = start_province(demo, var, say)
        if province:
            base = province["configs"]["trung-tam"]
    # dossiers synced from the province's one-stop system (its simulator)
    from bench.demo.onestop import ready_examples, start_onestop
    site = start_onestop(demo, var, say, base) if base else start_onestop(demo, var, say)
    site = site or base
    config = ["--config", str(site)] if site else []
    server = demo.spawn("server", ["serve", *config, "--db", db, "--port", str(args.port), "--open-all-hours"])
    line = _first_line(server, "serving on", timeout=30)
    if not line and args.port:
        say(f"port {args.port} busy or server failed; trying any free port")
        server = demo.spawn("server", ["serve", *config, "--db", db, "--port", "0", "--open-all-hours"])
        line = _first_line(server, "serving on", timeout=30)
    if not line:
        say(f"the queue server did not start: see {var / 'server.log'}")
        return 1
    url = line.split()[-1]
    say(f"queue server: {url}  (API docs {url}/docs)")

    printer = demo.sim("printer", ["--out", str(var / "printer"), "--baud", "115200"])
    scanner = demo.sim("scanner", [])
    locker = demo.sim("locker", ["--boards", "0,1", "--state", str(var / "locker.json")])

    kiosk_toml = var / "kiosk.toml"
    kiosk_toml.write_text(
        f'[server]\nurl = "{url}"\ndevice_key = "{key}"\n\n[devices]\n'
        f'printer = "{printer["pty"] if printer else ""}"\nscanner = "{scanner["pty"] if scanner else ""}"\n\n'
        '[kiosk]\nrole = "ticket"\nlanguage = "vi"\nidle_timeout = 60\n\n'
        '[screen]\nwidth = 1280\nheight = 800\ndpi = 96\nfullscreen = false\n', encoding="utf-8")

    say("")
    # The web pages' demo accounts and device keys come from the server's own demo helper
    # (a subprocess: the kiosk package talks to the server package only over its interfaces).
    pages = subprocess.run([sys.executable, "-m", "bench.demo.accounts", "--db", db, "--base-url", url],
                           capture_output=True, text=True, timeout=60)
    if pages.returncode == 0 and pages.stdout.strip():
        for page_line in pages.stdout.strip().splitlines():
            say(page_line)
    else:
        say(f"Officer console  {url}/console     Hall display {url}/display")
        say(f"Dashboard        {url}/dashboard   Rating tablet {url}/rate/5")
        say(f"(demo page keys not created: {pages.stderr.strip()[-200:]})")
    if province:
        from bench.demo.province import start_second_site
        start_second_site(demo, var, province, say)
    say("Citizen's phone: the QR on every ticket opens its live page /t/<token>; waits are "
        "estimated once an officer signs in to a counter from the console")
    say(f"Book an appointment on a phone: {url}/book — then at the kiosk touch «Tôi đã đặt lịch hẹn» "
        "and type the 8-digit code (or scan the booking QR); within [slot − 30, slot + 15] min the ticket "
        "is ordered as if it arrived at the slot start")
    if history:
        say(f"Statistics       {url}/stats  (a simulated month: {history}; supervisor account)")
    say(f"Accounts: {', '.join(n for n, _ in USERS)} — password {PASSWORD}")
    if printer:
        say(f"Printed tickets (PNG + text): {var / 'printer'}")
    if scanner:
        say(f"Scan a chip-ID card of a 76-year-old: motcua sim scanner --control {scanner['control_url']} cccd --birth 1950-03-01")
        say(f"Scan a receipt:  motcua sim scanner --control {scanner['control_url']} scan 000.00.21.H29-230101-0001")
        say(f"Scan a booking:  motcua sim scanner --control {scanner['control_url']} scan {url}/book/<code>")
    if printer:
        say(f"Printer out of paper: motcua sim printer --control {printer['control_url']} fault paper_out")
    if site:
        examples = ready_examples(demo.province_url)
        if examples:
            say(f"Synced dossiers ready for a locker (status 9): {', '.join(examples)}")
        say(f"Province outage: curl -X POST {demo.province_url}/control/faults -d '{{\"down\": true}}' "
            f"(clear: {demo.province_url}/control/faults/clear); sync health on the dashboard")

    if args.no_kiosk:
        say("kiosk not started (--no-kiosk). Ctrl-C stops everything.")
        server.wait()
        return 0
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_HOME": str(var / "kivy")}
    if not env.get("DISPLAY"):
        from bench.kiosk import start_xvfb
        try:
            xvfb, env["DISPLAY"] = start_xvfb()
        except (OSError, RuntimeError) as exc:
            say(f"no display and no Xvfb ({exc}); the kiosk cannot start. Everything else runs; Ctrl-C to stop.")
            server.wait()
            return 0
        demo.procs.insert(0, ("xvfb", xvfb))
        shot = var / "kiosk-screen.png"
        env["MOTCUA_KIOSK_SCREENSHOT"] = str(shot)
        say(f"No display here: the kiosk runs on a virtual display {env['DISPLAY']};")
        say(f"its screen is saved every 2 s to {shot} — open it to see the kiosk.")
    kiosk = demo.spawn("kiosk", ["kiosk", "--config", str(kiosk_toml), "--windowed"], env=env)
    say(f"kiosk started (log {var / 'kiosk.log'}).")
    from bench.demo.result_kiosk import start_result_kiosk   # issue 6: result kiosk on the simulated locker bank
    start_result_kiosk(demo, var, url=url, key=result_key, locker=locker, env=env, username=USERS[0][0],
                       password=PASSWORD, tell=say)
    say("Ctrl-C stops everything.")
    while kiosk.poll() is None and server.poll() is None:
        time.sleep(0.5)
    if server.poll() is not None:
        say(f"the queue server stopped (see {var / 'server.log'})")
    if kiosk.poll() is not None:
        say(f"the kiosk stopped with code {kiosk.returncode} (see {var / 'kiosk.log'})")
    return 0
