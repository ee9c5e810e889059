"""OFD files (GB/T 33190, the national format for official documents): a zip of XML.

No maintained Python OFD reader reads text reliably, and the format's text layer is
plain XML, so it is read here with the standard library: `OFD.xml` names the document
and its `DocInfo` (title, author, creation date); the document lists its pages; each
page's `TextObject`s place their characters (`TextCode` with `X`, `Y`, `DeltaX`) in
millimetres. The glyphs and the ruled lines (thin `PathObject`s) then go through the
same layout as a PDF. Templates (running heads), annotations and seals are not text of
the document and are left out.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
import xml.etree.ElementTree as ET

from bot.corpus.readers import Extracted
from bot.corpus.readers.layout import Glyph, Page, lay_out
from bot.errors import DocumentError

PT_PER_MM = 72 / 25.4  # the layout measures in points, as PDF does
MAX_XML_BYTES = 64 * 1024 * 1024  # one XML part unpacked: far above a real page, far below a zip bomb
A4 = (210.0, 297.0)


def read(data: bytes, name: str) -> Extracted:
    """Extract an OFD document's text page by page, with its DocInfo as metadata."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DocumentError(name, "not a readable OFD file (not a zip archive)") from None
    with archive:
        reader = _Package(archive, name)
        root = reader.xml("OFD.xml")
        body = _child(root, "DocBody")
        if body is None or _child(body, "DocRoot") is None:
            raise DocumentError(name, "not a readable OFD file (OFD.xml names no document)")
        doc_path = _path("", _text(_child(body, "DocRoot")))
        document = reader.xml(doc_path)
        default_box = _box(_find(document, "CommonData", "PageArea", "PhysicalBox")) or (0.0, 0.0, *A4)
        pages = []
        for page_ref in _iter(_child(document, "Pages"), "Page"):
            page_path = _path(posixpath.dirname(doc_path), page_ref.get("BaseLoc", ""))
            pages.append(_page(reader.xml(page_path), default_box))
        meta = _doc_info(_child(body, "DocInfo"))
    if not pages:
        raise DocumentError(name, "not a readable OFD file (no pages)")
    text, starts = lay_out(pages)
    if not text.strip():
        raise DocumentError(name, "no text found in the OFD file (a scan: OCR of OFD images is not supported)")
    return Extracted(text=text, meta=meta, page_starts=starts)


class _Package:
    """The zip's XML parts, read with a size limit and named errors."""

    def __init__(self, archive: zipfile.ZipFile, name: str):
        self.archive = archive
        self.name = name
        self.members = {m.filename.lstrip("/"): m for m in archive.infolist()}

    def xml(self, path: str) -> ET.Element:
        member = self.members.get(path.lstrip("/"))
        if member is None:
            raise DocumentError(self.name, f"not a readable OFD file ({path} is missing)")
        if member.file_size > MAX_XML_BYTES:
            raise DocumentError(self.name, f"not a readable OFD file ({path} is too large)")
        try:
            return ET.fromstring(self.archive.read(member))
        except (ET.ParseError, zipfile.BadZipFile, OSError) as exc:
            raise DocumentError(self.name, f"not a readable OFD file ({path}: {exc})") from None


def _page(root: ET.Element, default_box: tuple[float, float, float, float]) -> Page:
    box = _box(_find(root, "Area", "PhysicalBox")) or default_box
    glyphs: list[Glyph] = []
    rules: list[tuple[float, float, float, float]] = []
    content = _child(root, "Content")
    for element in (content.iter() if content is not None else ()):
        local = _local(element.tag)
        if local == "TextObject":
            glyphs += _text_object(element)
        elif local == "PathObject":
            bounds = _box(element.get("Boundary"))
            if bounds and min(bounds[2], bounds[3]) <= 1.0:  # a ruled line, not a shape
                x, y, w, h = bounds
                rules.append((x * PT_PER_MM, y * PT_PER_MM, (x + w) * PT_PER_MM, (y + h) * PT_PER_MM))
    return Page(box[2] * PT_PER_MM, box[3] * PT_PER_MM, glyphs, rules)


def _text_object(element: ET.Element) -> list[Glyph]:
    bounds = _box(element.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
    size = float(element.get("Size", "3.5") or 3.5)
    ctm = [float(v) for v in (element.get("CTM") or "1 0 0 1 0 0").split()][:6]
    a, b, c, d, e, f = ctm if len(ctm) == 6 else (1, 0, 0, 1, 0, 0)
    scale = abs(a * d - b * c) ** 0.5 or 1.0
    glyphs: list[Glyph] = []
    x = y = 0.0
    for code in element:
        if _local(code.tag) != "TextCode" or not code.text:
            continue
        x = float(code.get("X", x))
        y = float(code.get("Y", y))
        dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        for i, char in enumerate(code.text):
            px, py = a * x + c * y + e + bounds[0], b * x + d * y + f + bounds[1]
            advance = (dx[i] if i < len(dx) else size) * scale
            height = size * scale
            if char.strip():
                glyphs.append(Glyph(char, px * PT_PER_MM, (py - 0.88 * height) * PT_PER_MM,
                                    (px + min(advance, height)) * PT_PER_MM, (py + 0.12 * height) * PT_PER_MM))
            x += dx[i] if i < len(dx) else size
            y += dy[i] if i < len(dy) else 0.0
    return glyphs


def _deltas(value: str | None) -> list[float]:
    """`DeltaX`: numbers, where `g N d` repeats `d` N times."""
    if not value:
        return []
    tokens, out, i = value.split(), [], 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out += [float(tokens[i + 2])] * int(float(tokens[i + 1]))
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    return out


def _doc_info(info: ET.Element | None) -> dict[str, str]:
    if info is None:
        return {}
    meta = {}
    title = _text(_child(info, "Title"))
    if title:
        meta["title"] = title
    for element in info.iter():
        if _local(element.tag) == "CustomData" and element.text:
            key = element.get("Name", "").strip()
            if key in ("发文机关", "发文单位", "Issuer"):
                meta["issuer"] = element.text.strip()
            elif key in ("发文字号", "文号", "DocNumber"):
                meta["doc_number"] = element.text.strip()
            elif key in ("成文日期", "发布日期", "签发日期"):
                meta["date"] = element.text.strip()
    return meta


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, local: str) -> ET.Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == local), None)


def _iter(element: ET.Element | None, local: str):
    return [c for c in element if _local(c.tag) == local] if element is not None else []


def _find(element: ET.Element | None, *path: str) -> ET.Element | None:
    for local in path:
        element = _child(element, local)
    return element


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _box(value) -> tuple[float, float, float, float] | None:
    text = _text(value) if isinstance(value, ET.Element) else value
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text or "")]
    return tuple(numbers[:4]) if len(numbers) >= 4 else None  # type: ignore[return-value]


def _path(base: str, location: str) -> str:
    """Resolve a `BaseLoc` (relative to its XML file, or absolute from the package root)."""
    location = location.strip()
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(base, location))
