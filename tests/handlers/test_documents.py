"""Documents added from Slack, end to end: a file shared in the bot's DM, and `/policy add <URL>`.

The file is a real document (the Lishan district's task division, as a PDF built from its
text); the bot gets it with `files.info` and downloads `url_private_download` from the fake
Slack with its own token, then answers with what was parsed, and the document is answerable.
"""
from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time

import pytest
from fake_slack import TEAM_ID
from published_files import blocks_of, make_html, make_pdf
from slack_harness import TOKEN, running_app

from digest_support import ADMIN, ROOT, reply_to_command, worlds_on_one_database

LISHAN = (ROOT / "tests" / "data" / "lishan-2023-task-division.txt").read_text(encoding="utf-8")
LISHAN_TITLE = "立山区政府2023年重点工作任务分解和责任分工方案"
PDF_NAME = "立山区 2023 分工方案.pdf"


@pytest.fixture
def world(settings, tmp_path):
    with worlds_on_one_database(settings, tmp_path) as (world,):
        yield world


def share_in_dm(running, file_ids: list[str], *, user: str = ADMIN, channel: str = "D0ADMIN") -> dict:
    """The `message` event Slack sends when someone uploads files in the bot's DM (or, given one, a channel)."""
    ts = f"{time.time():.6f}"
    kind = "im" if channel.startswith("D") else "channel"
    event = {"type": "message", "subtype": "file_share", "channel": channel, "channel_type": kind, "user": user,
             "text": "", "ts": ts, "event_ts": ts, "team": TEAM_ID, "upload": True, "display_as_bot": False,
             "files": [{"id": f, "mode": "hosted"} for f in file_ids]}
    assert running.slack.event(event).status == 200
    running.settle()
    return event


def replies(fake, channel: str) -> list[str]:
    return [json.dumps(c.params, ensure_ascii=False) for c in fake.calls_to("chat.postMessage")
            if c.params.get("channel") == channel]


def test_an_admin_shares_a_pdf_in_the_dm_and_it_can_be_asked_about_at_once(world):
    fake = world.fake
    pdf = make_pdf(blocks_of(LISHAN, 1))
    file_id = fake.workspaces.add_file(PDF_NAME, pdf, mimetype="application/pdf")
    with running_app(world.runtime, fake) as running:
        event = share_in_dm(running, [file_id])
        (info,) = fake.calls_to("files.info")
        assert info.params["file"] == file_id and info.token == TOKEN
        (download,) = fake.calls_to("download")
        assert download.params["path"] == f"/files-pri/{TEAM_ID}-{file_id}/{PDF_NAME}?download=1"
        assert download.token == TOKEN
        (reply,) = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "D0ADMIN"]
        assert reply.params["thread_ts"] == event["ts"]
        said = json.dumps(reply.params, ensure_ascii=False)
        assert f"已收录《{LISHAN_TITLE}》(新文件)" in said
        assert "日期:2023-03-28 · 8 条款 · 5 个目标 · 6 项任务 · 共 1 页" in said
        assert "已存入数据库,共用该数据库的所有实例都会收录。" in said

        answer = json.dumps(reply_to_command(running, "lead-unit 社会消费品零售总额"), ensure_ascii=False)
        assert LISHAN_TITLE in answer and "区商务局" in answer

        # Slack also sends file_shared for the same upload: the file is added once.
        running.slack.event({"type": "file_shared", "file_id": file_id, "user_id": ADMIN, "channel_id": "D0ADMIN",
                             "file": {"id": file_id}, "event_ts": f"{time.time():.6f}"})
        running.settle()
        assert len(fake.calls_to("files.info")) == 1 and len(replies(fake, "D0ADMIN")) == 1
        assert fake.problems() == []
    (entry,) = world.services.store.corpus_entries()
    assert (entry.name, entry.added_by) == ("立山区-2023-分工方案.pdf", ADMIN)
    assert (world.settings.corpus_dir / "立山区-2023-分工方案.pdf").read_bytes() == pdf


def test_a_file_shared_event_alone_is_taken_too(world):
    fake = world.fake
    file_id = fake.workspaces.add_file("notice.txt", "关于做好科技人才工作的通知\n一、总体要求\n到2025年,新增科技人才1000人以上。\n"
                                                     .encode("utf-8"), mimetype="text/plain")
    with running_app(world.runtime, fake) as running:
        running.slack.event({"type": "file_shared", "file_id": file_id, "user_id": ADMIN, "channel_id": "D0ADMIN",
                             "file": {"id": file_id}, "event_ts": f"{time.time():.6f}"})
        running.settle()
    (said,) = replies(fake, "D0ADMIN")
    assert "已收录《关于做好科技人才工作的通知》(新文件)" in said


def test_someone_else_is_told_who_can_add_documents(world):
    fake = world.fake
    file_id = fake.workspaces.add_file(PDF_NAME, make_pdf(blocks_of(LISHAN, 1)))
    with running_app(world.runtime, fake) as running:
        share_in_dm(running, [file_id], user="U0READER", channel="D0READER")
        (said,) = replies(fake, "D0READER")
        assert "只有管理员可以添加文件:<@U0ADMIN>。请把文件或网址发给他们。" in said
        # A file shared in a channel, even by an admin, is not the bot's to take.
        share_in_dm(running, [fake.workspaces.add_file("方案.pdf", make_pdf(blocks_of(LISHAN, 1)))],
                    channel="C0GENERAL")
        assert replies(fake, "C0GENERAL") == []
        refused = json.dumps(reply_to_command(running, "add https://www.example.gov.cn/a.html", user="U0READER"),
                             ensure_ascii=False)
        assert "只有管理员可以添加文件:<@U0ADMIN>" in refused
    assert fake.calls_to("files.info") == [] and world.services.store.corpus_entries() == []


def test_files_that_cannot_be_used_are_refused_each_with_its_reason(world):
    fake = world.fake
    image = fake.workspaces.add_file("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(64), mimetype="image/png")
    huge = fake.workspaces.add_file("全年汇编.pdf", b"%PDF-1.7\n", size=60 * 2**20)
    other_team = fake.workspaces.add_file("other.txt", "别的工作区的文件".encode("utf-8"), team="T0OTHER")
    empty = fake.workspaces.add_file("empty.txt", "\n \n".encode("utf-8"))
    with running_app(world.runtime, fake) as running:
        share_in_dm(running, [image, huge, other_team, empty])
        said = "\n".join(replies(fake, "D0ADMIN"))
    assert "没有收录 scan.png:unsupported file type .png" in said
    assert "没有收录 全年汇编.pdf:文件有 60.0 MB,超过 50 MB 的上限" in said
    assert f"没有收录 {other_team}:无法从 Slack 取得文件(file_not_found)" in said
    assert "没有收录 empty.txt:" in said
    assert len(replies(fake, "D0ADMIN")) == 4
    # Only what could be a document was downloaded: not the image's type, not the huge file, not another team's.
    assert [c.params["path"].rsplit("/", 1)[-1] for c in fake.calls_to("download", ok_only=False)] == \
        ["empty.txt?download=1"]
    assert world.services.store.corpus_entries() == []


# ---------------------------------------------------------------- /policy add <URL>

class _Site(http.server.ThreadingHTTPServer):
    """A government site on loopback serving one policy page."""

    def __init__(self, page: bytes):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                found = self.path.startswith("/zwgk/art_2023_0328.html")
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page) if found else 0))
                self.end_headers()
                if found:
                    self.wfile.write(page)

        super().__init__(("127.0.0.1", 0), Handler)


@contextlib.contextmanager
def government_site(page: bytes):
    site = _Site(page)
    thread = threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


def test_policy_add_fetches_a_page_but_never_a_private_address_unless_allowed(world):
    page = make_html(blocks_of(LISHAN, 1), article_title=LISHAN_TITLE, pub_date="2023-03-28 10:00",
                     source="立山区人民政府办公室", url="https://www.lishan.gov.cn/zwgk/art_2023_0328.html")
    with government_site(page) as base:
        url = f"{base}/zwgk/art_2023_0328.html?id=5&lang=zh"
        as_slack_sends_it = f"add <{url.replace('&', '&amp;')}|立山区分工方案>"
        with running_app(world.runtime, world.fake) as running:
            refused = json.dumps(reply_to_command(running, as_slack_sends_it, user=ADMIN), ensure_ascii=False)
            assert "没有收录" in refused and "refused: 127.0.0.1 is a private or local address" in refused
            usage = json.dumps(reply_to_command(running, "add", user=ADMIN), ensure_ascii=False)
            assert "用法:`/policy add <网址>`" in usage.replace("&lt;", "<").replace("&gt;", ">")
        assert world.services.store.corpus_entries() == []

        # An intranet deployment can allow it (slack.add_private_addresses).
        allowed = world.restart(add_private_addresses=True)
        with running_app(allowed.runtime, allowed.fake) as running:
            added = json.dumps(reply_to_command(running, as_slack_sends_it, user=ADMIN), ensure_ascii=False)
            assert f"已收录《{LISHAN_TITLE}》(新文件)" in added and "8 条款" in added
            answer = json.dumps(reply_to_command(running, "unit 区商务局"), ensure_ascii=False)
            assert LISHAN_TITLE in answer
        (entry,) = allowed.services.store.corpus_entries()
        assert entry.meta["source_url"] == url and entry.added_by == ADMIN
        allowed.runtime.close()


def test_the_fetch_guard_checks_the_address_actually_reached():
    from bot.corpus.fetch import FetchError, FetchLimits, download, is_public_address

    assert [is_public_address(a) for a in ("8.8.8.8", "127.0.0.1", "10.1.2.3", "169.254.169.254", "::1",
                                           "::ffff:192.168.0.1", "fd00::1", "2400:3200::1")] == \
        [True, False, False, False, False, False, False, True]
    with government_site(b"<html></html>") as base:
        # `localhost` is a name: the guard looks at the socket's peer, not at the name.
        with pytest.raises(FetchError, match="private or local address"):
            download(base.replace("127.0.0.1", "localhost") + "/zwgk/art_2023_0328.html", limits=FetchLimits())
        assert download(base + "/zwgk/art_2023_0328.html", limits=FetchLimits(allow_private=True)).data


def test_slacks_sign_in_page_is_not_taken_for_the_file(world):
    from slack_sdk import WebClient

    from bot.corpus.fetch import FetchError, FetchLimits
    from handlers.documents import download_slack_file

    fake = world.fake
    file_id = fake.workspaces.add_file(PDF_NAME, make_pdf(blocks_of(LISHAN, 1)), mimetype="application/pdf")
    info = WebClient(token=TOKEN, base_url=fake.api_url).files_info(file=file_id)["file"]
    assert download_slack_file(WebClient(token=TOKEN, base_url=fake.api_url), info, FetchLimits()).startswith(b"%PDF")
    stranger = WebClient(token="xoxb-not-this-workspace", base_url=fake.api_url)
    with pytest.raises(FetchError, match="sign-in page instead of the file"):
        download_slack_file(stranger, info, FetchLimits())
    with pytest.raises(FetchError, match="not from Slack"):
        download_slack_file(stranger, {**info, "url_private_download": "https://evil.example/steal"}, FetchLimits())
