"""The queue replay behind every wait estimate (pure: no store, no clock)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from queue_server.config import load_site
from queue_server.hall.tickets.forecast import OpenCounter, forecast, spread
from queue_server.hall.tickets.ordering import Candidate, Rule

SITE = load_site()
RULE = Rule.from_site(SITE)
MEAN = {s: SITE.services[s].typical_minutes * 60 for s in SITE.services}


def queue(*specs):
    return [Candidate(n + 1, service, prio, 1000.0 + n) for n, (service, prio) in enumerate(specs)]


def test_one_counter_calls_one_after_the_other():
    f = forecast(queue(("civil", None), ("civil", None), ("civil", None)),
                 [OpenCounter("5", ("civil",), False)], MEAN, RULE, 2000.0)
    m = MEAN["civil"]
    assert [f.called_in_s[i] for i in (1, 2, 3)] == [0, m, 2 * m]
    assert f.arrival_in_s["civil"] == 3 * m and f.waiting == {"civil": 3}


def test_a_service_no_open_counter_serves_has_no_estimate():
    f = forecast(queue(("land", None)), [OpenCounter("5", ("civil",), False)], MEAN, RULE, 2000.0)
    assert f.arrival_in_s["land"] is None and 1 not in f.called_in_s


def test_a_busy_counter_starts_when_its_visitor_should_be_done():
    f = forecast(queue(("civil", None)), [OpenCounter("5", ("civil",), False, free_in_s=120.0)], MEAN, RULE, 2000.0)
    assert f.called_in_s[1] == 120.0


def test_a_priority_counter_takes_priority_visitors_first_and_head_starts_count():
    later_elderly = [Candidate(1, "tax", None, 1000.0), Candidate(2, "tax", "elderly", 1500.0)]
    f = forecast(later_elderly, [OpenCounter("14", ("tax",), True)], MEAN, RULE, 1600.0)
    assert f.called_in_s[2] == 0 and f.called_in_s[1] == MEAN["tax"]
    # an ordinary counter: the head start (20 min) puts an elderly visitor 5 min later first too
    five_later = [Candidate(1, "tax", None, 1000.0), Candidate(2, "tax", "elderly", 1300.0)]
    f = forecast(five_later, [OpenCounter("12", ("tax",), False)], MEAN, RULE, 1400.0)
    assert f.called_in_s[2] == 0


@given(st.integers(0, 40), st.integers(1, 5))
def test_more_counters_never_make_a_dedicated_queue_slower(n, k):
    q = queue(*[("land", None)] * n)
    fewer = forecast(q, [OpenCounter(str(i), ("land",), False) for i in range(k)], MEAN, RULE, 5000.0)
    more = forecast(q, [OpenCounter(str(i), ("land",), False) for i in range(k + 1)], MEAN, RULE, 5000.0)
    order = [fewer.called_in_s[c.id] for c in q]
    assert order == sorted(order)                                       # called in arrival order
    assert all(fewer.arrival_in_s["land"] >= t for t in order)          # a newcomer comes last
    assert all(more.called_in_s[c.id] <= fewer.called_in_s[c.id] for c in q)
    assert more.arrival_in_s["land"] <= fewer.arrival_in_s["land"]


@given(st.floats(0, 7200), st.floats(60, 1200))
def test_the_range_holds_the_estimate_and_widens_with_the_wait(wait, mean):
    low, high = spread(wait, mean)
    assert 0 <= low <= wait < high
    low2, high2 = spread(wait + 600, mean)
    assert high2 - low2 >= high - low - 1e-6
