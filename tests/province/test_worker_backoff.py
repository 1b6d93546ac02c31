"""The province's fact worker pauses a failing site (or a store that is away) longer and longer,
so one bad site costs a log line per pause, not two a second, and the others go on."""
from __future__ import annotations

from hypothesis import given, strategies as st

from queue_server.province.worker import Backoff


def test_a_failing_site_waits_longer_each_time_up_to_the_cap_and_a_success_forgets():
    b = Backoff(first=5, most=300)
    assert b.ready("xa-a", 0)
    pauses = [b.failed("xa-a", 0) for _ in range(9)]
    assert pauses == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert not b.ready("xa-a", 299) and b.ready("xa-a", 300)
    assert b.ready("xa-b", 0)                       # another site is not held up
    b.succeeded("xa-a")
    assert b.ready("xa-a", 0) and b.failed("xa-a", 0) == 5


@given(st.lists(st.sampled_from(["fail", "ok"]), max_size=40))
def test_pauses_stay_between_the_first_and_the_cap(events):
    b = Backoff(first=1, most=60)
    for event in events:
        if event == "fail":
            assert 1 <= b.failed("site", 0) <= 60
        else:
            b.succeeded("site")
            assert b.ready("site", 0)
