"""The derived data of the touchpoint ledger, owned here alone: the `thread` table (SPEC §3's
cohort view), the `activity_day` counts (the activity view) and the Auto designations of
outreach (SPEC §2 rules 3-4). Every writer of touchpoints — a single log, an edit, a delete, a
bulk, an undo, a deleted candidate, a team's new rules, and any import or sequence to come —
goes through it, in the transaction of its write:

- `changes.history_change(...)`: around any change to some candidates' histories; inside it the
  writer says what it did when that was only `appended(...)` or `removed(...)` rows at the end
  of the histories, and the derived rows are then updated rather than rebuilt.
- `appending.history_end(...)` and `appending.write(...)`: the single log at the end of its
  history, the most frequent write, in as few statements as the database allows.
- `appending_many.history_ends(...)`, `designated(...)` and `appended(...)`: the bulk at the
  end of its candidates' histories (a bulk "now"), its designations decided from one read.
- `changes.team_rules_changed(...)` and `changes.rebuild_team(...)`: everything derived again.

Besides its own tables it writes the derived columns of touchpoint rows (the designation of
Auto outreach; the local day, when the team's time zone changes), and, for the single log, the
touchpoint row the writer hands over, so that on PostgreSQL the row and everything derived
from it go in one statement.

Each fast path sits next to its plain reference: `threads.append_to_threads` and
`threads.remove_from_threads` next to `threads.rebuild_threads`, `activity.ActivityChange` next
to `activity.rebuild_activity`, the single log's `appending.write` and the bulk's
`appending_many` next to `history_change`. tests/projection/test_property.py and
test_appending_many.py run both on the same random histories.
"""
