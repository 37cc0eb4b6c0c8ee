"""Data in and out (SPEC §7): candidates from CSV, touchpoint history in Gem's `event_log`
format both ways, and streamed exports of a team's candidates and touchpoints.

Every importer writes through the owners of what it writes: candidates in their own tables
with their uniqueness keys, touchpoints inside `projection.history_change`, so imported
history keeps SPEC §2's rules and its threads and stats are derived as for any change.
"""
