"""The same statistics SQL on a site's SQLite and on the province's PostgreSQL."""
from __future__ import annotations

import sqlite3

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.province.portable import PgQueries, qmark_to_pg

from .conftest import wait_until
from .test_shipping import issue, serve_some, shipped_all

pytestmark = pytest.mark.xdist_group("postgres")

PER_SERVICE = ("SELECT service, COUNT(*) AS tickets, SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS done, "
               "AVG(called_ts - arrived_ts) AS mean_wait_s FROM tickets WHERE day = ? {site} "
               "GROUP BY service ORDER BY service")


def test_a_site_query_runs_unchanged_on_the_province(province, province_dsn, site_server):
    key = province.add_site("xa-a")
    province.start()
    site = site_server("xa-a", province.base_url, key)
    issue(site, 9)
    serve_some(site, 4)
    wait_until(lambda: shipped_all(site, province_dsn, "xa-a"), what="shipped")
    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    here = [dict(r) for r in conn.execute(PER_SERVICE.format(site=""), ("2026-11-23",))]
    conn.close()
    with psycopg.connect(province_dsn) as pg:
        there = PgQueries(pg).query(PER_SERVICE.format(site="AND site = ?"), ("2026-11-23", "xa-a"))
    assert here == [{**r, "mean_wait_s": pytest.approx(r["mean_wait_s"])} for r in there]
    assert here[0]["tickets"] == 9 and here[0]["done"] == 4


@given(st.lists(st.tuples(st.text(alphabet="ab =?%()", max_size=12), st.text(alphabet="x ?%", max_size=6),
                          st.sampled_from("'\"")), max_size=6))
def test_placeholders_are_the_question_marks_outside_quotes(parts):
    sql = "".join(f"{code}{q}{lit}{q}" for code, lit, q in parts)
    expected = "".join(code.replace("%", "%%").replace("?", "%s") + q + lit.replace("%", "%%") + q
                       for code, lit, q in parts)
    assert qmark_to_pg(sql) == expected
