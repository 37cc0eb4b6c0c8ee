"""The candidates page's view of a search: in the order asked for, counted, and cut into
numbered pages (first / previous / next / last) that an address can name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from reachout.candidates import repository, service
from reachout.candidates.schemas import CandidateListQuery, CandidateSearch, CandidateSort
from reachout.models import Candidate, User
from reachout.touchpoints import timeline

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListPage:
    """One page of a sorted search: `page` is the page shown, the last one when the number
    asked for lies past it."""

    items: list[Candidate]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _sort_key(sort: CandidateSort) -> ColumnElement[Any] | None:
    """What the order sorts by (None: the id, the order candidates were added in)."""
    if sort.key == "name":
        return repository.name_key()
    if sort.key == "last_contacted":
        return timeline.last_contact_columns().contacted_at
    if sort.key == "latest_reply":
        return timeline.last_contact_columns().replied_at
    return None


def list_page(
    session: Session, *, actor: User, query: CandidateListQuery, size: int = PAGE_SIZE
) -> ListPage:
    """The page `query` asks for of the candidates its search finds, in its order; past the
    last page (the list shrank since the link was made), the last page."""
    search = query.search()
    stmt = service.matching(session, actor=actor, search=search)
    ordered = repository.sorted_by(stmt, _sort_key(query.sort), descending=query.sort.descending)
    if search != CandidateSearch():
        # One pass filters, counts and pages: a filter costs a computation per candidate (a
        # search's LIKEs, a last contact), which a count apart would make twice.
        offset = (query.page - 1) * size
        items, total = repository.page_and_total(session, ordered, offset=offset, limit=size)
        if total is not None:
            return ListPage(items, total, query.page, size)
    # The whole team: a count apart is cheaper (a window count holds every row to the end).
    total = repository.count(session, stmt)
    number = min(query.page, ListPage([], total, 1, size).pages)
    items = repository.page_of(session, ordered, offset=(number - 1) * size, limit=size)
    return ListPage(items, total, number, size)
