"""The check-in rule as a property: within [start − early, start + grace] a booked visitor arrived at
the slot start; later, at check-in; earlier, refused with the time the window opens."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from queue_server.hall.appointments.rules import TooEarly, checkin_arrival
from queue_server.hall.tickets.ordering import Candidate, Rule

minutes = st.integers(min_value=0, max_value=120)
offsets = st.integers(min_value=-240 * 60, max_value=240 * 60)   # seconds from the slot start
START = 1_800_000_000.0


@given(early=minutes, grace=minutes, offset=offsets)
def test_checkin_arrival_window(early, grace, offset):
    now = START + offset
    if offset < -early * 60:
        with pytest.raises(TooEarly) as exc:
            checkin_arrival(START, now, early * 60, grace * 60)
        assert exc.value.come_back_ts == START - early * 60 and exc.value.come_back_ts > now
    else:
        arrived = checkin_arrival(START, now, early * 60, grace * 60)
        assert arrived == (START if offset <= grace * 60 else now)
        assert arrived <= max(now, START)          # never ordered later than the slot or the check-in


@given(early=minutes, grace=minutes, offset=offsets,
       walk_ins=st.lists(offsets, max_size=20))
def test_booked_visitor_is_called_as_if_arrived_at_the_slot(early, grace, offset, walk_ins):
    """Within the window, exactly the walk-ins who arrived before the slot start go first."""
    if offset < -early * 60 or offset > grace * 60:
        return
    arrived = checkin_arrival(START, START + offset, early * 60, grace * 60)
    rule = Rule({}, {})
    booked = Candidate(0, "land", None, arrived)
    others = [Candidate(i + 1, "land", None, START + w) for i, w in enumerate(walk_ins)]
    order = rule.order([booked, *others], START + 300 * 60)
    ahead = {c.id for c in order[:order.index(booked)]}
    assert ahead == {c.id for c in others if c.arrived_ts < START}
