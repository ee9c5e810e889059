"""The document viewer: links to clauses, the page itself, its HTTP route, and a real browser.

The browser test opens the page in Debian's headless Chromium (over the DevTools protocol),
checks that the clause the link names is scrolled into view and highlighted in the
screenshot's pixels, and that the page logged no error; it is skipped when Chromium is absent.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest
from headless_chromium import CHROMIUM, Chromium
from slack_harness import serve_in_thread

from bot.cli import main
from bot.corpus.reader import load_document
from bot.errors import ConfigError
from bot.links import ClauseLinks, LinkTarget, source_url_of, split_clause_id
from bot.model import Clause, Document, Target
from bot.server import create_viewer_app
from bot.settings import load_settings
from bot.viewer import CONTENT_SECURITY_POLICY, language_of, render_document, render_index
from paths import DATA, ROOT

PLAN = "guangyuan-2022-collaborative-innovation-action-plan"
HIGHLIGHT = (255, 244, 194)  # --mark in the viewer's stylesheet


class Elements(HTMLParser):
    """Every element's tag and attributes, and the text, of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def ids(self) -> list[str]:
        return [attrs["id"] for _, attrs in self.elements if attrs.get("id")]

    def links(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.elements if tag == "a"]


# ---------------------------------------------------------------- links

def test_clause_links_round_trip_for_every_kind_of_id():
    links = ClauseLinks("https://policy.example.org/bot")
    for clause_id in (f"{PLAN}#2.2.5", "2023/规划#c1.a1", "plan.pdf#p0", "a#b#a1.3"):
        url = links.clause_url(clause_id)
        assert url.startswith("https://policy.example.org/bot/d/") and " " not in url
        assert not set("<>|") & set(url)  # nothing that would break a Slack <url|label>
        doc_id, anchor = split_clause_id(clause_id)
        assert links.target_of(url) == LinkTarget(doc_id, anchor)
    assert links.target_of(links.document_url("2023/规划")) == LinkTarget("2023/规划", None)
    assert ClauseLinks("https://policy.example.org/bot/").clause_url("x#1") == "https://policy.example.org/bot/d/x#1"


def test_only_our_own_viewer_urls_are_read_back():
    links = ClauseLinks("https://policy.example.org")
    for url in ("https://other.example.org/d/x#1", "http://policy.example.org/d/x#1", "https://policy.example.org/x",
                "https://policy.example.org/d/", "not a url", "https://policy.example.org:notaport/d/x"):
        assert links.target_of(url) is None, url
    assert ClauseLinks(None).clause_url(f"{PLAN}#2.2.5") is None and not ClauseLinks(None)


def test_the_source_url_comes_from_whichever_key_holds_a_web_address():
    gongbujiangda = load_document(DATA / "gongbujiangda-2022-government-work-rules.txt")
    assert gongbujiangda.source_url.startswith("http://gongbujiangda.gov.cn/")  # from `来源:`
    alashankou = load_document(DATA / "alashankou-2016-government-work-rules.txt")
    assert alashankou.source_url == "https://www.alsk.gov.cn/info/1045/2905.htm"  # `来源:` names an office
    assert source_url_of({"source_url": "javascript:alert(1)", "原文链接": "https://www.gov.cn/x.htm"}) \
        == "https://www.gov.cn/x.htm"
    assert source_url_of({"来源": "成都市人民政府办公厅"}) is None


def test_public_url_from_config_or_environment(tmp_path):
    assert load_settings(ROOT / "config" / "settings.yaml", env={}).public_url is None
    env = {"POLICYBOT_PUBLIC_URL": "https://policy.example.org/"}
    assert load_settings(ROOT / "config" / "settings.yaml", env=env).public_url == "https://policy.example.org"
    with pytest.raises(ConfigError, match="server.public_url"):
        load_settings(ROOT / "config" / "settings.yaml", env={"POLICYBOT_PUBLIC_URL": "policy.example.org"})


def test_ask_output_links_each_result_when_a_public_url_is_set(monkeypatch):
    monkeypatch.setenv("POLICYBOT_PUBLIC_URL", "https://policy.example.org")
    out = io.StringIO()
    assert main(["ask", "target 新增市级平台"], out=out) == 0
    assert f"二、(二) 5.  https://policy.example.org/d/{PLAN}#2.2.5" in out.getvalue()
    monkeypatch.setattr("sys.stdin", io.StringIO("target 新增市级平台\n"))
    out = io.StringIO()
    assert main(["ask", "--json", "-"], out=out) == 0
    result = json.loads(out.getvalue())["results"][0]
    assert result["url"] == f"https://policy.example.org/d/{PLAN}#2.2.5"
    monkeypatch.delenv("POLICYBOT_PUBLIC_URL")
    out = io.StringIO()
    assert main(["ask", "target 新增市级平台"], out=out) == 0
    assert "https://" not in out.getvalue()


# ---------------------------------------------------------------- the page

def test_every_clause_of_every_seed_has_one_anchor(engine):
    for document in engine.documents:
        clauses = engine.clauses_of(document.id)
        page = Elements(render_document(document, clauses))
        ids = page.ids()
        assert len(ids) == len(set(ids)), document.id
        assert {split_clause_id(c.id)[1] for c in clauses} <= set(ids)
        # Every in-page link lands somewhere.
        assert {href[1:] for href in page.links() if href.startswith("#")} <= set(ids)


def test_the_page_shows_units_targets_and_metadata(engine):
    document = engine.document(PLAN)
    page = render_document(document, engine.clauses_of(PLAN))
    article = re.search(r'<article class="clause with-aside" id="2\.2\.5">.*?</article>', page, re.S).group(0)
    assert "二、(二) 5." in article and "<strong>积极推动高水平创新平台建设</strong>" in article
    assert all(word in article for word in ("市科技局", "市发展改革委", "新增市级平台", "5家"))
    assert "广元市" in page and "行动计划" in page and f"{PLAN}.txt" in page
    assert "<h2" in page and "<script" not in page


def test_the_official_source_is_linked_and_nothing_else_is_trusted():
    document = load_document(DATA / "gongbujiangda-2022-government-work-rules.txt")
    page = Elements(render_document(document.summary(), document.clauses))
    sources = [attrs for tag, attrs in page.elements if tag == "a" and attrs["href"].startswith("http")]
    assert [a["href"] for a in sources] == [document.source_url]
    assert "noopener" in sources[0]["rel"] and "noreferrer" in sources[0]["rel"]
    hostile = dataclasses.replace(document.summary(), source_url="javascript:alert(1)", title='<img src=x>"&')
    page = render_document(hostile, document.clauses)
    assert "javascript:" not in page and "<img" not in page and "&lt;img src=x&gt;&quot;&amp;" in page


def test_text_from_documents_is_escaped_everywhere():
    clause = Clause(id='x#1', doc_id="x", order=0, labels=("一、",), path=("<b>部分</b>",), heading="</p><script>",
                    text="</p><script>alert(1)</script>完成投资>100亿元&", ref="《<t>》一、",
                    lead_units=('"><x',),
                    targets=(Target("s", "<m>", 100.0, "亿元", "以上", "<h>", dt.date(2025, 12, 31)),))
    document = Document(id="x", title="<t>", issuer="<i>", region="<r>", date=None, kind=None, doc_number="<n>",
                        source="<s>.txt", content_hash="h")
    for page in (render_document(document, [clause]), render_index([document])):
        assert not re.search(r"<(script|b|t|i|r|n|s|m|h|x)\b", page), page
    assert "完成投资&gt;100亿元&amp;" in render_document(document, [clause])


def test_language_follows_the_query_then_the_browser():
    assert language_of(None, None) == "zh"
    assert language_of(None, "en-US,en;q=0.9,zh-CN;q=0.8") == "en"
    assert language_of("zh", "en-US") == "zh"
    assert language_of("en", None) == "en"
    assert language_of(None, "fr-FR, zh-TW;q=0.5") == "zh"


def test_the_index_lists_every_document(engine):
    page = Elements(render_index(engine.documents))
    assert sorted(page.links()) == sorted(f"/d/{d.id}" for d in engine.documents)


def test_behind_a_path_prefix_the_pages_link_under_it(engine):
    root = ClauseLinks("https://example.org/policybot/").root
    assert root == "/policybot" and ClauseLinks("https://example.org").root == ""
    assert all(link.startswith("/policybot/d/") for link in Elements(render_index(engine.documents, root=root)).links())
    page = Elements(render_document(engine.document(PLAN), engine.clauses_of(PLAN), root=root))
    assert "/policybot/d/" in page.links()


# ---------------------------------------------------------------- over HTTP

@pytest.fixture(scope="module")
def viewer_url(engine):
    with serve_in_thread(create_viewer_app(engine)) as base:
        yield base


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


def test_the_viewer_serves_documents_with_a_strict_policy(viewer_url):
    status, headers, page = fetch(f"{viewer_url}/d/{PLAN}")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY
    assert 'id="2.2.5"' in page
    status, _, _ = fetch(f"{viewer_url}/d/{PLAN}", {"If-None-Match": headers["etag"]})
    assert status == 304
    status, _, english = fetch(f"{viewer_url}/d/{PLAN}", {"Accept-Language": "en-GB,en;q=0.9"})
    assert status == 200 and "Lead" in english and 'lang="en"' in english


def test_unknown_documents_and_the_index(viewer_url, engine):
    status, _, page = fetch(f"{viewer_url}/d/no-such-doc<script>")
    assert status == 404 and "<script>" not in page and "no-such-doc&lt;script&gt;" in page
    status, _, page = fetch(f"{viewer_url}/d")
    assert status == 200 and all(d.title in page for d in engine.documents)


# ---------------------------------------------------------------- in a real browser

@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("clause_id, width, height, mobile", [
    (f"{PLAN}#2.2.5", 412, 915, True),
    (f"{PLAN}#2.2.5", 1280, 800, False),
    ("zigong-2021-innovation-decision#8.27", 412, 915, True),  # the last clause of a long page
])
def test_the_linked_clause_is_in_view_and_highlighted(viewer_url, engine, tmp_path, clause_id, width, height, mobile):
    url = ClauseLinks(viewer_url).clause_url(clause_id)
    with Chromium() as page:
        page.open(url, width=width, height=height, mobile=mobile)
        target = page.evaluate("""(() => {
            const el = document.querySelector(':target');
            if (!el) return null;
            const r = el.getBoundingClientRect();
            return {id: el.id, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                    background: getComputedStyle(el).backgroundColor, height: innerHeight, width: innerWidth,
                    overflow: document.documentElement.scrollWidth - innerWidth};
        })()""")
        shot = page.screenshot(tmp_path / f"{split_clause_id(clause_id)[1]}-{width}.png")
        errors = list(page.errors)
    assert target is not None and target["id"] == split_clause_id(clause_id)[1]
    assert target["background"] == "rgb(255, 244, 194)"
    # Scrolled to: near the top, or wholly in view when the page ends below it.
    assert 0 <= target["top"] and (target["top"] < height / 2 or target["bottom"] <= height), target
    assert target["overflow"] <= 0  # no sideways scrolling on a phone
    assert errors == []
    # In the pixels: the clause's box is painted in the highlight colour.
    top, bottom = max(int(target["top"]) + 2, 0), min(int(target["bottom"]) - 2, shot.height - 1)
    left, right = max(int(target["left"]) + 6, 0), min(int(target["right"]) - 2, shot.width - 1)
    samples = [shot.pixel(x, y) for y in range(top, bottom, 4) for x in range(left, right, 8)]
    assert samples and sum(p == HIGHLIGHT for p in samples) / len(samples) > 0.5
    # ... and the page above it is not.
    assert shot.pixel(2, max(top - 12, 0)) != HIGHLIGHT or top < 12
