"""The bench commands run end to end and print the figures the docs quote (not timed tests)."""
from __future__ import annotations

import json
import subprocess
import sys

MOTCUA = [sys.executable, "-m", "queue_server.cli"]


def test_bench_policy_prints_per_group_waits_for_three_rules():
    out = subprocess.run([*MOTCUA, "bench", "policy", "--days", "2"], capture_output=True, text=True,
                         timeout=120, check=True)
    data = json.loads(out.stdout)
    assert set(data["rules"]) == {"rule", "fifo", "strict"}
    for name, rule in data["rules"].items():
        assert rule["normal"]["n"] + rule["priority"]["n"] == data["tickets_per_day"] * 2 or name
        assert {"mean_min", "p95_min", "max_min"} <= set(rule["priority"])
    assert data["rules"]["rule"]["priority"]["mean_min"] < data["rules"]["fifo"]["priority"]["mean_min"]
    assert 0.9 < data["checks"]["conservation_rule_over_fifo"] < 1.1
    mixed = data["mixed_day"]     # the same days with ~30 % of the visitors booked online
    assert 0.2 < mixed["booked_share"] <= 0.3
    assert mixed["booked_mean_lateness_from_slot_min"] <= 10
    assert mixed["walk_in_ratio"] <= 1.1 and mixed["priority_ratio"] <= 1.1


def test_bench_server_drives_the_real_server_and_reports_latency():
    out = subprocess.run([*MOTCUA, "bench", "server", "--clients", "4", "--counters", "2", "--seconds", "0.5"],
                         capture_output=True, text=True, timeout=120, check=True)
    data = json.loads(out.stdout)
    assert data["issue"]["status"].get("201", 0) > 0 and data["noop"]["status"].get("200", 0) > 0
    assert data["issue_with_counters"]["call_next"]["requests"] > 0
    assert data["issue_random_keys"]["status"].get("201", 0) > 0 and data["issue_random_keys"]["keys"] == "random"
    assert data["noop_post"]["status"].get("201", 0) > 0
    rounds = data["rounds"]
    assert len(data["issue"]["per_round_requests"]) == len(data["noop_post"]["per_round_requests"]) == rounds >= 2
    assert sum(data["issue"]["per_round_requests"]) == data["issue"]["requests"]
    assert data["issue"]["keys"] == "time_ordered"
    assert data["tickets_in_db"] >= (data["issue"]["requests"] + data["issue_with_counters"]["requests"]
                                     + data["issue_random_keys"]["requests"])
    assert data["ratio_issue_over_noop"] > 0 and data["issue"]["p99_ms"] > 0
    targets = data["targets"]
    assert targets["ratio_closed_loop"]["issue_over_noop_post"] == data["ratio_issue_over_noop_post"] > 0
    assert targets["ratio_closed_loop"]["random_keys_issue_over_noop_post"] > 0
    assert len(targets["ratio_closed_loop"]["per_round"]) == rounds
    assert isinstance(targets["ratio_closed_loop"]["ok"], bool)
    loads = targets["p99_at_offered_load"]
    assert [x["offered_tickets_per_s"] for x in loads] == [100.0, 300.0]
    assert all(x["p99_ms"] > 0 and isinstance(x["p99_ok"], bool) for x in loads)
    assert data["issue"]["server_cpu_us_per_request"] > 0


def test_bench_onestop_reports_push_rate_catch_up_and_sync_lag():
    out = subprocess.run([*MOTCUA, "bench", "onestop", "--batches", "2", "--history", "200", "--lag-rounds", "3"],
                         capture_output=True, text=True, timeout=180, check=True)
    data = json.loads(out.stdout)
    assert data["push_new"]["items"] == 2000 and data["push_new"]["items_per_s"] > 0
    assert data["push_again"]["items_per_s"] > 0
    assert data["pull_catch_up"]["changes"] >= 200 and data["pull_catch_up"]["changes_per_s"] > 0
    assert data["sync_lag_s"]["rounds"] == 3 and 0 < data["sync_lag_s"]["median"] < 10


def test_bench_eta_compares_the_estimate_with_the_waits_that_came():
    out = subprocess.run([*MOTCUA, "bench", "eta", "--days", "1"], capture_output=True, text=True,
                         timeout=120, check=True)
    data = json.loads(out.stdout)
    assert data["tickets"] > 300 and data["no_estimate"] == 0
    assert {"mae_min", "p90_abs_err_min", "baseline_mae_min"} <= set(data)
    assert data["p90_abs_err_min"] >= data["mae_min"] > 0 and data["baseline_mae_min"] > 0
    assert 0 < data["range_coverage"] <= 1
    assert data["days"][0]["scenario"] and isinstance(data["targets_met"], bool)
