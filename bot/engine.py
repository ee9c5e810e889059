"""The query service every front end calls: parse a query, search, page, answer.

(Work in progress: the signatures below are the contract front ends build on.)
"""
from __future__ import annotations

from bot.model import Answer, Clause, Document, Query


class PolicyEngine:
    """Holds the parsed corpus and its index; swaps both atomically on reload."""

    @classmethod
    def from_settings(cls, settings, *, progress: bool = False) -> "PolicyEngine":
        raise NotImplementedError

    @property
    def documents(self) -> tuple[Document, ...]:
        raise NotImplementedError

    @property
    def load_errors(self) -> tuple:
        """DocumentError for every file that could not be read (reported and skipped)."""
        raise NotImplementedError

    def warm(self) -> None:
        """Initialise the segmenter so the first request is not slow."""
        raise NotImplementedError

    def parse(self, text: str) -> Query:
        raise NotImplementedError

    def ask(self, text: str, *, limit: int | None = None, offset: int = 0) -> Answer:
        """Answer one query text (what follows `/policy`)."""
        raise NotImplementedError

    def answer(self, query: Query, *, limit: int | None = None, offset: int = 0) -> Answer:
        raise NotImplementedError

    def clause(self, clause_id: str) -> tuple[Clause, Document] | None:
        raise NotImplementedError

    def reload(self):
        """Re-read the corpus folder; return which document ids were added, changed, removed."""
        raise NotImplementedError
