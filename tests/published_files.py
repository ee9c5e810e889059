"""Build the files governments publish (PDF, scanned PDF, Word, web page, OFD) from a text document.

A document is read as blocks: its first `title_lines` lines are the title (centred, large),
a run of lines of whitespace-separated cells under a header with 牵头单位/责任单位 is a
table, every other line a paragraph. Each builder lays the same blocks out the way the
format's real producers do (first-line indents, wrapped lines, running heads, page
numbers, ruled tables, Word's automatic numbering), so a reader must undo all of it to
get the text file back.
"""
from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

_CN = "一二三四五六七八九十"
_TABLE_HEAD = ("牵头单位", "责任单位")


@dataclass(frozen=True)
class Block:
    kind: str  # title | para | table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def blocks_of(text: str, title_lines: int = 1) -> list[Block]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    blocks = [Block("title", line) for line in lines[:title_lines]]
    i = title_lines
    while i < len(lines):
        cells = lines[i].split()
        if len(cells) >= 3 and any(c in _TABLE_HEAD for c in cells):
            rows = [tuple(cells)]
            i += 1
            while i < len(lines) and len(lines[i].split()) == len(cells):
                rows.append(tuple(lines[i].split()))
                i += 1
            blocks.append(Block("table", rows=tuple(rows)))
            continue
        blocks.append(Block("para", lines[i]))
        i += 1
    return blocks


# -- PDF ---------------------------------------------------------------------------------

def make_pdf(blocks: list[Block], running_head: str = "", columns: int = 1) -> bytes:
    """A PDF as an office suite prints it: CJK font, indents, wrapped lines, heads, page numbers, ruled tables.

    `columns=2` sets the body in two columns, as a government gazette (政府公报) does.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=12, leading=21, firstLineIndent=24,
                          wordWrap="CJK", spaceAfter=0)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=28, alignment=1, firstLineIndent=0)
    cell = ParagraphStyle("cell", parent=body, fontSize=10.5, leading=15, firstLineIndent=0)
    story = []
    for block in blocks:
        if block.kind == "table":
            widths = _column_widths(block.rows, 451)
            table = Table([[Paragraph(html.escape(c), cell) for c in row] for row in block.rows], colWidths=widths,
                          repeatRows=1)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
            story.append(table)
        else:
            story.append(Paragraph(html.escape(block.text), title if block.kind == "title" else body))

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont("STSong-Light", 9)
        if running_head:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 40, running_head)
        canvas.drawCentredString(A4[0] / 2, 36, f"— {doc.page} —")
        canvas.restoreState()

    out = io.BytesIO()
    if columns == 2:
        width, gap = (A4[0] - 144 - 24) / 2, 24
        frames = [Frame(72 + i * (width + gap), 72, width, A4[1] - 144, id=f"column{i}", showBoundary=0)
                  for i in range(2)]
        document = BaseDocTemplate(out, pagesize=A4, title="", author="")
        document.addPageTemplates([PageTemplate(id="gazette", frames=frames, onPage=decorate)])
        document.build(story)
    else:
        SimpleDocTemplate(out, pagesize=A4, leftMargin=72, rightMargin=72, topMargin=72, bottomMargin=72,
                          title="", author="").build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


def _column_widths(rows, total: float, char: float = 10.5) -> list[float]:
    """Fit every column to its longest cell but the widest, which takes the rest (and wraps)."""
    longest = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    widest = longest.index(max(longest))
    widths = [n * char + 16 for n in longest]
    widths[widest] = max(total - sum(w for i, w in enumerate(widths) if i != widest), 6 * char)
    return widths


def make_scanned_pdf(text_pdf: bytes, dpi: int = 200) -> bytes:
    """The same pages as images only: what a scanner makes of the printed document."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as pdf_canvas

    source = pdfium.PdfDocument(text_pdf)
    out = io.BytesIO()
    page_size = (source[0].get_width(), source[0].get_height())
    canvas = pdf_canvas.Canvas(out, pagesize=page_size)
    for i in range(len(source)):
        image = source[i].render(scale=dpi / 72, grayscale=True).to_pil()
        canvas.drawImage(ImageReader(image), 0, 0, width=page_size[0], height=page_size[1])
        canvas.showPage()
    canvas.save()
    source.close()
    return out.getvalue()


# -- Word ----------------------------------------------------------------------------------

_NUMBERED = [  # (pattern of the typed number, numbering instance, Word's level text)
    (re.compile(rf"^([{_CN}]+)、"), 1, "%1、"),
    (re.compile(rf"^\(([{_CN}]+)\)"), 2, "（%1）"),
    (re.compile(r"^(\d{1,3})\.(?!\d)"), 3, "%1."),
]


def make_docx(blocks: list[Block], *, title: str = "", created=None) -> tuple[bytes, list[str]]:
    """A Word file whose section numbers are automatic numbering (numbering.xml), not typed text.

    Returns the file and the labels Word will show, in order, so a test can check its input.
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    document = docx.Document()
    numbering = document.part.numbering_part.element
    for num_id, fmt, text in ((1, "chineseCounting", "%1、"), (2, "chineseCounting", "（%1）"), (3, "decimal", "%1.")):
        numbering.append(parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{90 + num_id}"><w:multiLevelType w:val="singleLevel"/>'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            f'<w:suff w:val="nothing"/><w:lvlJc w:val="left"/></w:lvl></w:abstractNum>'))
    for num_id in (1, 2, 3):  # <w:num> elements must follow every <w:abstractNum>
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                                   f'<w:abstractNumId w:val="{90 + num_id}"/></w:num>'))
    labels: list[str] = []
    restart = 10
    for block in blocks:
        if block.kind == "table":
            table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
            continue
        paragraph = document.add_paragraph()
        text = block.text
        if block.kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.font.size = Pt(18)
            continue
        for pattern, num_id, _ in _NUMBERED:
            m = pattern.match(text)
            if m:
                if num_id == 3 and m.group(1) == "1":  # items 1. restart under each heading: a new list instance
                    restart += 1
                    numbering.append(parse_xml(
                        f'<w:num {nsdecls("w")} w:numId="{restart}"><w:abstractNumId w:val="93"/>'
                        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))
                use = restart if num_id == 3 else num_id
                paragraph._p.get_or_add_pPr().append(parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{use}"/></w:numPr>'))
                labels.append(m.group(0))
                text = text[m.end():]
                break
        paragraph.paragraph_format.first_line_indent = Pt(24)
        paragraph.add_run(text)
    document.core_properties.title = title
    if created is not None:
        document.core_properties.created = created
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), labels


# -- web page -------------------------------------------------------------------------------

def make_html(blocks: list[Block], *, article_title: str, pub_date: str, source: str, url: str) -> bytes:
    """A page as a city government's site serves it: navigation, location bar, share bar, related links, footer."""
    def render(block: Block) -> str:
        if block.kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            return f'<table border="1" cellspacing="0">{rows}</table>'
        if block.kind == "title":
            return f'<p style="text-align:center"><strong>{html.escape(block.text)}</strong></p>'
        return f'<p style="text-indent:2em">{html.escape(block.text)}</p>'

    content = "\n".join(render(b) for b in blocks)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{html.escape(article_title)}_政策文件_人民政府门户网站</title>
<meta name="SiteName" content="人民政府门户网站">
<meta name="ColumnName" content="政策文件">
<meta name="ArticleTitle" content="{html.escape(article_title)}">
<meta name="PubDate" content="{pub_date}">
<meta name="ContentSource" content="{html.escape(source)}">
<meta name="Keywords" content="政策文件">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/css/main.css">
<script>var _hmt = _hmt || [];</script>
</head><body>
<div class="top"><a href="/">网站首页</a> | <a href="/wza">无障碍浏览</a> | <a href="/zhb">长辈版</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/zmhd">政民互动</a></li><li><a href="/bsfw">办事服务</a></li><li><a href="/zjzg">走进本市</a></li></ul></div>
<div class="location">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; <a href="/zcwj">政策文件</a></div>
<div class="article">
<h1 class="title">{html.escape(article_title)}</h1>
<div class="info">发布时间：{pub_date[:10]}&nbsp;&nbsp;来源：{html.escape(source)}&nbsp;&nbsp;浏览次数：1024
&nbsp;&nbsp;字号：[<a>大</a> <a>中</a> <a>小</a>]</div>
<div class="TRS_Editor" id="zoom">
{content}
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
<div class="print">【<a>打印本页</a>】【<a>关闭窗口</a>】</div>
</div>
<div class="related"><h3>相关文章</h3><ul>
<li><a href="/a/1.html">市政府召开常务会议研究部署科技创新工作</a></li>
<li><a href="/a/2.html">关于印发促进科技成果转化若干措施的通知</a></li>
<li><a href="/a/3.html">市科技局2023年度部门预算公开</a></li></ul></div>
<div class="footer"><p>主办：市人民政府办公室 承办：市大数据中心</p>
<p>网站标识码：5103000001 蜀ICP备05000000号 公网安备 51030202000001号</p></div>
</body></html>"""
    return page.encode("utf-8")


# -- OFD ------------------------------------------------------------------------------------

_OFD_NS = "http://www.ofdspec.org/2016"
_PAGE_W, _PAGE_H, _MARGIN = 210.0, 297.0, 26.0


def make_ofd(blocks: list[Block], *, title: str, author: str = "", footer: bool = True) -> bytes:
    """An OFD package as GB/T 33190 lays it out: OFD.xml, Document.xml, one Content.xml per page.

    Text is set one line per TextObject with a DeltaX per character (`g N d` runs), wrapped
    at the type area; tables are ruled with PathObjects; every page has a centred page number.
    """
    pages: list[list[str]] = [[]]
    y = _MARGIN
    next_id = [100]

    def new_id() -> int:
        next_id[0] += 1
        return next_id[0]

    def text_object(x: float, y_top: float, size: float, text: str) -> str:
        width = size * len(text)
        deltas = f"g {len(text) - 1} {size:g}" if len(text) > 1 else ""
        return (f'<ofd:TextObject ID="{new_id()}" Boundary="{x:.2f} {y_top:.2f} {width + 1:.2f} {size * 1.4:.2f}" '
                f'Font="3" Size="{size:g}"><ofd:TextCode X="0" Y="{size:g}" DeltaX="{deltas}">'
                f'{html.escape(text)}</ofd:TextCode></ofd:TextObject>')

    def rule(x0: float, y0: float, x1: float, y1: float) -> str:
        return (f'<ofd:PathObject ID="{new_id()}" Boundary="{x0:.2f} {y0:.2f} {max(x1 - x0, 0.2):.2f} '
                f'{max(y1 - y0, 0.2):.2f}" LineWidth="0.2"><ofd:AbstractData>M 0 0 L {x1 - x0:.2f} {y1 - y0:.2f}'
                f'</ofd:AbstractData></ofd:PathObject>')

    def need(height: float) -> None:
        nonlocal y
        if y + height > _PAGE_H - _MARGIN:
            pages.append([])
            y = _MARGIN

    area = _PAGE_W - 2 * _MARGIN
    for block in blocks:
        if block.kind == "table":
            widths = [w * area / 451 for w in _column_widths(block.rows, 451)]
            size = 3.7
            for row in block.rows:
                wrapped = [_wrap(cell, max(int(w / size) - 1, 1)) for cell, w in zip(row, widths)]
                height = max(len(w) for w in wrapped) * size * 1.5 + 2
                need(height)
                x = _MARGIN
                for cell_lines, w in zip(wrapped, widths):
                    for k, line in enumerate(cell_lines):
                        pages[-1].append(text_object(x + 1, y + 1 + k * size * 1.5, size, line))
                    x += w
                xs = [_MARGIN + sum(widths[:k]) for k in range(len(widths) + 1)]
                pages[-1] += [rule(_MARGIN, y, _MARGIN + area, y), rule(_MARGIN, y + height, _MARGIN + area, y + height)]
                pages[-1] += [rule(x, y, x, y + height) for x in xs]
                y += height
            y += 4
            continue
        size = 6.3 if block.kind == "title" else 5.6
        per_line = int(area / size)
        if block.kind == "title":
            for line in _wrap(block.text, per_line):
                need(size * 1.6)
                pages[-1].append(text_object((_PAGE_W - size * len(line)) / 2, y, size, line))
                y += size * 1.6
            continue
        first = True
        for line in _wrap(block.text, per_line, first_indent=2):
            need(size * 1.6)
            x = _MARGIN + (2 * size if first else 0)
            pages[-1].append(text_object(x, y, size, line))
            first = False
            y += size * 1.6
    body = []
    for n, objects in enumerate(pages, 1):
        footer_obj = text_object(_PAGE_W / 2 - 8, _PAGE_H - 15, 4.2, f"- {n} -") if footer else ""
        body.append(f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_OFD_NS}"><ofd:Content>'
                    f'<ofd:Layer ID="{new_id()}">{"".join(objects)}{footer_obj}</ofd:Layer></ofd:Content></ofd:Page>')
    page_refs = "".join(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
    document = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_OFD_NS}"><ofd:CommonData>'
                f'<ofd:MaxUnitID>{next_id[0] + 1}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {_PAGE_W:g} '
                f'{_PAGE_H:g}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
                f'</ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
    public_res = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{_OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
                  f'<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
    ofd = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_OFD_NS}" Version="1.0" DocType="OFD">'
           f'<ofd:DocBody><ofd:DocInfo><ofd:DocID>5b1ed6a9c6f14c6f8e1f0a7d2d4c9b11</ofd:DocID>'
           f'<ofd:Title>{html.escape(title)}</ofd:Title><ofd:Author>{html.escape(author)}</ofd:Author>'
           f'<ofd:CreationDate>2023-03-28</ofd:CreationDate></ofd:DocInfo>'
           f'<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", ofd)
        archive.writestr("Doc_0/Document.xml", document)
        archive.writestr("Doc_0/PublicRes.xml", public_res)
        for n, content in enumerate(body):
            archive.writestr(f"Doc_0/Pages/Page_{n}/Content.xml", content)
    return out.getvalue()


def _wrap(text: str, per_line: int, first_indent: int = 0) -> list[str]:
    lines, width = [], max(per_line - first_indent, 1)
    while text:
        lines.append(text[:width])
        text = text[width:]
        width = per_line
    return lines or [""]


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
