"""`motcua bench reliability`: schemathesis figures and a crash matrix, written to docs/reliability.md
(whose soak section is `motcua bench soak`'s, bench/soak.py).

Crash matrix: for each state change (issue, call, start, finish, transfer, deposit, pickup),
a real server runs that change from four client threads; once some have been
answered it is SIGKILLed mid-load, restarted on the same file, and then
- every change the server had answered 2xx must be there (nothing acknowledged is lost),
- `motcua check --db` must pass (numbering, states vs events, lockers, logs).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.live_server import LiveServer

OPERATIONS = ("issue", "call", "start", "finish", "transfer", "deposit", "pickup")
THREADS = 4
KILL_AFTER_ACKS = 15
# A result kiosk takes 10 code attempts a minute ([lockers] kiosk_tries_per_minute): fewer pickups.
KILL_AFTER = {"pickup": 4}
PARCELS = 10
DOC = Path(__file__).resolve().parents[1] / "docs" / "reliability.md"
MOTCUA = [sys.executable, "-c", "import sys; from queue_server.cli import main; sys.exit(main())"]


class Round:
    """One server, one kind of change under load, one SIGKILL."""

    def __init__(self, workdir: Path, op: str, seed: int):
        self.live, self.op, self.rng = LiveServer(workdir).start(), op, random.Random(seed)
        self.acked: list[dict[str, Any]] = []  # what the server answered 2xx: must survive
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.errors = 0

    def client(self, who: str) -> httpx.Client:
        return httpx.Client(base_url=self.live.base_url, headers=self.live.headers(who), timeout=10)

    def ack(self, what: dict[str, Any]) -> None:
        with self.lock:
            self.acked.append(what)

    # -- preparation and load, per operation ------------------------------------------------
    def prepare(self) -> list[Any]:
        kiosk, staff = self.client("bank"), self.client("officer")   # result-1: a kiosk with a locker bank
        if self.op in ("call", "transfer"):
            for _ in range(400 if self.op == "call" else 200):
                kiosk.post("/api/v1/tickets", json={"service": "land"})
        if self.op == "transfer":
            return [t["id"] for t in staff.get("/api/v1/tickets", params={"state": "waiting"}).json()]
        if self.op in ("start", "finish"):
            for _ in range(300):
                kiosk.post("/api/v1/tickets", json={"service": "land"})
        if self.op in ("deposit", "pickup"):
            codes = [staff.post("/api/v1/dossiers", json={"applicant_name": f"Người Nhận {n}",
                                                          "procedure": "Cấp giấy phép"}).json()["code"]
                     for n in range(32 if self.op == "deposit" else PARCELS)]
            if self.op == "deposit":
                return codes
            for code in codes:
                self._deposit(kiosk, staff, code)
            self.client("supervisor").post("/api/v1/notices/run")  # the pickup codes go out now
            return self._pickup_codes(codes)
        return []

    def _deposit(self, kiosk: httpx.Client, staff: httpx.Client, code: str) -> dict[str, Any] | None:
        p = staff.post("/api/v1/lockers/result-1/deposits", json={"dossier": code, "size": "S"})
        if p.status_code != 201:
            return None
        p = p.json()
        report = f"/api/v1/lockers/result-1/compartments/{p['compartment']}/report"
        kiosk.post(report, json={"event": "open_confirmed", "parcel_id": p["id"], "door_open": True, "item": False})
        r = kiosk.post(report, json={"event": "closed", "parcel_id": p["id"], "door_open": False, "item": True})
        return p if r.status_code == 200 and r.json()["result"] == "ready" else None

    def _pickup_codes(self, dossiers: list[str]) -> list[tuple[str, str]]:
        """(dossier, code) as the citizens received them (the file channel's outbox)."""
        found = {}
        for f in sorted((self.live.db_path.parent / "outbox").glob("*.json")):
            text = json.loads(f.read_text(encoding="utf-8")).get("text", "")
            code = re.search(r"Mã nhận: (\d{6})", text)
            for d in dossiers:
                if d in text and code:
                    found[d] = code.group(1)
        return sorted(found.items())

    def work(self, n: int, items: list[Any]) -> None:
        kiosk, staff = self.client("bank"), self.client("officer")   # result-1: a kiosk with a locker bank
        counter = str(n + 2)  # 2..5: counters that serve land (and civil) tickets
        mine = items[n::THREADS]
        while not self.stop.is_set():
            try:
                if not self._step(kiosk, staff, counter, mine):
                    return
            except httpx.HTTPError:
                self.errors += 1  # the server died under us: expected once
                return

    def _step(self, kiosk: httpx.Client, staff: httpx.Client, counter: str, mine: list[Any]) -> bool:
        op = self.op
        if op == "issue":
            key = str(uuid.uuid4())
            r = kiosk.post("/api/v1/tickets", json={"service": "land"}, headers={"Idempotency-Key": key})
            if r.status_code == 201:
                self.ack({"id": r.json()["id"], "number": r.json()["number"], "want": ("waiting",)})
            return True
        if op == "call":
            r = staff.post(f"/api/v1/counters/{counter}/call-next", json={})
            if r.status_code == 200:
                self.ack({"id": r.json()["id"], "want": ("called", "done")})
            return r.status_code == 200  # 204: nobody left to call
        if op in ("start", "finish"):
            r = staff.post(f"/api/v1/counters/{counter}/call-next", json={})
            if r.status_code != 200:
                return False
            tid = r.json()["id"]
            if staff.post(f"/api/v1/tickets/{tid}/start").status_code == 200:
                self.ack({"id": tid, "want": ("serving", "done")})
            if op == "finish" and staff.post(f"/api/v1/tickets/{tid}/finish").status_code == 200:
                self.ack({"id": tid, "want": ("done",)})
            return True
        if op == "transfer":
            if not mine:
                return False
            tid = mine.pop()
            r = staff.post(f"/api/v1/tickets/{tid}/transfer", json={"service": "civil"})
            if r.status_code == 200:
                self.ack({"id": tid, "want": ("transferred",)})
                self.ack({"id": r.json()["id"], "want": ("waiting",)})
            return True
        if op == "deposit":
            if not mine:
                return False
            code = mine.pop()
            p = self._deposit(kiosk, staff, code)
            if p:
                self.ack({"parcel": p["id"], "dossier": code, "want": ("ready",)})
            return True
        if op == "pickup":
            if not mine:
                return False
            dossier, code = mine.pop()
            v = kiosk.post("/api/v1/lockers/result-1/pickup/verify", json={"dossier": dossier, "code": code})
            if v.status_code != 200:
                return True
            p = v.json()
            report = f"/api/v1/lockers/result-1/compartments/{p['compartment']}/report"
            kiosk.post(report, json={"event": "open_confirmed", "parcel_id": p["id"], "door_open": True, "item": True})
            r = kiosk.post(report, json={"event": "closed", "parcel_id": p["id"], "door_open": False, "item": False})
            if r.status_code == 200 and r.json()["result"] == "collected":
                self.ack({"parcel": p["id"], "dossier": dossier, "want": ("collected",)})
            return True
        raise ValueError(op)

    # -- the crash ---------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        items = self.prepare()
        threads = [threading.Thread(target=self.work, args=(n, items), daemon=True) for n in range(THREADS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        enough = KILL_AFTER.get(self.op, KILL_AFTER_ACKS)
        while len(self.acked) < enough and time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        time.sleep(self.rng.uniform(0, 0.05))
        self.live.kill()  # SIGKILL, requests in flight
        acked_at_kill = list(self.acked)
        self.stop.set()
        for t in threads:
            t.join(15)
        self.live.start()
        try:
            lost = self.verify(acked_at_kill)
        finally:
            self.live.stop()
        check = subprocess.run([*MOTCUA, "check", "--db", str(self.live.db_path), "--json"],
                               capture_output=True, text=True, timeout=120)
        report = json.loads(check.stdout) if check.stdout.strip() else {"invariants": {}}
        broken = [name for name, problems in report["invariants"].items() if problems]
        return {"op": self.op, "acked": len(acked_at_kill), "lost": lost, "check_exit": check.returncode,
                "broken": broken}

    def verify(self, acked: list[dict[str, Any]]) -> list[str]:
        staff, lost = self.client("supervisor"), []
        for a in acked:
            if "parcel" in a:
                rows = staff.get("/api/v1/lockers/parcels", params={"dossier": a["dossier"]}).json()
                if not any(p["id"] == a["parcel"] and p["state"] in a["want"] for p in rows):
                    lost.append(f"parcel {a['parcel']} acknowledged {a['want'][0]}")
                continue
            r = staff.get(f"/api/v1/tickets/{a['id']}")
            state = r.json().get("state") if r.status_code == 200 else None
            if state not in a["want"] and not (a["want"] == ("waiting",) and state in ("called",)):
                lost.append(f"ticket {a['id']}: acknowledged {a['want'][0]}, found {state}")
            elif "number" in a and r.json()["number"] != a["number"]:
                lost.append(f"ticket {a['id']}: number changed")
        return lost


def crash_matrix(rounds: int, seed: int = 11) -> list[dict[str, Any]]:
    out = []
    with tempfile.TemporaryDirectory(prefix="motcua-crash-") as tmp:
        for op in OPERATIONS:
            for n in range(rounds):
                out.append(Round(Path(tmp) / f"{op}{n}", op, seed + n).run())
    return out


def write_doc(fuzzed: dict[str, Any], matrix: list[dict[str, Any]], path: Path = DOC) -> None:
    lines = ["# Reliability", "",
             "Written by `motcua bench reliability` (bench/reliability.py). Re-run it to refresh.", "",
             "## Schemathesis over the whole OpenAPI", "",
             f"{fuzzed['operations']} operations × {len(fuzzed['callers'])} callers "
             f"({', '.join(fuzzed['callers'])}), {fuzzed['max_examples']} generated examples each: "
             f"**{fuzzed['requests']} requests in {fuzzed['seconds']} s, "
             f"{len(fuzzed['server_errors'])} server errors (5xx)**.", "",
             "| status | responses |", "|---|---|",
             *[f"| {status} | {n} |" for status, n in fuzzed["statuses"].items()], "",
             f"Statuses returned but not declared in the OpenAPI document: "
             f"{len(fuzzed['undocumented_statuses'])} (operation, status) pairs"
             + (f": {fuzzed['undocumented_statuses'][:10]}" if fuzzed["undocumented_statuses"] else "") + ".", "",
             "## Crash matrix", "",
             f"A real server under {THREADS} client threads doing one kind of change is SIGKILLed once "
             f"{KILL_AFTER_ACKS}+ changes were answered (pickups: {KILL_AFTER['pickup']}+), restarted on the same file, then every change "
             "answered 2xx before the kill is looked up and `motcua check` audits the database.", "",
             "| change | rounds | answered before the kill | lost after restart | `motcua check` |",
             "|---|---|---|---|---|"]
    for op in OPERATIONS:
        rows = [r for r in matrix if r["op"] == op]
        checks = "pass" if all(r["check_exit"] == 0 for r in rows) else \
            "FAIL: " + ", ".join(sorted({b for r in rows for b in r["broken"]}))
        lines.append(f"| {op} | {len(rows)} | {sum(r['acked'] for r in rows)} | "
                     f"{sum(len(r['lost']) for r in rows)} | {checks} |")
    lines += ["", f"Pickups are killed after {KILL_AFTER['pickup']} answers: a result kiosk takes 10 code "
              "attempts a minute."]
    # the soak's section is `motcua bench soak`'s (bench/soak.py): kept as it is
    soak = path.read_text(encoding="utf-8").partition("\n## Soak")[1:] if path.exists() else ("", "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" + "".join(soak), encoding="utf-8")


def run_bench(args: argparse.Namespace) -> int:
    from bench.fuzz import fuzz
    with tempfile.TemporaryDirectory(prefix="motcua-fuzz-") as tmp:
        live = LiveServer(Path(tmp)).start()
        try:
            fuzzed = fuzz(live, max_examples=args.examples)
        finally:
            live.stop()
    matrix = crash_matrix(args.rounds)
    write_doc(fuzzed, matrix, Path(args.out))
    summary = {"fuzz": {k: v for k, v in fuzzed.items() if k != "undocumented_statuses"},
               "crash_matrix": matrix, "doc": str(args.out)}
    print(json.dumps(summary, ensure_ascii=False))
    failed = fuzzed["server_errors"] or any(r["lost"] or r["check_exit"] for r in matrix)
    return 1 if failed else 0


def register(bench: argparse._SubParsersAction) -> None:
    p = bench.add_parser("reliability", help="schemathesis + SIGKILL crash matrix → docs/reliability.md (JSON)")
    p.add_argument("--examples", type=int, default=8, help="schemathesis examples per operation and caller")
    p.add_argument("--rounds", type=int, default=2, help="crashes per kind of change")
    p.add_argument("--out", default=str(DOC), help="the Markdown report")
    p.set_defaults(func=run_bench)
