from hypothesis import HealthCheck, given, settings, strategies as st
from tests.stats.test_property import ZONES, check_history, logs, ops, queries

@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    history=st.tuples(st.lists(logs, min_size=3, max_size=10), st.lists(ops, max_size=12)).map(lambda p: p[0] + p[1]),
    time_zone=st.sampled_from(ZONES),
    asked=st.lists(queries, max_size=3),
)
def test_long(client, db, history, time_zone, asked):
    check_history(client, db, history, time_zone, asked)
