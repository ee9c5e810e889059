"""References are links in Slack: replies, shared results, full clauses, digests; and unfurls.

End to end over HTTP against the fake Slack, with `server.public_url` set: the link in a
reply is followed to the viewer the same server serves, and a link posted in a channel is
unfurled with `chat.unfurl` as Slack expects it.
"""
from __future__ import annotations

import html
import json
import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from slack_harness import running_bot

from bot.links import ClauseLinks
from bot.model import Clause, Document
from bot.strings import Catalog
from handlers.blocks import linked, reference_line

PUBLIC = "https://policy.example.org"
PLAN = "guangyuan-2022-collaborative-innovation-action-plan"
SLACK_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")  # how Slack reads `<url|label>` in mrkdwn


@pytest.fixture(scope="module")
def bot(settings, engine, tmp_path_factory):
    with running_bot(settings, tmp_path_factory.mktemp("db"), engine=engine, public_url=PUBLIC) as bot:
        yield bot


def slack_links(message) -> list[tuple[str, str]]:
    """Every (url, label) a Slack client would show as a link in `message`, labels unescaped."""
    return [(url, html.unescape(label)) for url, label in SLACK_LINK.findall(json.dumps(message, ensure_ascii=False))]


def open_in_viewer(running, url: str) -> str:
    """Follow a public viewer link to the server under test (same path; the anchor stays client-side)."""
    parts = urlsplit(url)
    base = running.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(base + parts.path, timeout=10) as response:
        return response.read().decode("utf-8")


# ---------------------------------------------------------------- the link itself

def test_a_label_with_pipes_and_angle_brackets_stays_one_link():
    clause = Clause(id="x#1.2", doc_id="x", order=0, labels=("一、", "(二)"), path=(), heading=None, text="…",
                    ref="《A|B > C & <!channel>》一、(二)")
    document = Document(id="x", title="A|B > C & <!channel>", issuer=None, region="成都市", date=None, kind=None,
                        doc_number=None, source="x.txt", content_hash="h")
    line = reference_line(clause, document, Catalog("en"), ClauseLinks(PUBLIC))
    (link,) = SLACK_LINK.findall(line)
    assert link[0] == f"{PUBLIC}/d/x#1.2"
    assert html.unescape(link[1]) == "《A｜B > C & <!channel>》一、(二)"
    assert "<!channel>" not in line and line.endswith(" · 成都市")
    assert linked("《t》", None) == "《t》"  # no public URL: the plain reference, as before


# ---------------------------------------------------------------- replies

def test_every_result_of_a_slash_command_links_to_its_clause(running):
    sent, _ = running.slack.command("target 研发")
    assert sent.status == 200
    reply = sent.json()
    links = slack_links(reply["blocks"])
    hits = [b for b in reply["blocks"] if re.fullmatch(r"hit-\d+", b.get("block_id", ""))]
    assert len(links) == len(hits) > 1
    for url, label in links:
        assert url.startswith(f"{PUBLIC}/d/") and "#" in url and label.startswith("《")
    page = open_in_viewer(running, links[0][0])
    assert f'id="{urlsplit(links[0][0]).fragment}"' in page


def test_dm_replies_full_clauses_and_shared_results_link_too(running):
    _, event = running.slack.direct_message("lead-unit 科技成果转化示范区")
    posted = running.fake.wait_for_call("chat.postMessage")[0].params
    assert any(url.startswith(f"{PUBLIC}/d/{PLAN}#") for url, _ in slack_links(posted["blocks"]))
    running.settle()
    _, name = running.slack.block_action("full_clause", f"{PLAN}#2.2.5", response_name="full")
    full = running.fake.wait_for_call("full")[0].params
    assert (f"{PUBLIC}/d/{PLAN}#2.2.5", "《关于进一步增强协同创新发展能力行动计划》二、(二) 5.") in slack_links(full)
    value = json.dumps({"q": "target 新增市级平台", "id": f"{PLAN}#2.2.5", "o": 0}, ensure_ascii=False)
    running.slack.block_action("share_result", value, response_name="shared")
    shared = running.fake.wait_for_call("shared")[0].params
    assert shared["response_type"] == "in_channel"
    assert f"{PUBLIC}/d/{PLAN}#2.2.5" in [url for url, _ in slack_links(shared)]


def test_the_digest_preview_links_documents_and_clauses(running):
    sent, _ = running.slack.command("subscribe 研发投入")
    assert sent.status == 200
    running.settle()
    sent, _ = running.slack.command("digest preview")
    preview = sent.json()
    urls = [url for url, _ in slack_links(preview["blocks"])]
    assert f"{PUBLIC}/d/{PLAN}" in urls  # the document, in "documents covered"
    assert any(url.startswith(f"{PUBLIC}/d/") and "#" in url for url in urls)  # its clauses and targets
    running.slack.command("unsubscribe 研发投入")


# ---------------------------------------------------------------- unfurls

def unfurls_of(call) -> dict:
    value = call.params["unfurls"]
    return json.loads(value) if isinstance(value, str) else value


def test_a_posted_clause_link_unfurls_with_its_text_units_and_targets(running):
    url = ClauseLinks(PUBLIC).clause_url(f"{PLAN}#2.2.5")
    sent, event = running.slack.link_shared([url, "https://elsewhere.example.com/d/x#1"])
    assert sent.status == 200
    call = running.fake.wait_for_call("chat.unfurl")[0]
    assert call.problems == [] and call.params["channel"] == event["channel"]
    assert call.params["ts"] == event["message_ts"]
    unfurls = unfurls_of(call)
    assert list(unfurls) == [url]  # the other domain's link is not ours to unfurl
    text = json.dumps(unfurls[url], ensure_ascii=False)
    assert "积极推动高水平创新平台建设" in text and "建好精密雷达测量技术省级重点实验室" in text
    assert "市科技局" in text and "新增市级平台" in text


def test_links_typed_in_the_composer_unfurl_by_unfurl_id(running):
    document_url = ClauseLinks(PUBLIC).document_url(PLAN)
    _, event = running.slack.link_shared([document_url], composer=True)
    call = running.fake.wait_for_call("chat.unfurl")[0]
    assert call.problems == []
    assert (call.params["unfurl_id"], call.params["source"]) == (event["unfurl_id"], "composer")
    assert "广元市" in json.dumps(unfurls_of(call), ensure_ascii=False)


def test_links_the_corpus_does_not_have_are_left_alone(running):
    sent, _ = running.slack.link_shared([f"{PUBLIC}/d/no-such-document#1.1", f"{PUBLIC}/elsewhere"])
    assert sent.status == 200
    assert "chat.unfurl" not in running.settle()
