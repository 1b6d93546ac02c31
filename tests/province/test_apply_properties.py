"""Property: whatever batches arrive, in whatever order, resent or overlapping, the province ends
with every row of the site exactly once after the shipper resumes from the cursor it is given."""
from __future__ import annotations

import itertools

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_server.province.apply import apply_batch

from .test_province_api import batch

pytestmark = pytest.mark.xdist_group("postgres")
N = 40
_sites = itertools.count()


@pytest.fixture(scope="module")
def conn(postgres):
    from queue_server.province.schema import migrate
    dsn = postgres.create_database("properties")
    with psycopg.connect(dsn, autocommit=True) as c:
        migrate(c)
        yield c


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sends=st.lists(st.tuples(st.integers(0, N - 1), st.integers(1, 15)), max_size=12))
def test_any_resends_and_reorders_end_with_every_row_once(conn, sends):
    site = f"site-{next(_sites)}"
    for start, length in sends:  # stale, duplicate, overlapping or gapped: in the order drawn
        apply_batch(conn, site, batch(site, start + 1, min(start + length, N), frm=start), 0.0)
    cursor = conn.execute('SELECT "cursor" FROM sites WHERE site = %s', (site,)).fetchone()
    at = cursor[0].get("ticket_events", 0) if cursor else 0
    while at < N:  # the shipper resumes from the province's cursor
        out = apply_batch(conn, site, batch(site, at + 1, min(at + 7, N), frm=at), 0.0)
        assert not out.gap
        at = out.cursor["ticket_events"]
    rows = conn.execute("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM ticket_events WHERE site = %s",
                        (site,)).fetchone()
    assert rows == (N, N, 1, N)
    assert conn.execute("SELECT count(*) FROM tickets WHERE site = %s", (site,)).fetchone()[0] == N
