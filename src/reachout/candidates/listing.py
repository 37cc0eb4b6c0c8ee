"""The candidates page's view of a search: in the order asked for, counted, and cut into
numbered pages (first / previous / next / last) that an address can name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from reachout.candidates import repository, service
from reachout.candidates.schemas import CandidateListQuery, CandidateSort
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
    """The page `query` asks for of the candidates its search finds, in its order."""
    stmt = service.matching(session, actor=actor, search=query.search())
    ordered = repository.sorted_by(stmt, _sort_key(query.sort), descending=query.sort.descending)
    items, total = repository.page_and_total(
        session, ordered, offset=(query.page - 1) * size, limit=size
    )
    if total is None:
        # Past the last page (the list shrank since the link was made): show the last one.
        total = repository.count(session, stmt)
        last = ListPage([], total, 1, size).pages
        items, _ = repository.page_and_total(session, ordered, offset=(last - 1) * size, limit=size)
        return ListPage(items, total, last, size)
    return ListPage(items, total, query.page, size)
