"""What admins see of the corpus folder: files that could not be read, and why; reloads.

A file that stops reading keeps its last good version in the index (`bot.engine`): each
line says which file, the reason, and whether that version is what users are served.
"""
from __future__ import annotations

from collections.abc import Sequence

from bot import strings as s
from bot.engine import ReloadReport
from bot.errors import DocumentError
from bot.strings import Catalog
from handlers.blocks import Block, Message, context, fit_message, section
from handlers.slack_text import escape

MAX_FILES_LISTED = 10  # a broken mount can fail thousands of files; check lists them all


def skipped_lines(errors: Sequence[DocumentError], kept: Sequence[str], t: Catalog) -> list[str]:
    """Write one line per file that could not be read: its name, the reason, what is served instead."""
    lines = [t(s.CORPUS_SKIPPED, file=escape(error.source), reason=escape(error.reason),
               served=t(s.CORPUS_KEPT if error.source in kept else s.CORPUS_NOT_SERVED))
             for error in errors[:MAX_FILES_LISTED]]
    if len(errors) > MAX_FILES_LISTED:
        lines.append(t(s.CORPUS_MORE_SKIPPED, count=len(errors) - MAX_FILES_LISTED))
    return lines


def render_corpus_state(documents: int, errors: Sequence[DocumentError], kept: Sequence[str],
                        warning: str | None, t: Catalog) -> list[Block]:
    """Render App Home's admin section: a folder refused (emptied, vanished), each skipped file, or all well."""
    blocks = [section(t(s.HOME_ADMIN_CORPUS))]
    if warning:
        blocks.append(section(t(s.RELOAD_REFUSED, warning=escape(warning))))
    lines = skipped_lines(errors, kept, t)
    blocks += [context(line) for line in lines]
    if not warning and not lines:
        blocks.append(context(t(s.HOME_CORPUS_OK, count=documents)))
    return blocks


def render_reload(report: ReloadReport, documents: int, t: Catalog) -> Message:
    """Render the answer to `/policy reload`: what changed or why nothing did; each file that could not be read."""
    def names(ids) -> str:
        return escape(t.join(ids)) if ids else t(s.NOTHING)

    if report.warning:
        text = t(s.RELOAD_REFUSED, warning=escape(report.warning))
    else:
        text = t(s.RELOADED, count=documents, added=names(report.added), changed=names(report.changed),
                 removed=names(report.removed))
    blocks = [section(text)] + [context(line) for line in skipped_lines(report.errors, report.kept, t)]
    return fit_message({"text": text, "blocks": blocks})
