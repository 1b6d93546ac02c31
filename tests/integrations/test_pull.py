"""The pull adapter against the province simulator (a real `motcua sim onestop` process), fault by fault.

After every fault the synced copy must equal the province's: same dossiers, same status,
same status time; the cursor moves only with committed pages.
"""
from __future__ import annotations

import json
import time

import pytest

from bench.onestop_sim import start_onestop
from queue_server.app import MIGRATIONS
from queue_server.clock import VN, iso_local, utc_now
from queue_server.config import Integrations
from queue_server.results.integrations.sources import SourceError
from queue_server.results.integrations.worker import Puller, Worker
from queue_server.store import Store


@pytest.fixture(scope="module")
def sim():
    with start_onestop(per_day=0, seed=11) as s:
        yield s


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "sync.sqlite", MIGRATIONS)
    yield s
    s.close()


def puller(store, url, **cfg) -> Puller:
    return Puller(store, Integrations(source=url, **{"page_size": 200, "timeout_seconds": 5, **cfg}), VN, utc_now)


def drain(p: Puller, max_errors: int = 0) -> dict:
    """Poll until caught up; returns totals (errors counted, at most max_errors tolerated)."""
    total = {"applied": 0, "unchanged": 0, "stale": 0, "rejected": 0, "errors": 0, "polls": 0}
    while True:
        try:
            done = p.poll_once()
        except SourceError:
            total["errors"] += 1
            assert total["errors"] <= max_errors, "too many source errors"
            p.failed("test")
            continue
        total["polls"] += 1
        for k in ("applied", "unchanged", "stale", "rejected"):
            total[k] += done[k]
        if not done["has_more"]:
            return total


def synced(store) -> dict[str, tuple[int, str]]:
    return {r["code"]: (r["status"], iso_local(r["status_ts"], VN)) for r in store.query(
        "SELECT code, status, status_ts FROM dossiers")}


def test_catches_up_a_day_in_order_then_only_new_changes(sim, store):
    sim.control("generate", count=400, hours_back=24)
    p = puller(store, sim.source_url)
    t0 = time.perf_counter()
    first = drain(p)
    elapsed = time.perf_counter() - t0
    truth = sim.statuses()
    assert len(truth) >= 400 and synced(store) == truth
    assert first["polls"] >= 5 and first["rejected"] == 0           # several pages, back to back
    print(f"\ncatch-up: {first['applied'] + first['unchanged']} changes in {elapsed:.2f}s "
          f"({(first['applied'] + first['unchanged']) / elapsed:.0f} items/s)")
    cursor = p.cursor()
    assert cursor and drain(p)["applied"] == 0 and p.cursor() == cursor
    code = sim.create(applicant_name="Lê Thị Hạnh", phone="0977000111")["code"]
    sim.set_status(code, 2)
    again = drain(p)
    assert again["applied"] == 2 and synced(store)[code] == sim.statuses()[code]
    row = store.one("SELECT applicant_masked, phone FROM dossiers WHERE code = ?", (code,))
    assert row == {"applicant_masked": "L*** T*** H***", "phone": "0977000111"}
    health = store.one("SELECT * FROM integration_sources WHERE name = 'pull'")
    assert health["failures"] == 0 and health["last_success_ts"] and health["applied_total"] >= 400


@pytest.mark.parametrize("fault, errors", [
    ({"fail_next": 3}, 3),
    ({"garbage_next": 2}, 2),
    ({"error_rate": 0.4}, 60),
])
def test_refused_or_broken_answers_leave_the_cursor_and_lose_nothing(sim, store, fault, errors):
    p = puller(store, sim.source_url, page_size=50)
    drain(p)
    sim.control("generate", count=60, hours_back=2)
    before = p.cursor()
    sim.faults(**fault)
    try:
        first_error = None
        try:
            p.poll_once()
        except SourceError as exc:
            first_error = str(exc)
        if "fail_next" in fault or "garbage_next" in fault:
            assert first_error and p.cursor() == before
            assert ("503" in first_error) if "fail_next" in fault else ("not JSON" in first_error)
        totals = drain(p, max_errors=errors)
    finally:
        sim.clear_faults()
    assert synced(store) == sim.statuses()
    assert totals["rejected"] == 0


def test_slow_source_times_out_then_succeeds(sim, store):
    p = puller(store, sim.source_url, timeout_seconds=0.5)
    drain(p)
    sim.create()
    sim.faults(slow_s=1.0)
    try:
        with pytest.raises(SourceError, match="Timeout"):
            p.poll_once()
        sim.faults(slow_s=0.2)
        assert drain(p)["applied"] == 1
    finally:
        sim.clear_faults()
    assert synced(store) == sim.statuses()


def test_malformed_duplicated_and_out_of_order_items(sim, store):
    p = puller(store, sim.source_url, page_size=100)
    drain(p)
    sim.control("generate", count=150, hours_back=6)
    sim.faults(malformed_rate=0.1, malformed_next=2, duplicate_rate=0.3, out_of_order=True)
    try:
        totals = drain(p)
    finally:
        sim.clear_faults()
    assert synced(store) == sim.statuses()        # the true state, despite everything
    assert totals["rejected"] >= 2 and totals["stale"] > 0 and totals["unchanged"] > 0
    rejects = store.query("SELECT reason FROM integration_rejects WHERE source = 'pull'")
    assert len(rejects) == totals["rejected"]
    reasons = " ".join(r["reason"] for r in rejects)
    assert any(w in reasons for w in ("code:", "status_at", "status:", "expected an object"))
    assert "Nguyễn" not in json.dumps(rejects, ensure_ascii=False)   # no personal data kept with a reject


def test_outage_backs_off_then_catches_up_and_reports_health(sim, store):
    cfg = Integrations(source=sim.source_url, poll_seconds=0.3, page_size=100, backoff_max_seconds=4,
                       timeout_seconds=5)
    worker = Worker(store, cfg, VN, utc_now)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while synced(store) != sim.statuses():
            assert time.monotonic() < deadline
            time.sleep(0.2)
        errors_before = sim.state()["stats"]["feed_errors"]
        sim.faults(down=True)
        sim.control("generate", count=200, hours_back=3)      # the province keeps working meanwhile
        time.sleep(6)
        health = store.one("SELECT * FROM integration_sources WHERE name = 'pull'")
        assert health["failures"] >= 2 and "503" in health["last_error"]
        refused = sim.state()["stats"]["feed_errors"] - errors_before
        assert 2 <= refused <= 6        # back-off 1, 2, 4 s: not one request per 0.3 s poll (≈ 20)
        sim.clear_faults()
        deadline = time.monotonic() + 30
        while synced(store) != sim.statuses():
            assert time.monotonic() < deadline, "did not catch up after the outage"
            time.sleep(0.2)
        health = store.one("SELECT * FROM integration_sources WHERE name = 'pull'")
        assert health["failures"] == 0 and health["last_error"] is None
    finally:
        worker.stop()


def test_drop_folder_applies_files_in_order(store, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    item = {"code": "000.00.21.H56-261120-0001", "status": 2, "status_at": "2026-11-20T09:00:00+07:00",
            "procedure": "Đăng ký khai sinh", "applicant_name": "Võ Thị Mai"}
    (drop / "20261120T0900-1.json").write_text(json.dumps({"items": [item]}), encoding="utf-8")
    (drop / "20261120T1000-2.json").write_text(json.dumps([{**item, "status": 9,
                                                            "status_at": "2026-11-20T10:00:00+07:00"}]))
    (drop / "20261120T1100-3.json").write_text("{cut off", encoding="utf-8")
    p = puller(store, f"file://{drop}")
    assert p.poll_once()["applied"] == 1 and p.poll_once()["applied"] == 1
    with pytest.raises(SourceError, match="not a JSON file"):
        p.poll_once()
    empty = p.poll_once()
    assert empty["items"] == 0 and not empty["has_more"]
    assert sorted(f.name for f in (drop / "processed").iterdir()) == ["20261120T0900-1.json", "20261120T1000-2.json"]
    assert (drop / "failed" / "20261120T1100-3.json").exists()
    assert (drop / "failed" / "20261120T1100-3.error.txt").read_text().startswith("JSONDecodeError")
    assert store.one("SELECT status FROM dossiers")["status"] == 9
    p.adapter.report({"code": item["code"], "status": 10, "handed_over_at": "2026-11-21T09:00:00+07:00",
                      "channel": "counter", "report_id": "motcua-result-1"})
    assert json.loads((drop / "results" / f"{item['code']}.json").read_text())["channel"] == "counter"


def test_a_source_that_cannot_be_opened_stops_the_server_with_the_key_named(tmp_path):
    import subprocess
    from bench.live_server import MOTCUA
    from queue_server.config import DEFAULT_CONFIG
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    for source, problem in ((f"file://{blocker}/drop", "integrations.source"),
                            ("ftp://province.example", "integrations.source: 'ftp://province.example'")):
        site = tmp_path / "site.toml"
        site.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + f'\n[integrations]\nsource = "{source}"\n',
                        encoding="utf-8")
        r = subprocess.run([*MOTCUA, "serve", "--config", str(site), "--db", str(tmp_path / "m.sqlite"), "--port", "0"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "configuration refused" in r.stderr and problem in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_the_source_key_is_sent_and_a_wrong_one_is_an_error(store):
    with start_onestop(per_day=0, seed=1, key="igate-secret") as guarded:
        guarded.create()
        with pytest.raises(SourceError, match="HTTP 401"):
            puller(store, guarded.source_url, key="wrong").poll_once()
        assert drain(puller(store, guarded.source_url, key="igate-secret"))["applied"] == 1
        health = store.one("SELECT url FROM integration_sources WHERE name = 'pull'")
        assert "igate-secret" not in json.dumps(health)
