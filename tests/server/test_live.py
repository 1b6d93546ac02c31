"""The real server process (uvicorn + SQLite file): concurrency, crash, CLI accounts."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
import time

import httpx

from bench.live_server import LiveServer

SERVICES = ["land", "civil", "business", "construction", "labour", "transport", "health", "tax", "education"]


def test_200_parallel_ticket_requests_get_200_distinct_numbers(live_server):
    async def burst():
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=live_server.base_url, limits=limits, timeout=60,
                                     headers=live_server.headers("kiosk")) as client:
            return await asyncio.gather(*[
                client.post("/api/v1/tickets", json={"service": "civil"}, headers={"Idempotency-Key": f"burst-{n}"})
                for n in range(200)])
    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [201] * 200
    numbers = {r.json()["number"] for r in responses}
    assert len(numbers) == 200 and {f"B{n:03d}" for n in range(1, 201)} == numbers


def test_crash_during_load_loses_and_duplicates_nothing(server_factory):
    live: LiveServer = server_factory()
    headers = live.headers("kiosk")
    acked: dict[str, dict] = {}       # idempotency key → ticket the client was told about
    sent: list[tuple[str, str]] = []  # every request attempted: (key, service)
    lock = threading.Lock()
    killed = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=live.base_url, headers=headers, timeout=10) as c:
            for i in range(10_000):
                if killed.is_set():
                    return
                key, service = f"c{n}-{i}", SERVICES[(n + i) % len(SERVICES)]
                with lock:
                    sent.append((key, service))
                try:
                    r = c.post("/api/v1/tickets", json={"service": service}, headers={"Idempotency-Key": key})
                except httpx.HTTPError:
                    return
                if r.status_code == 201:
                    with lock:
                        acked[key] = r.json()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 120 and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    assert len(acked) >= 120, "the server did not issue tickets under load"
    live.kill()  # SIGKILL in the middle of the load
    killed.set()
    for t in threads:
        t.join(30)

    live.start()  # same database file
    with httpx.Client(base_url=live.base_url, headers=headers, timeout=10) as c:
        for key, ticket in acked.items():  # nothing acknowledged is lost
            again = c.get(f"/api/v1/tickets/{ticket['id']}").json()
            assert (again["number"], again["service"]) == (ticket["number"], ticket["service"])
        # kiosks retry what they never got an answer for: same key → same ticket, never a second
        for key, service in sent:
            r = c.post("/api/v1/tickets", json={"service": service}, headers={"Idempotency-Key": key})
            assert r.status_code == 201
            if key in acked:
                assert r.json()["id"] == acked[key]["id"]
        last = c.post("/api/v1/tickets", json={"service": "land"}).status_code  # without a key: a new ticket
        assert last == 201
    db = sqlite3.connect(live.db_path)
    rows = db.execute("SELECT day, number, service, seq FROM tickets").fetchall()
    assert len(rows) == len(sent) + 1  # one ticket per attempted request, plus the last one
    assert len({(d, n) for d, n, _, _ in rows}) == len(rows)
    for service in SERVICES:  # numbering continues without a gap or a repeat
        seqs = sorted(s for _, _, svc, s in rows if svc == service)
        assert seqs == list(range(1, len(seqs) + 1))
    db.close()


def test_cli_accounts_login_and_device_key(live_server, tmp_path):
    motcua = [sys.executable, "-m", "queue_server.cli"]
    add = subprocess.run([*motcua, "user", "add", "chi", "--role", "supervisor", "--password-stdin",
                          "--db", str(live_server.db_path)], input="mật-khẩu-dài\n",
                         capture_output=True, text=True, timeout=60)
    assert add.returncode == 0, add.stderr
    r = httpx.post(live_server.base_url + "/api/v1/auth/login", json={"username": "chi", "password": "mật-khẩu-dài"})
    assert r.status_code == 200 and r.json()["role"] == "supervisor"
    dev = subprocess.run([*motcua, "device", "add", "hall-tv", "--role", "display", "--db", str(live_server.db_path)],
                         capture_output=True, text=True, timeout=60)
    key = dev.stdout.strip()
    assert dev.returncode == 0 and key.startswith("dk_") and "only once" in dev.stderr
    me = httpx.get(live_server.base_url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json() == {"kind": "device", "name": "hall-tv", "role": "display"}
    named = subprocess.run([*motcua, "user", "add", "lan5", "--role", "officer", "--password-stdin",
                            "--display-name", "Nguyễn Thị Lan", "--db", str(live_server.db_path)],
                           input="mật-khẩu-dài\n", capture_output=True, text=True, timeout=60)
    assert named.returncode == 0, named.stderr
    token = httpx.post(live_server.base_url + "/api/v1/auth/login",
                       json={"username": "lan5", "password": "mật-khẩu-dài"}).json()["token"]
    signed = httpx.post(live_server.base_url + "/api/v1/counters/13/sign-in",
                        headers={"Authorization": f"Bearer {token}"})
    assert signed.json()["officer"]["name"] == "Nguyễn Thị Lan"        # citizens read the name, not the login
    short = subprocess.run([*motcua, "user", "add", "x", "--role", "officer", "--password-stdin", "--db",
                            str(tmp_path / "q.sqlite")], input="short\n", capture_output=True, text=True, timeout=60)
    assert short.returncode == 2 and "at least 8" in short.stderr


def test_a_revoked_device_key_and_a_disabled_account_are_refused(live_server, tmp_path):
    """A stolen kiosk key and a departed officer's account are stopped from the command line,
    while the server runs: refused within the credential cache's 10 s, login at once."""
    import time
    motcua = [sys.executable, "-m", "queue_server.cli"]
    db = ["--db", str(live_server.db_path)]

    def cli(*args, stdin=None):
        return subprocess.run([*motcua, *args], input=stdin, capture_output=True, text=True, timeout=60)

    key = cli("device", "add", "kiosk-lobby", "--role", "kiosk", *db).stdout.strip()
    assert cli("user", "add", "lan", "--role", "officer", "--password-stdin", *db, stdin="mật-khẩu-dài\n").returncode == 0
    token = httpx.post(live_server.base_url + "/api/v1/auth/login",
                       json={"username": "lan", "password": "mật-khẩu-dài"}).json()["token"]

    def me(secret):
        return httpx.get(live_server.base_url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})

    assert me(key).status_code == 200 and me(token).status_code == 200
    revoked, disabled = cli("device", "revoke", "kiosk-lobby", *db), cli("user", "disable", "lan", *db)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert disabled.returncode == 0 and "disabled" in disabled.stdout
    login = httpx.post(live_server.base_url + "/api/v1/auth/login", json={"username": "lan", "password": "mật-khẩu-dài"})
    assert login.status_code == 401
    deadline = time.monotonic() + 12
    while (me(key).status_code, me(token).status_code) != (401, 401):
        assert time.monotonic() < deadline, "credentials still accepted 12 s after revoking"
        time.sleep(0.5)
    assert "no device named 'ghost'" in cli("device", "revoke", "ghost", *db).stderr
    missing = cli("user", "disable", "lan", "--db", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "no database" in missing.stderr


def test_websocket_on_the_real_server_announces_calls(live_server):
    import websockets.sync.client as wsc
    import json
    with wsc.connect(live_server.ws_url + "?types=ticket.called") as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        httpx.post(live_server.base_url + "/api/v1/tickets", json={"service": "construction"},
                   headers=live_server.headers("kiosk"))
        r = httpx.post(live_server.base_url + "/api/v1/counters/9/call-next", headers=live_server.headers("officer"))
        msg = json.loads(ws.recv(timeout=10))
        assert msg["type"] == "ticket.called" and msg["counter"] == "9"
        assert msg["ticket"]["number"] == r.json()["number"]
