"""The store's one writer path: WAL, rollback, group commit that isolates a refused job."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from queue_server.hall.tickets.schema import migrations
from queue_server import store as store_module
from queue_server.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "q.sqlite", [migrations], background_checkpoint=True)
    s.db.execute("CREATE TABLE notes (n INTEGER PRIMARY KEY)")
    seen: list[tuple[str, dict]] = []
    s.listeners.append(lambda type_, payload: seen.append((type_, payload)))
    s.seen = seen
    yield s
    s.close()


def test_commits_are_synced_to_disk_unless_asked_otherwise(tmp_path):
    """synchronous=FULL by default: a ticket answered (and printed) survives a power cut."""
    durable = Store(tmp_path / "a.sqlite", [migrations])
    fast = Store(tmp_path / "b.sqlite", [migrations], durable=False)
    assert durable.one("PRAGMA synchronous")["synchronous"] == 2  # FULL
    assert fast.one("PRAGMA synchronous")["synchronous"] == 1  # NORMAL
    durable.close(), fast.close()


def test_wal_mode_and_migrations_recorded(store):
    assert store.one("PRAGMA journal_mode")["journal_mode"] == "wal"
    names = [r["name"] for r in store.query("SELECT name FROM _sqlite_migrations WHERE migration_set = 'queue_server'")]
    assert names[:2] == ["m001_core", "m002_queue_index"]


def test_a_failed_write_leaves_nothing_and_announces_nothing(store):
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.execute("INSERT INTO notes VALUES (1)")
            tx.emit("note.added", n=1)
            raise RuntimeError("printer on fire")
    assert store.query("SELECT * FROM notes") == [] and store.seen == []
    with store.write() as tx:
        tx.execute("INSERT INTO notes VALUES (2)")
        with store.write() as inner:  # nested: same transaction
            inner.execute("INSERT INTO notes VALUES (3)")
        tx.emit("note.added", n=2)
    assert [r["n"] for r in store.query("SELECT n FROM notes")] == [2, 3] and store.seen == [("note.added", {"n": 2})]


def test_group_commit_isolates_a_refused_job(store):
    def job(n):
        def run():
            with store.write() as tx:
                tx.execute("INSERT INTO notes VALUES (?)", (n,))
                tx.emit("note.added", n=n)
                if n % 3 == 0:
                    raise ValueError(f"refused {n}")
            return n
        return run
    futures = [store.submit(job(n)) for n in range(1, 61)]
    results = []
    for f in futures:
        try:
            results.append(f.result(10))
        except ValueError:
            results.append(None)
    kept = [r["n"] for r in store.query("SELECT n FROM notes ORDER BY n")]
    assert kept == [n for n in range(1, 61) if n % 3] == [r for r in results if r]
    assert sorted(p["n"] for _, p in store.seen) == kept


def test_another_process_writes_wait_for_the_writer(store, tmp_path):
    other = sqlite3.connect(store.path, timeout=10, isolation_level=None, check_same_thread=False)
    with store.write() as tx:
        tx.execute("INSERT INTO notes VALUES (1)")
        done = threading.Event()

        def write_elsewhere():
            other.execute("INSERT INTO notes VALUES (2)")  # waits on the lock, then succeeds
            done.set()
        t = threading.Thread(target=write_elsewhere)
        t.start()
        assert not done.wait(0.3)
    t.join(10)
    assert done.is_set() and [r["n"] for r in store.query("SELECT n FROM notes ORDER BY n")] == [1, 2]
    other.close()


def test_an_older_database_gets_its_waiting_counts_when_migrated(tmp_path):
    """m004 adds the trigger-kept waiting counts: a database made before it (tickets of two days,
    some waiting, some called) starts with the true counts and keeps them from then on."""
    from sqlite_utils import Database
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(old), stop_before="m004_waiting_counts")
    for n, (day, state) in enumerate([("2026-11-22", "waiting"), ("2026-11-23", "waiting"),
                                      ("2026-11-23", "called"), ("2026-11-23", "waiting")], start=1):
        old.execute("INSERT INTO day_sequences (day, service, last_seq) VALUES (?, 'land', 1) "
                    "ON CONFLICT(day, service) DO UPDATE SET last_seq = last_seq + 1", (day,))
        old.execute("INSERT INTO tickets (day, service, seq, number, state, issued_ts, arrived_ts) "
                    "VALUES (?, 'land', ?, ?, ?, 0, 0)", (day, n, f"A{n:03d}", state))
    old.close()
    store = Store(path, [migrations])
    counts = {r["day"]: (r["last_seq"], r["waiting"]) for r in store.query("SELECT * FROM day_sequences")}
    assert counts == {"2026-11-22": (1, 1), "2026-11-23": (3, 2)}
    with store.write() as tx:
        tx.execute("UPDATE tickets SET state = 'cancelled' WHERE day = '2026-11-23' AND state = 'waiting'")
    assert store.one("SELECT waiting FROM day_sequences WHERE day = '2026-11-23'")["waiting"] == 0
    store.close()


def test_rebuilding_tickets_for_one_unique_index_keeps_every_row_and_link(tmp_path):
    """m005 rebuilds `tickets` without the redundant UNIQUE (day, service, seq): every row,
    event, idempotency key and transfer link survives, ids keep counting from the old high
    mark, a number still cannot repeat in a day, and the waiting counts stay kept."""
    from sqlite_utils import Database
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA foreign_keys=ON")
    migrations.apply(Database(old), stop_before="m005_tickets_one_unique_number")
    for n in range(1, 6):
        old.execute("INSERT INTO day_sequences (day, service, last_seq) VALUES ('2026-11-23', 'land', 1) "
                    "ON CONFLICT(day, service) DO UPDATE SET last_seq = last_seq + 1")
        old.execute("INSERT INTO tickets (day, service, seq, number, issued_ts, arrived_ts, transferred_from) "
                    "VALUES ('2026-11-23', 'land', ?, ?, ?, ?, ?)", (n, f"A{n:03d}", n, n, n - 1 if n > 1 else None))
        old.execute("INSERT INTO ticket_events (ticket_id, ts, type) VALUES (?, ?, 'issued')", (n, n))
        old.execute("INSERT INTO idempotency VALUES ('device:k', ?, 'h', ?, ?)", (f"key{n}", n, n))
    old.execute("UPDATE tickets SET state = 'transferred', transferred_to = id + 1 WHERE id < 5")
    old.execute("UPDATE sqlite_sequence SET seq = 40 WHERE name = 'tickets'")  # e.g. rows 6..40 once existed
    before = {t: old.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
              for t in ("tickets", "ticket_events", "idempotency", "day_sequences")}
    old.close()
    store = Store(path, [migrations])
    after = {t: [tuple(r.values()) for r in store.query(f"SELECT * FROM {t} ORDER BY 1")] for t in before}
    assert after == before
    uniques = [r["name"] for r in store.query("PRAGMA index_list(tickets)") if r["unique"]]
    assert len(uniques) == 1
    assert store.one("PRAGMA integrity_check")["integrity_check"] == "ok"
    assert store.query("PRAGMA foreign_key_check") == []
    with pytest.raises(sqlite3.IntegrityError):  # an issued number still cannot repeat in a day
        with store.write() as tx:   # (m010: only a transfer's continuation repeats its number)
            tx.execute("INSERT INTO tickets (day, service, seq, number, issued_ts, arrived_ts) "
                       "VALUES ('2026-11-23', 'land', 99, 'A001', 0, 0)")
    with pytest.raises(sqlite3.IntegrityError):  # links are still checked
        with store.write() as tx:
            tx.execute("UPDATE tickets SET transferred_to = 999 WHERE id = 5")
    with store.write() as tx:
        new_id = tx.execute("INSERT INTO tickets (day, service, seq, number, issued_ts, arrived_ts) "
                            "VALUES ('2026-11-23', 'land', 6, 'A006', 6, 6)").lastrowid
        tx.execute("UPDATE tickets SET state = 'cancelled' WHERE id = 5")
    assert new_id == 41
    assert store.one("SELECT waiting FROM day_sequences")["waiting"] == 0  # A005 left the queue (trigger)
    store.close()


def test_lazy_events_are_built_after_commit_and_only_for_an_audience(store):
    """Ticket events are rendered only when someone listens, and only once committed;
    a rolled-back change publishes nothing."""
    built, got = [], []
    store.listeners.append(lambda type_, payload: got.append((type_, payload)))
    listening = False
    store.audience = lambda: listening

    def change(n: int, fail: bool = False) -> None:
        with store.write() as tx:
            tx.emit_lazy("x.changed", lambda: built.append(n) or {"n": n})
            assert n not in built  # nothing is built inside the transaction
            if fail:
                raise RuntimeError("refused")

    change(1)
    assert built == [] and got == []  # no audience: dropped unbuilt
    listening = True
    change(2)
    with pytest.raises(RuntimeError):
        change(3, fail=True)
    assert built == [2] and got == [("x.changed", {"n": 2})]


def test_the_wal_starts_over_under_sustained_writes(tmp_path, monkeypatch):
    """Writes that never pause (a flood of kiosks) must not grow the WAL file without
    bound: the checkpointer lets the WAL start over past WAL_RESET_FRAMES."""
    monkeypatch.setattr(store_module, "WAL_RESET_FRAMES", 64)  # 256 KB instead of 64 MB
    s = Store(tmp_path / "q.sqlite", [migrations], background_checkpoint=True)
    try:
        s.db.execute("CREATE TABLE notes (n INTEGER PRIMARY KEY, text TEXT)")
        wal = tmp_path / "q.sqlite-wal"
        sizes, deadline, n = [], time.monotonic() + 3.5, 0
        while time.monotonic() < deadline:
            with s.write() as tx:  # one page of new rows per commit, no pause
                tx.execute("INSERT INTO notes (text) VALUES (?)", ("x" * 3000,))
            n += 1
            time.sleep(0.0002)  # a request's worth of other work between commits
            if n % 50 == 0:
                sizes.append(wal.stat().st_size)
        assert s.one("SELECT COUNT(*) AS c FROM notes")["c"] == n  # nothing lost meanwhile
        # checkpoint rounds passed: the file was given back (it shrank), not only grown
        assert any(b < a for a, b in zip(sizes, sizes[1:])), (n, sizes[-5:])
        assert min(sizes[len(sizes) // 2:]) < 4_000_000, (n, sizes[-5:])
    finally:
        s.close()


def test_a_refused_job_in_a_loop_batch_fails_alone_and_nothing_is_doubled(store):
    """`run()` batches the writes of one event-loop turn optimistically (no savepoints): a
    refused job rolls the batch back and the batch runs again isolated — nothing twice."""
    import asyncio

    def job(n):
        def run():
            with store.write() as tx:
                tx.execute("INSERT INTO notes VALUES (?)", (n,))
                tx.emit("note.added", n=n)
                if n in (7, 19):
                    raise ValueError(f"refused {n}")
            return n
        return run

    async def main():
        return await asyncio.gather(*(store.run(job(n)) for n in range(1, 31)), return_exceptions=True)

    results = asyncio.run(main())
    kept = [r["n"] for r in store.query("SELECT n FROM notes ORDER BY n")]
    assert kept == [n for n in range(1, 31) if n not in (7, 19)]
    assert [r for r in results if not isinstance(r, Exception)] == kept
    assert [str(r) for r in results if isinstance(r, Exception)] == ["refused 7", "refused 19"]
    assert [p["n"] for _, p in store.seen] == kept  # each kept change announced once, in order


def test_a_finished_threads_connection_is_closed_not_kept(store):
    """Worker threads come and go (the thread pool retires idle ones): each used to leave its
    SQLite connection, page cache and all, open for the life of the server."""
    def read() -> None:
        store.db.execute("SELECT count(*) FROM tickets").fetchone()
    for _ in range(10):
        t = threading.Thread(target=read)
        t.start()
        t.join()
        # each new thread's connection sweeps up the ones whose threads ended
        dead = [c for c, owner in store._owners.items() if not owner.is_alive()]
        assert len(dead) <= 1   # only the thread that just ended, until the next one connects
    assert len(store._conns) <= 3   # the store's own thread, the checkpointer, the last one


def test_auth_answers_are_cached_once_per_secret_not_once_per_time_bucket(tmp_path):
    from queue_server.app import MIGRATIONS
    from queue_server.auth.accounts import CACHE_SECONDS, add_device, lookup
    s = Store(tmp_path / "auth.sqlite", MIGRATIONS)
    try:
        key = add_device(s, "kiosk-a", "kiosk")
        for n in range(50):  # 50 cache periods: a long day of one kiosk
            assert lookup(s, key, 1_800_000_000 + n * CACHE_SECONDS)["role"] == "kiosk"
        assert sum(1 for k in s.memo._values if k[0] == "auth") == 1
    finally:
        s.close()
