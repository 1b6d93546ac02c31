"""`motcua bench province` runs end to end (small) and prints the figures the docs quote."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.xdist_group("postgres")


def test_bench_province_ships_every_site_and_counts_nothing_lost_or_twice():
    out = subprocess.run([sys.executable, "-m", "queue_server.cli", "bench", "province", "--sites", "3",
                          "--tickets", "150"], capture_output=True, text=True, timeout=180, check=True)
    data = json.loads(out.stdout)
    assert {"sites", "tickets", "events", "seconds", "lost", "duplicated", "cross_site_query_ms",
            "catch_up_s", "events_per_s", "postgres_mb", "cross_site_indicators_ms"} <= set(data)
    assert data["sites"] == 3 and data["tickets"] == 450 and data["events"] > 3 * 450
    assert data["lost"] == 0 and data["duplicated"] == 0 and not data["errors"]
    assert data["cross_site_rows"] == 4  # three sites and the one caught up after its cut
    assert "3/3 sites shipped" in out.stderr  # progress on stderr
    # the 766 indicators from the province's roll-ups and dossier facts are those computed directly
    assert data["indicators_same_as_direct"] is True and data["indicators_dossiers_received"] > 0
    assert data["first_request_after_shipment_ms"] > 0 and data["stats_facts_tickets"] == 4 * 150
