"""`motcua demo`'s result kiosk: a second kiosk (role result) on the simulated locker bank.

Called by bench/demo/run.py once the server, the simulators and the ticket
kiosk run. It adds a dossier whose result is ready (to deposit at the kiosk in
staff mode), a printer and a scanner simulator of its own, and says where to look.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

KIOSK_ID = "result-1"     # the bank of config/site.toml


def sample_dossier(url: str, username: str, password: str) -> str:
    """A dossier at status 9 (result ready) so there is something to deposit; '' if the server refuses."""
    import httpx

    try:
        token = httpx.post(f"{url}/api/v1/auth/login", json={"username": username, "password": password},
                           timeout=10).json()["token"]
        code = f"000.00.21.H29-{datetime.now():%y%m%d}-0001"
        r = httpx.post(f"{url}/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                       json={"code": code, "procedure": "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
                             "applicant_name": "Nguyễn Văn An", "phone": "0912345678", "status": 9})
        return code if r.status_code in (201, 409) else ""
    except (httpx.HTTPError, KeyError, ValueError):
        return ""


def start_result_kiosk(demo: Any, var: Path, *, url: str, key: str, locker: dict | None, env: dict,
                       username: str, password: str, tell: Any) -> Any:
    """Start the result kiosk; returns its process (or None when there is no locker simulator)."""
    if not locker:
        tell("result kiosk: not started (no locker simulator)")
        return None
    printer = demo.sim("printer", ["--out", str(var / "printer-result"), "--baud", "115200"])
    scanner = demo.sim("scanner", [])
    toml = var / "kiosk-result.toml"
    toml.write_text(
        f'[server]\nurl = "{url}"\ndevice_key = "{key}"\n\n[devices]\n'
        f'printer = "{printer["pty"] if printer else ""}"\nscanner = "{scanner["pty"] if scanner else ""}"\n'
        f'locker = "{locker["pty"]}"\n\n'
        f'[kiosk]\nrole = "result"\nid = "{KIOSK_ID}"\nlanguage = "vi"\nidle_timeout = 90\n\n'
        '[screen]\nwidth = 1280\nheight = 800\ndpi = 96\nfullscreen = false\n', encoding="utf-8")
    env = dict(env)
    if env.get("MOTCUA_KIOSK_SCREENSHOT"):     # no real display: the ticket kiosk's virtual one, its own picture
        env["MOTCUA_KIOSK_SCREENSHOT"] = str(var / "kiosk-result-screen.png")
    proc = demo.spawn("kiosk-result", ["kiosk", "--config", str(toml), "--windowed"], env=env)
    time.sleep(0.2)
    code = sample_dossier(url, username, password)
    tell("")
    tell(f"Result kiosk (lockers {KIOSK_ID}, log {var / 'kiosk-result.log'}):")
    if env.get("MOTCUA_KIOSK_SCREENSHOT"):
        tell(f"  its screen is saved every 2 s to {env['MOTCUA_KIOSK_SCREENSHOT']} (virtual display {env['DISPLAY']})")
    else:
        tell("  its window is the second kiosk window on your display")
    tell(f"  staff: tap 'Cán bộ', sign in as {username} / {password}, then scan or type the dossier code")
    if code and scanner:
        tell(f"  deposit: motcua sim scanner --control {scanner['control_url']} scan {code}")
    tell(f"  the officer puts the result in and closes the door: motcua sim locker --control {locker['control_url']} "
        "put-item --board 0 --lock 0   then   close-door --board 0 --lock 0")
    tell(f"  the applicant's pickup code (file outbox): {var / 'outbox'}")
    tell("  citizen: scan the same code, type the 6 digits; take-item + close-door on the simulator → collected")
    if printer:
        tell(f"  pickup slips (PNG + text): {var / 'printer-result'}")
    return proc
