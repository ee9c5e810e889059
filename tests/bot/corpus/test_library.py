"""`policybot add` for files and addresses, the shared copy in the database, and syncing other instances.

Addresses are served on loopback by a stdlib HTTP server playing a government site.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import io
import os
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.corpus.fetch import FetchError, FetchLimits, fetch_document
from bot.corpus.library import AddError, CorpusLibrary, safe_name
from bot.engine import PolicyEngine
from bot.settings import load_settings
from bot.store import Store
from published_files import blocks_of, make_html, make_pdf
from paths import ROOT

LISHAN = (ROOT / "tests" / "data" / "lishan-2023-task-division.txt").read_text(encoding="utf-8")
LISHAN_TITLE = "立山区政府2023年重点工作任务分解和责任分工方案"
NOTICE = "关于做好科技人才工作的通知\n一、总体要求\n到2025年,新增科技人才1000人以上。\n二、保障措施\n加强组织领导。\n"
PG_ENV = "POLICYBOT_TEST_POSTGRES_URL"


class GovernmentSite(http.server.ThreadingHTTPServer):
    """Pages and files as a city's site serves them, plus the answers a fetch must refuse."""

    daemon_threads = True

    def __init__(self):
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            for _ in range(50):  # trickles for longer than the client waits
                try:
                    self.wfile.write(b"%PDF-1.7 ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
            return
        status, headers, body = self.server.routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", headers.get("Content-Length", str(len(body))))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def site():
    server = GovernmentSite()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    page = make_html(blocks_of(LISHAN, 1), article_title=LISHAN_TITLE, pub_date="2023-03-29 10:00",
                     source="立山区人民政府办公室", url="https://www.lishan.gov.cn/html/ASLSQ/202303/0168765895614794.html")
    server.routes.update({
        "/html/ASLSQ/202303/0168765895614794.html": (200, {"Content-Type": "text/html; charset=utf-8"}, page),
        "/module/download/downfile.jsp?id=5": (200, {"Content-Type": "application/pdf"}, make_pdf(blocks_of(LISHAN, 1))),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/huge.pdf": (200, {"Content-Type": "application/pdf", "Content-Length": str(10 ** 9)}, b"%PDF"),
        "/nav.html": (200, {"Content-Type": "text/html"}, "<html><body><a href='/'>首页</a></body></html>".encode()),
    })
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def instance(tmp_path):
    """Settings of one instance: its own corpus folder and cache, a SQLite database in tmp_path."""
    def make(name: str, url: str | None = None):
        folder = tmp_path / name / "corpus"
        folder.mkdir(parents=True)
        (folder / "notice.txt").write_text(NOTICE, encoding="utf-8")
        base = load_settings(ROOT / "config" / "settings.yaml", env={})
        return dataclasses.replace(base, corpus_dir=folder, cache_dir=tmp_path / name / "cache",
                                   database_url=url or f"sqlite:///{tmp_path / 'shared.db'}")
    return make


def run_add(settings, *items: str) -> tuple[int, str]:
    config = settings.cache_dir.parent / "settings.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"cache_dir: {settings.cache_dir}\nvocabulary: {ROOT / 'config' / 'vocabulary.yaml'}\n"
                      f"user_dictionary: {ROOT / 'config' / 'userdict.txt'}\n"
                      f"database:\n  url: {settings.database_url}\n", encoding="utf-8")
    out = io.StringIO()
    code = main(["add", *items, "--corpus", str(settings.corpus_dir), "--config", str(config)], out=out)
    return code, out.getvalue()


def test_add_a_file_prints_what_was_parsed_and_the_corpus_answers_from_it(instance, tmp_path):
    settings = instance("a")
    pdf = tmp_path / "立山区 2023 分工方案.pdf"
    pdf.write_bytes(make_pdf(blocks_of(LISHAN, 1)))
    code, out = run_add(settings, str(pdf))
    assert code == 0
    assert out.startswith(f"立山区-2023-分工方案.pdf: added as 立山区-2023-分工方案 · 8 clauses · 5 targets · 6 tasks "
                          f"· title 《{LISHAN_TITLE}》")
    assert "date 2023-03-28 · 1 page\n" in out
    assert (settings.corpus_dir / "立山区-2023-分工方案.pdf").read_bytes() == pdf.read_bytes()
    answer = PolicyEngine.from_settings(settings).ask("lead-unit 社会消费品零售总额")
    assert answer.hits[0].clause.lead_units == ("区商务局",) and answer.hits[0].clause.pages == (1,)
    # The same file again changes nothing; the database holds one copy.
    assert run_add(settings, str(pdf))[1].startswith("立山区-2023-分工方案.pdf: unchanged")
    store = Store.open(settings.database_url)
    assert [e.name for e in store.corpus_entries()] == ["立山区-2023-分工方案.pdf"]
    store.close()


def test_add_an_address_keeps_its_source_and_fetch_time(instance, site):
    settings = instance("a")
    url = f"{site.base}/html/ASLSQ/202303/0168765895614794.html"
    code, out = run_add(settings, url, f"{site.base}/module/download/downfile.jsp?id=5")
    assert code == 0, out
    lines = [line for line in out.splitlines() if not line.startswith(" ")]
    page_name = lines[0].split(":")[0]
    assert page_name.startswith("0168765895614794-") and page_name.endswith(".html")
    assert f"from {url}" in lines[0] and f"title 《{LISHAN_TITLE}》" in lines[0]
    pdf_name = lines[1].split(":")[0]
    assert pdf_name.startswith("downfile.jsp-") and pdf_name.endswith(".pdf")  # the suffix from the content type
    sidecar = (settings.corpus_dir / page_name).with_suffix(".yaml").read_text(encoding="utf-8")
    assert f"source_url: {url}" in sidecar and "fetched_at: '20" in sidecar
    engine = PolicyEngine.from_settings(settings)
    assert engine.document(page_name.rsplit(".", 1)[0]).source_url == url


@pytest.mark.parametrize("path, reason", [
    ("ftp://127.0.0.1/plan.pdf", "refused: only http:// and https:// addresses are fetched"),
    ("file:///etc/passwd", "refused: only http:// and https:// addresses are fetched"),
    ("/to-file", "refused: it redirects too often, or to an address that is not http(s)"),
    ("/huge.pdf", "the file (1,000,000,000 bytes) is over the limit of 5,242,880"),
    ("/missing.pdf", "the server answered HTTP 404 Not Found"),
    ("/nav.html", "no main text found in the page"),
])
def test_refused_addresses_and_bad_answers_write_nothing(instance, site, path, reason):
    settings = instance("a")
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    item = path if "://" in path else site.base + path
    code, out = run_add(settings, item, "--max-mb", "5")
    assert code == 1
    assert out == f"{item}: NOT ADDED · {reason}\n"
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before


def test_a_slow_download_is_given_up(site):
    started = time.monotonic()
    with pytest.raises(FetchError, match="took longer than allowed|no answer within"):
        fetch_document(f"{site.base}/slow", limits=FetchLimits(timeout=1.0, allow_private=True))
    assert time.monotonic() - started < 4


def test_bad_files_are_refused_with_the_reason(tmp_path):
    library = CorpusLibrary(tmp_path)
    with pytest.raises(AddError, match=r"unsupported file type \.doc"):
        library.add(b"\xd0\xcf\x11\xe0 old word", "plan.doc")
    with pytest.raises(AddError, match="no clauses found|no text left"):
        library.add("   \n目录\n".encode(), "empty.txt")
    assert list(tmp_path.iterdir()) == []
    # A name is a name: folders, hidden dots and control characters are dropped.
    assert safe_name("../../etc/\x07plan 2023.PDF") == "plan-2023.pdf"
    assert safe_name("download", b"%PDF-1.7") == "download.pdf"


def test_a_republished_pdf_is_a_changed_document(instance, tmp_path):
    settings = instance("a")
    library = CorpusLibrary(settings.corpus_dir)
    library.add(make_pdf(blocks_of(LISHAN, 1)), "lishan.pdf")
    engine = PolicyEngine.from_settings(settings)
    revised = LISHAN.replace("增长6.2%左右", "增长6.5%左右")
    assert library.add(make_pdf(blocks_of(revised, 1)), "lishan.pdf").status == "replaced"
    report = engine.reload()
    assert report.changed == ("lishan",) and not report.added and not report.removed
    assert engine.ask("target 地区生产总值").hits[0].targets[0].value == 6.5


def _second_instance_answers(instance, url: str) -> None:
    first, second = instance("first", url), instance("second", url)
    pdf = first.corpus_dir.parent / "lishan.pdf"
    pdf.write_bytes(make_pdf(blocks_of(LISHAN, 1)))
    # The first instance adds the document in a process of its own, as an operator would.
    env = {**os.environ, "POLICYBOT_DATABASE_URL": url}
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "add", str(pdf), "--corpus", str(first.corpus_dir)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    engine = PolicyEngine.from_settings(second)
    assert not engine.ask("lead-unit 社会消费品零售总额").matched
    store = Store.open(url)
    try:
        library = CorpusLibrary(second.corpus_dir, store)
        report = library.sync()
        assert report.written == ("lishan.pdf",) and report.problems == ()
        assert library.sync().written == ()  # nothing new the second time
    finally:
        store.close()
    assert engine.reload().added == ("lishan",)
    hit = engine.ask("lead-unit 社会消费品零售总额").hits[0]
    assert hit.clause.lead_units == ("区商务局",) and hit.document.title == LISHAN_TITLE


def test_a_document_added_on_one_instance_is_answered_by_another_sqlite(instance, tmp_path):
    _second_instance_answers(instance, f"sqlite:///{tmp_path / 'shared.db'}")


def test_a_document_added_on_one_instance_is_answered_by_another_postgres(instance):
    server = os.environ.get(PG_ENV, "").strip()
    if not server:
        pytest.skip(f"no PostgreSQL: set {PG_ENV} (e.g. to the URL tests/postgres_server.sh prints)")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"policybot_add_{os.getpid()}_{int(time.time())}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {PG_ENV} is not reachable: {exc.orig}")
    try:
        _second_instance_answers(instance, sa.engine.make_url(server).set(database=name)
                                 .render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_sync_writes_the_sidecar_and_refuses_unsafe_names(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    at = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)
    try:
        source = CorpusLibrary(tmp_path / "one", store, clock=lambda: at)
        (tmp_path / "one").mkdir()
        source.add(NOTICE.encode(), "notice.txt", meta={"source_url": "https://www.example.gov.cn/n.html",
                                                        "fetched_at": at.isoformat()})
        store.save_corpus_document("../escape.txt", b"x", {}, sha256="0" * 64, by=None, at=at)
        (tmp_path / "two").mkdir()
        report = CorpusLibrary(tmp_path / "two", store).sync()
        assert report.written == ("notice.txt",)
        assert report.problems == ("'../escape.txt' is not a safe name inside the corpus folder",)
        assert not (tmp_path / "escape.txt").exists()
        side = (tmp_path / "two" / "notice.yaml").read_text(encoding="utf-8")
        assert "source_url: https://www.example.gov.cn/n.html" in side
        # A newer version in the database replaces the folder's copy.
        source.add(NOTICE.replace("1000人", "1200人").encode(), "notice.txt")
        assert CorpusLibrary(tmp_path / "two", store).sync().written == ("notice.txt",)
        assert "1200人" in (tmp_path / "two" / "notice.txt").read_text(encoding="utf-8")
    finally:
        store.close()


def test_a_database_at_0001_is_upgraded_and_keeps_its_rows(tmp_path):
    from alembic import command
    from alembic.config import Config

    from bot.store import MIGRATIONS, Audience

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(sa.text("INSERT INTO subscriptions (audience, topic, created_at) "
                                   "VALUES ('channel:C1', '研发', '2026-01-01 00:00:00')"))
    engine.dispose()
    store = Store.open(url)
    try:
        assert store.topics(Audience.channel("C1")) == ["研发"]
        assert store.corpus_entries() == []
    finally:
        store.close()


def test_start_up_imports_no_reader_for_a_text_corpus(tmp_path):
    """The PDF, Word, web and OFD libraries load only when such a file is in the corpus."""
    code = ("import sys, dataclasses; from pathlib import Path; from bot.engine import PolicyEngine; "
            "from bot.settings import load_settings; "
            f"s = dataclasses.replace(load_settings(env={{}}), cache_dir=Path({str(tmp_path)!r})); "
            "PolicyEngine.from_settings(s).ask('target 研发'); "
            "print(sorted(m for m in ('pypdfium2', 'docx', 'trafilatura', 'lxml', 'pytesseract', 'PIL') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
