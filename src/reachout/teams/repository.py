"""The team queries.

A team is the tenancy itself: a signed-in user reaches their own team through `User.team`,
never through a query. The one lookup is by name, across the instance: names are unique in
it, and the command line and team creation name teams by them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import Team


def team_named(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.name == name))
