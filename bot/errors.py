"""Typed errors raised by the core; only `main()` turns them into exit codes."""
from __future__ import annotations


class PolicybotError(Exception):
    """Base of every error the core raises on purpose."""


class ConfigError(PolicybotError):
    """The configuration is broken; `problems` lists each, naming its file and key."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class DocumentError(PolicybotError):
    """A corpus document cannot be read or parsed; it is skipped and reported."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")

    def __reduce__(self):
        # Pickled across the parse pool and into the index cache: rebuild from both fields.
        return type(self), (self.source, self.reason)
