"""The read-only document viewer: one HTML page per document, one anchor per clause.

Pure rendering, no web framework: `bot.server` routes `/d/<doc_id>` here. The page needs no
JavaScript: the clause the URL's anchor names (`#2.2.5`) is scrolled to by the browser and
highlighted by CSS `:target`. Everything taken from a document or a URL is escaped, and the
one stylesheet is allowed by its hash, so the page runs nothing else.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from bot import strings as s
from bot.links import document_path, is_web_address, split_clause_id
from bot.model import Clause, Document, Target

STYLE = """
:root{color-scheme:light;--ink:#1b1f24;--muted:#5b6570;--line:#dfe3e8;--accent:#1f3a5f;--mark:#fff4c2;--edge:#d49a00}
*{box-sizing:border-box}
body{margin:0;background:#f7f8fa;color:var(--ink);font:17px/1.75 system-ui,-apple-system,"PingFang SC",
"Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;-webkit-text-size-adjust:100%}
header,nav,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
a{color:var(--accent)}
.back{font-size:.9rem}
h1{font-size:1.45rem;line-height:1.45;margin:.5rem 0 .75rem}
h2,h3,h4,h5,h6{line-height:1.5;margin:1.5rem 0 .5rem;scroll-margin-top:1rem}
h2{font-size:1.2rem}h3{font-size:1.08rem}h4,h5,h6{font-size:1rem}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem 1rem;margin:0 0 1rem;font-size:.95rem}
.meta dt{color:var(--muted)}.meta dd{margin:0;overflow-wrap:anywhere}
details{margin:0 0 1rem;font-size:.95rem}
.clause{display:grid;gap:.25rem 1.5rem;margin:.5rem -.75rem;padding:.5rem .75rem;border-left:4px solid transparent;
border-radius:4px;scroll-margin-top:1rem}
.clause:target{background:var(--mark);border-left-color:var(--edge)}
.clause p{margin:.25rem 0}
.label{font-weight:600;text-decoration:none;white-space:nowrap;margin-right:.5em}
aside{font-size:.9rem;color:var(--muted)}
aside dl{margin:0}aside dt{font-weight:600;color:var(--ink)}aside dd{margin:0 0 .35rem}
aside ul{margin:0;padding-left:1.1rem}
.figure{font-weight:600;color:var(--ink)}
@media (min-width:60rem){.clause.with-aside{grid-template-columns:minmax(0,1fr) 17rem}}
.documents{padding-left:1.2rem}.documents li{margin:.5rem 0}
.documents span{display:block;color:var(--muted);font-size:.9rem}
footer{color:var(--muted);font-size:.85rem;padding-bottom:2rem}
""".strip()

_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
# Nothing but the stylesheet above may run or load: no script, no frame, no form, no image.
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'")
LANGUAGES = ("zh", "en")


def language_of(requested: str | None, accept_language: str | None) -> str:
    """Pick the viewer's language: `?lang=` when given, else the browser's first preference, else Chinese."""
    for candidate in (requested or "", *(accept_language or "").split(",")):
        tag = candidate.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh") or tag in ("*",):
            return "zh"
    return "zh"


def _page(title: str, body: str, language: str) -> str:
    html_lang = "en" if language == "en" else "zh-CN"
    return (f'<!doctype html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _anchor_href(anchor: str) -> str:
    return "#" + quote(anchor, safe=".")


def _path_label(clause: Clause, document: Document) -> str:
    """The clause's numbering as its reference writes it: `二、(二) 5.`, `第三条`, `第6段`."""
    prefix = f"《{document.title}》"
    label = clause.ref[len(prefix):] if clause.ref.startswith(prefix) else " ".join(clause.labels)
    return label.strip() or " ".join(clause.labels)


def _paragraphs(clause: Clause) -> str:
    paragraphs = [p for p in clause.text.split("\n") if p.strip()] or [""]
    first = escape(paragraphs[0])
    if clause.heading and paragraphs[0].startswith(clause.heading):
        first = f"<strong>{escape(clause.heading)}</strong>{escape(paragraphs[0][len(clause.heading):])}"
    return "".join(f"<p>{text}</p>" for text in [first] + [escape(p) for p in paragraphs[1:]])


def _target_item(target: Target, language: str) -> str:
    parts = [f"{escape(target.metric or s.VIEWER_TARGETS(language))} "]
    if target.figure:
        parts.append(f'<span class="figure">{escape(target.figure)}</span>')
    if target.comparator and target.comparator not in (target.figure or ""):
        parts.append(f" ({escape(target.comparator)})")
    if target.horizon:
        parts.append(f" · {escape(target.horizon)}")
    return f"<li>{''.join(parts)}</li>"


def _aside(clause: Clause, language: str) -> str:
    entries = []
    if clause.units_rule == "first-listed" and clause.units:
        entries.append(f"<dt>{escape(s.VIEWER_RESPONSIBLE(language))}</dt><dd>{escape('、'.join(clause.units))}"
                       f"<br><small>{escape(s.VIEWER_FIRST_LISTED(language))}</small></dd>")
    else:
        if clause.lead_units:
            entries.append(f"<dt>{escape(s.VIEWER_LEAD(language))}</dt>"
                           f"<dd>{escape('、'.join(clause.lead_units))}</dd>")
        if clause.support_units:
            entries.append(f"<dt>{escape(s.VIEWER_SUPPORT(language))}</dt>"
                           f"<dd>{escape('、'.join(clause.support_units))}</dd>")
    if clause.targets:
        items = "".join(_target_item(t, language) for t in clause.targets)
        entries.append(f"<dt>{escape(s.VIEWER_TARGETS(language))}</dt><dd><ul>{items}</ul></dd>")
    return f"<aside><dl>{''.join(entries)}</dl></aside>" if entries else ""


def _clause_article(clause: Clause, document: Document, language: str) -> str:
    anchor = split_clause_id(clause.id)[1]
    aside = _aside(clause, language)
    label = (f'<a class="label" href="{escape(_anchor_href(anchor))}" title="{escape(s.VIEWER_LINK_TITLE(language))}">'
             f"{escape(_path_label(clause, document))}</a>")
    paragraphs = _paragraphs(clause)
    # The label opens the first paragraph, so the numbering reads as it does on paper.
    body = paragraphs.replace("<p>", f"<p>{label}", 1)
    classes = "clause with-aside" if aside else "clause"
    return f'<article class="{classes}" id="{escape(anchor)}"><div>{body}</div>{aside}</article>'


def _ancestor_anchor(anchor: str, level: int, depth: int) -> str | None:
    """The anchor of a clause's ancestor section at `level`, when its numbering says which one.

    A clause `2.2.5` with two ancestors has ancestors `2` and `2.2`; numbering without one
    key per level (a paragraph `p3`) names none.
    """
    keys = anchor.split(".")
    if len(keys) != depth + 1 or level >= depth:
        return None
    return ".".join(keys[: level + 1])


def _outline(document: Document, clauses: Sequence[Clause], language: str) -> tuple[str, list[tuple[str, str]]]:
    """Render the clauses in order under their section headings; return the HTML and the contents."""
    ordered = sorted(clauses, key=lambda c: c.order)
    anchors = {split_clause_id(c.id)[1] for c in ordered}
    parts = {_ancestor_anchor(split_clause_id(c.id)[1], 0, len(c.path)) for c in ordered} - {None}
    used: set[str] = set()
    out: list[str] = []
    contents: list[tuple[str, str]] = []
    previous: tuple[str, ...] = ()
    for clause in ordered:
        anchor = split_clause_id(clause.id)[1]
        common = 0
        while common < min(len(previous), len(clause.path)) and previous[common] == clause.path[common]:
            common += 1
        for level in range(common, len(clause.path)):
            section = _ancestor_anchor(anchor, level, len(clause.path))
            if section in anchors:
                continue  # the section's own clause (its lead-in) stands for its heading
            tag = f"h{min(level + 2, 6)}"
            attribute = ""
            if section and section not in used:
                used.add(section)
                attribute = f' id="{escape(section)}"'
                if level == 0:
                    contents.append((section, clause.path[level]))
            out.append(f"<{tag}{attribute}>{escape(clause.path[level])}</{tag}>")
        if not clause.path and (anchor in parts or clause.heading):  # a part standing as a clause of its own
            label = _path_label(clause, document)
            contents.append((anchor, f"{label}{'' if label.endswith('、') else ' '}{clause.heading or ''}".strip()))
        used.add(anchor)
        out.append(_clause_article(clause, document, language))
        previous = clause.path
    return "\n".join(out), contents


def _metadata(document: Document, language: str) -> str:
    rows = [
        (s.VIEWER_DOC_NUMBER, document.doc_number),
        (s.VIEWER_ISSUER, document.issuer),
        (s.VIEWER_DATE, document.date.isoformat() if document.date else None),
        (s.VIEWER_REGION, document.region),
        (s.VIEWER_KIND, document.kind),
    ]
    cells = [f"<dt>{escape(label(language))}</dt><dd>{escape(str(value))}</dd>" for label, value in rows if value]
    counts = s.VIEWER_COUNTS(language).format(clauses=document.clause_count, targets=document.target_count,
                                               tasks=document.task_count)
    if is_web_address(document.source_url):
        url = escape(document.source_url.strip())
        cells.append(f'<dt>{escape(s.VIEWER_SOURCE(language))}</dt><dd><a href="{url}" rel="external noopener '
                     f'noreferrer">{url}</a></dd>')
    cells.append(f"<dt>{escape(s.VIEWER_FILE(language))}</dt><dd>{escape(document.source)} · {escape(counts)}</dd>")
    return f'<dl class="meta">{"".join(cells)}</dl>'


def _back_link(root: str, language: str) -> str:
    return f'<a class="back" href="{escape(root + document_path(""))}">{escape(s.VIEWER_BACK(language))}</a>'


def render_document(document: Document, clauses: Sequence[Clause], *, language: str = "zh",
                    root: str = "") -> str:
    """Render a document as one page: metadata, source link, contents, every clause with its anchor.

    Args:
        root: the path a proxy serves the viewer under (`/policybot`), for links to the other pages.
    """
    outline, contents = _outline(document, clauses, language)
    nav = ""
    if len(contents) > 1:
        items = "".join(f'<li><a href="{escape(_anchor_href(a))}">{escape(text)}</a></li>' for a, text in contents)
        nav = f"<nav><details><summary>{escape(s.VIEWER_CONTENTS(language))}</summary><ol>{items}</ol></details></nav>"
    header = f"{_back_link(root, language)}<h1>《{escape(document.title)}》</h1>{_metadata(document, language)}"
    body = f'<header>{header}</header>\n{nav}\n<main lang="zh-CN">\n{outline}\n</main>'

    return _page(f"《{document.title}》", body, language)


def render_index(documents: Sequence[Document], *, language: str = "zh", root: str = "") -> str:
    """Render the list of indexed documents, each linking to its page."""
    items = []
    for doc in documents:
        where = " · ".join(x for x in (doc.region, doc.date.isoformat() if doc.date else None, doc.kind) if x)
        items.append(f'<li><a href="{escape(root + document_path(doc.id))}">《{escape(doc.title)}》</a>'
                     f"<span>{escape(where or s.VIEWER_UNKNOWN(language))}</span></li>")
    listing = (f'<ol class="documents">{"".join(items)}</ol>' if items
               else f"<p>{escape(s.VIEWER_INDEX_EMPTY(language))}</p>")
    title = s.VIEWER_INDEX_TITLE(language)
    return _page(title, f"<header><h1>{escape(title)}</h1></header>\n<main>{listing}</main>", language)


def render_not_found(doc_id: str, *, language: str = "zh", root: str = "") -> str:
    """Render the page for a document id the corpus does not have."""
    message = s.VIEWER_NOT_FOUND(language).format(doc_id=doc_id)
    body = f"<header>{_back_link(root, language)}<h1>{escape(message)}</h1></header>"
    return _page(message, body, language)
