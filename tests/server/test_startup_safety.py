"""`motcua serve` on a file that is not a healthy database: one clear line, exit 2, nothing touched.

Before, a zero-length file became a new empty database (a day's tickets gone
without a word), a damaged one was written on, and a directory or a foreign file
gave a traceback.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.live_server import LiveServer

MOTCUA = Path(sys.executable).parent / "motcua"


def serve(db: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(MOTCUA), "serve", "--db", str(db), "--port", "0"], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a digest of its bytes (a directory: '<dir>')."""
    out = {}
    for p in sorted(folder.rglob("*")):
        out[str(p.relative_to(folder))] = "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    """A database a real server wrote tickets into and shut down cleanly."""
    live = LiveServer(tmp_path_factory.mktemp("real")).start()
    for _ in range(30):
        assert httpx.post(live.base_url + "/api/v1/tickets", json={"service": "land"},
                          headers=live.headers("kiosk"), timeout=30).status_code == 201
    live.stop()
    return live.db_path


def damaged(real_db: Path, at: Path) -> Path:
    """The real database with garbage over a page of the tickets table (its header intact)."""
    shutil.copy(real_db, at)
    conn = sqlite3.connect(at)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tickets'").fetchone()[0]
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(at, "r+b") as f:
        f.seek((root - 1) * page)
        f.write(b"\xa5" * page)
    return at


@pytest.mark.parametrize("case", ["zero_length", "not_sqlite", "directory", "damaged_page", "truncated"])
def test_serve_refuses_a_bad_database_with_one_line_and_touches_nothing(tmp_path, real_db, case):
    folder = tmp_path / "var"
    folder.mkdir()
    db = folder / "motcua.sqlite"
    if case == "zero_length":
        db.write_bytes(b"")
        words = "is empty (0 bytes)"
    elif case == "not_sqlite":
        db.write_text("tickets,A001\n" * 100)
        words = "is not an SQLite database"
    elif case == "directory":
        db.mkdir()
        words = "is a directory"
    elif case == "damaged_page":
        damaged(real_db, db)
        words = "is damaged"
    else:
        data = real_db.read_bytes()
        db.write_bytes(data[:len(data) // 2])
        words = "is damaged"
    before = snapshot(folder)
    r = serve(db, tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "serving on" not in r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("motcua serve: database refused: ") and words in lines[0], lines
    assert snapshot(folder) == before  # no -wal, no -shm, no tables written into an empty file


def test_user_and_device_commands_refuse_it_too(tmp_path):
    db = tmp_path / "motcua.sqlite"
    db.write_bytes(b"")
    r = subprocess.run([str(MOTCUA), "device", "add", "kiosk-9", "--role", "kiosk", "--db", str(db)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "is empty (0 bytes)" in r.stderr and "Traceback" not in r.stderr
    assert db.stat().st_size == 0


def test_a_healthy_database_still_starts_also_after_a_crash(tmp_path):
    live = LiveServer(tmp_path / "crash").start()
    first = httpx.post(live.base_url + "/api/v1/tickets", json={"service": "land"}, headers=live.headers("kiosk"),
                       timeout=30).json()
    live.kill()  # SIGKILL: the WAL and its index are left beside the file
    assert Path(str(live.db_path) + "-wal").exists()
    live.start()
    try:
        again = httpx.get(f"{live.base_url}/api/v1/tickets/{first['id']}", headers=live.headers("officer"), timeout=30)
        assert again.status_code == 200 and again.json()["number"] == first["number"]
    finally:
        live.stop()
    # and a new path is still a new database
    r = subprocess.Popen([str(MOTCUA), "serve", "--db", str(tmp_path / "new" / "m.sqlite"), "--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert r.stdout.readline().startswith("motcua: serving on ")
    finally:
        r.terminate()
        r.wait(15)
    assert os.path.getsize(tmp_path / "new" / "m.sqlite") > 0


def test_a_port_out_of_range_is_one_line_not_a_traceback(tmp_path):
    r = subprocess.run([str(MOTCUA), "serve", "--db", str(tmp_path / "m.sqlite"), "--port", "99999999"],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "motcua serve: cannot listen on 127.0.0.1:99999999: bind(): port must be 0-65535."]
