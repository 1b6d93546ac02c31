"""`motcua check --db FILE`: 0 on a database a real server wrote; 1 naming each broken invariant."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.live_server import LiveServer

MOTCUA = Path(sys.executable).parent / "motcua"


def check(db: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(MOTCUA), "check", "--db", str(db), *extra], capture_output=True, text=True,
                          timeout=120)


def day_of_work(live: LiveServer) -> None:
    """Tickets in every state, a transfer, dossiers, a parcel deposited in a locker."""
    kiosk, officer, bank = live.headers("kiosk"), live.headers("officer"), live.headers("bank")
    post = lambda path, who=officer, **kw: httpx.post(live.base_url + path, headers=who, timeout=30, **kw)  # noqa: E731
    ids = [post("/api/v1/tickets", kiosk, json={"service": s}).json()["id"] for s in ["land"] * 6 + ["civil"] * 3]
    called = [post("/api/v1/counters/1/call-next", json={}).json()["id"] for _ in range(5)]
    post(f"/api/v1/tickets/{called[0]}/start")
    post(f"/api/v1/tickets/{called[0]}/finish")
    post(f"/api/v1/tickets/{called[1]}/no-show")
    post(f"/api/v1/tickets/{called[2]}/transfer", json={"service": "civil"})
    post(f"/api/v1/tickets/{called[3]}/recall")
    post(f"/api/v1/tickets/{ids[-1]}/cancel", json={"reason": "left"})
    code = post("/api/v1/dossiers", json={"applicant_name": "Nguyễn Văn An", "phone": "0912345678"}).json()["code"]
    post("/api/v1/dossiers", json={"code": code[:-4] + "0042", "applicant_name": "Trần Thị Bích"})
    p = post("/api/v1/lockers/result-1/deposits", json={"dossier": code, "size": "S"}).json()
    report = f"/api/v1/lockers/result-1/compartments/{p['compartment']}/report"
    assert post(report, bank, json={"event": "open_confirmed", "parcel_id": p["id"], "door_open": True,
                                     "item": False}).status_code == 200
    assert post(report, bank, json={"event": "closed", "parcel_id": p["id"], "door_open": False,
                                     "item": True}).json()["result"] == "ready"


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> Path:
    live = LiveServer(tmp_path_factory.mktemp("check")).start()
    try:
        day_of_work(live)
    finally:
        live.stop()
    return live.db_path


def test_a_database_a_real_server_wrote_passes_and_is_not_changed(healthy):
    before = hashlib.sha256(healthy.read_bytes()).hexdigest()
    r = check(healthy)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "BROKEN" not in r.stdout
    for name in ("database_intact", "unique_numbers", "sequences_ahead", "states_match_events",
                 "append_only_logs", "lockers_consistent"):
        assert f"ok      {name}" in r.stdout
    assert hashlib.sha256(healthy.read_bytes()).hexdigest() == before


BREAKS = {
    "sequences_ahead": "UPDATE day_sequences SET last_seq = 1",
    "waiting_counts": "UPDATE day_sequences SET waiting = waiting + 3",
    "states_match_events": "UPDATE tickets SET state = 'done', finished_ts = issued_ts "
                           "WHERE id = (SELECT MIN(id) FROM tickets WHERE state = 'waiting')",
    "append_only_logs": "DROP TRIGGER ticket_events_no_delete; DELETE FROM ticket_events WHERE type = 'recalled'",
    "references": "INSERT INTO ticket_events (ticket_id, ts, type) VALUES (99999, 0, 'called')",
    "lockers_consistent": "UPDATE locker_parcels SET state = 'collected'",
    "dossier_numbers": "UPDATE dossier_sequences SET last_seq = 0",
    "unique_numbers": """CREATE TABLE loose AS SELECT * FROM tickets; DROP TABLE tickets;
                         ALTER TABLE loose RENAME TO tickets;
                         UPDATE tickets SET number = 'A001' WHERE number = 'A002'""",
}


@pytest.mark.parametrize("invariant", list(BREAKS))
def test_each_broken_invariant_is_named_with_exit_1(healthy, tmp_path, invariant):
    db = tmp_path / "broken.sqlite"
    shutil.copy(healthy, db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.executescript(BREAKS[invariant])
    conn.close()
    r = check(db)
    assert r.returncode == 1, r.stdout
    assert f"BROKEN  {invariant}:" in r.stdout and invariant in r.stderr
    others = [line.split()[1].rstrip(":") for line in r.stdout.splitlines() if line.startswith("BROKEN")]
    assert others[0] == invariant or invariant in others
    js = check(db, "--json")
    assert js.returncode == 1 and f'"{invariant}": ["' in js.stdout


@pytest.mark.parametrize("content", [b"", b"not a database at all\n" * 50])
def test_a_file_that_is_not_a_sound_database_fails_database_intact(tmp_path, content):
    db = tmp_path / "x.sqlite"
    db.write_bytes(content)
    r = check(db)
    assert r.returncode == 1 and "BROKEN  database_intact" in r.stdout and "Traceback" not in r.stderr
