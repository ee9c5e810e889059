"""What a digest holds (pure, on the real seeds) and how it renders within Slack's limits."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pytest
from fake_slack import FakeSlackAPI, message_problems, shown_text

from bot.cli import main
from bot.digest import Digest, DocumentChange, TopicUpdate, add_months, build_digest
from bot.engine import PolicyEngine
from bot.digest_text import format_digest
from bot.settings import DigestSchedule
from bot.store import Audience, Store, Subscription
from bot.strings import Catalog
from digest_support import CHANNEL, MONDAY, NEW_CLAUSE_WORDS, ROOT, WEEKLY, add_new_document, copy_seeds, posts_to
from handlers.digest_blocks import render_digest, render_preview, render_subscriptions

NOW = MONDAY.astimezone(dt.timezone.utc)
AUDIENCE = Audience.channel(CHANNEL)
CHENGDU = "chengdu-2021-sci-tech-innovation-decision"
LESHAN = "leshan-2026-rd-investment-plan"


def subs(*topics: str, at: dt.datetime = NOW - dt.timedelta(days=30)) -> list[Subscription]:
    return [Subscription(AUDIENCE, t, at) for t in topics]


def digest(engine, *, now=NOW, last=None, topics=(), **kwargs) -> Digest:
    return build_digest(engine, AUDIENCE, now=now, last=last, subscriptions=subs(*topics), **kwargs)


@pytest.fixture
def corpus_engine(settings, tmp_path):
    """An engine over a copy of the seeds that the test may edit (then `reload()`)."""
    folder = copy_seeds(tmp_path / "corpus")
    return PolicyEngine.from_settings(dataclasses.replace(settings, corpus_dir=folder, cache_dir=tmp_path / "cache"))


def test_first_digest_covers_every_document_and_the_best_clauses_per_topic(engine):
    d = digest(engine, topics=["研发投入"])
    assert d.first and not d.is_empty
    assert [c.document.id for c in d.documents] == [doc.id for doc in engine.documents]
    assert {c.status for c in d.documents} == {"added"}
    assert all(1 <= len(c.clauses) <= 3 for c in d.documents)
    (topic,) = d.topics
    assert topic.first and 1 <= len(topic.hits) <= 3
    assert all("研发" in h.clause.text for h in topic.hits)
    assert d.baseline.corpus == engine.corpus_hashes()


def test_nothing_new_since_the_last_digest_is_one_short_line(engine):
    first = digest(engine, topics=["研发投入"])
    week = digest(engine, now=NOW + dt.timedelta(days=7), last=first.baseline, topics=["研发投入"])
    assert week.is_empty and week.topics[0].hits == ()
    (message,) = render_digest(week, t=Catalog("en"))
    assert message["text"] == "Nothing new in the policy documents since the last digest on 23 Nov 2026, 09:00."
    assert len(message["blocks"]) == 1
    (message,) = render_digest(week, t=Catalog("zh"))
    assert message["text"] == "自上期摘要(2026年11月23日 09:00)以来,政策文件没有新内容。"
    assert "没有新内容" in format_digest(week)


def test_added_changed_and_removed_documents_and_only_new_clauses(corpus_engine):
    folder = corpus_engine.settings.corpus_dir
    first = digest(corpus_engine, topics=["研发投入"])
    titles = {d.id: d.title for d in corpus_engine.documents}

    add_new_document(folder)
    (folder / f"{CHENGDU}.txt").unlink()
    communique = folder / "zigong-2021-plenary-communique.txt"
    communique.write_text(communique.read_text(encoding="utf-8") + "\n全会号召,全市上下加大研发投入攻坚力度,确保各项目标如期实现。\n",
                          encoding="utf-8")
    report = corpus_engine.reload()
    assert report.added == (LESHAN,) and report.removed == (CHENGDU,)

    later = digest(corpus_engine, now=NOW + dt.timedelta(days=7), last=first.baseline, topics=["研发投入"])
    status = {c.document.id: c.status for c in later.documents}
    assert status == {LESHAN: "added", "zigong-2021-plenary-communique": "changed"}
    assert later.removed == (titles[CHENGDU],)
    (topic,) = later.topics
    assert not topic.first and topic.hits
    assert all(h.clause.text_key not in first.baseline.clause_keys for h in topic.hits)
    assert any(NEW_CLAUSE_WORDS in h.clause.text for h in topic.hits)
    assert {h.document.id for h in topic.hits} <= {LESHAN, "zigong-2021-plenary-communique"}
    # The new document lists the clauses that match the audience's topic first.
    leshan = next(c for c in later.documents if c.document.id == LESHAN)
    assert NEW_CLAUSE_WORDS in leshan.clauses[0].text


def test_a_topic_followed_since_the_last_digest_shows_its_best_clauses(engine):
    first = digest(engine, topics=["研发投入"])
    recent = [Subscription(AUDIENCE, "研发投入", NOW - dt.timedelta(days=30)),
              Subscription(AUDIENCE, "知识产权", NOW + dt.timedelta(days=2))]
    week = build_digest(engine, AUDIENCE, now=NOW + dt.timedelta(days=7), last=first.baseline, subscriptions=recent)
    old, new = week.topics
    assert not old.first and old.hits == ()
    assert new.first and new.hits
    assert not week.is_empty


def test_targets_due_in_the_window_grouped_by_city(corpus_engine):
    add_new_document(corpus_engine.settings.corpus_dir)
    corpus_engine.reload()
    d = digest(corpus_engine, sections=("targets",))
    assert d.window == (dt.date(2025, 11, 23), dt.date(2027, 11, 23))
    cities = {c.region: c for c in d.due}
    assert set(cities) >= {"乐山市", "成都市", "安顺市", "自贡市"}
    assert not any(c.region == "广元市" for c in d.due)  # its horizons (2022) are long past
    leshan = [i for i in cities["乐山市"].items]
    assert {i.target.metric for i in leshan} == {"全社会研发经费投入强度", "规模以上工业企业研发机构覆盖率"}
    assert all(i.target.due == dt.date(2026, 12, 31) and not i.past for i in leshan)
    assert all(i.past for i in cities["成都市"].items)
    assert all(d.window[0] <= i.target.due <= d.window[1] for c in d.due for i in c.items)
    assert d.due[0].items[0].target.due == dt.date(2025, 12, 31)  # soonest (here: most overdue) first
    assert d.documents == () and d.topics == ()
    # A narrower window: ten months back no longer reaches the end of 2025.
    narrow = digest(corpus_engine, sections=("targets",), months_before=10)
    assert [c.region for c in narrow.due] == ["乐山市"]


def test_targets_turning_past_due_make_the_next_digest_non_empty(corpus_engine):
    add_new_document(corpus_engine.settings.corpus_dir)
    corpus_engine.reload()
    first = digest(corpus_engine)
    before_new_year = digest(corpus_engine, now=dt.datetime(2026, 12, 28, 1, tzinfo=dt.timezone.utc),
                             last=first.baseline)
    assert before_new_year.is_empty
    after = digest(corpus_engine, now=dt.datetime(2027, 1, 4, 1, tzinfo=dt.timezone.utc), last=first.baseline)
    assert after.new_due == 2 and not after.is_empty
    assert [c.region for c in after.due] == ["乐山市"]


def test_add_months_keeps_the_day_where_it_can():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 11, 23), -12) == dt.date(2025, 11, 23)
    assert add_months(dt.date(2026, 11, 23), 14) == dt.date(2028, 1, 23)


# ---------------------------------------------------------------- rendering

def _texts(block: dict) -> list[str]:
    out = []
    if isinstance(block.get("text"), dict):
        out.append(block["text"]["text"])
    out += [f["text"] for f in block.get("fields", [])]
    out += [e["text"] for e in block.get("elements", []) if isinstance(e, dict) and "text" in e
            and isinstance(e["text"], str)]
    return out


def test_a_long_digest_is_split_into_messages_within_block_kit_limits(engine):
    base = digest(engine, topics=["研发投入"])
    hits = base.topics[0].hits
    big = dataclasses.replace(
        base,
        documents=tuple(DocumentChange(c.document, "changed", c.clauses) for c in base.documents) * 14,
        topics=tuple(TopicUpdate(f"主题{i} <!channel>", hits * 3, more=7) for i in range(12)),
    )
    messages = render_digest(big, t=Catalog("zh"))
    assert len(messages) >= 3
    for n, message in enumerate(messages):
        assert message_problems(message) == [], n
        assert len(message["blocks"]) <= 50
        assert all(len(t) <= 3000 for b in message["blocks"] for t in _texts(b))
        if n:
            assert message["blocks"][0]["type"] == "context"
            assert f"续,{n + 1}/{len(messages)})" in message["blocks"][0]["elements"][0]["text"]
        # A heading is never the last block of a message.
        last = message["blocks"][-1]
        assert not (last["type"] == "section" and last["text"]["text"].startswith(("*订阅主题", "*新增和修改")))
        assert shown_text(message["blocks"]) <= 12_000  # Slack's total for one message
    everything = json.dumps([m["blocks"] for m in messages], ensure_ascii=False)
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in everything
    assert messages[0]["blocks"][0]["type"] == "header"


def test_preview_is_one_message_saying_what_was_left_out(engine):
    base = digest(engine, topics=["研发投入"])
    big = dataclasses.replace(base, documents=base.documents * 20)
    preview = render_preview(big, "this channel", t=Catalog("en"))
    assert message_problems(preview) == [] and len(preview["blocks"]) <= 50
    assert "only you can see this" in preview["blocks"][0]["elements"][0]["text"]
    assert "continues in a thread" in preview["blocks"][-1]["elements"][0]["text"]


def test_subscription_list_renders_topics_and_schedule(engine):
    listed = render_subscriptions(subs("研发投入", "a & <b>"), "本频道", [DigestSchedule(CHANNEL, "0 9 * * 1")],
                                  t=Catalog("zh"))
    text = json.dumps(listed, ensure_ascii=False)
    assert "*本频道关注的主题*(2 个)" in text
    assert "• 研发投入" in text and "a &amp; &lt;b&gt;" in text and "`0 9 * * 1` (Asia/Shanghai)" in text
    assert "a &amp; &lt;b&gt;" in listed["text"] and "&amp;amp;" not in listed["text"]  # escaped once, not twice
    empty = render_subscriptions([], "your DMs", [], t=Catalog("en"))
    assert "No topics followed in your DMs yet" in empty["text"] and "No digest is scheduled" in json.dumps(empty)


def test_format_digest_text_for_a_dry_run(engine):
    text = format_digest(digest(engine, topics=["研发投入"]))
    assert text.startswith("政策摘要 · channel:C0DIGEST · 2026年11月23日 09:00 Asia/Shanghai")
    assert "第一期摘要" in text and "[🆕 新增] 《" in text and "* 研发投入" in text and "已到期" in text
    assert "新增和修改的文件(5 份)" in text
    english = format_digest(digest(engine, topics=["研发投入"]), Catalog("en"))
    assert english.startswith("Policy digest · channel:C0DIGEST · 23 Nov 2026, 09:00 Asia/Shanghai")
    assert "First digest for this channel" in english and "past due" in english


# ---------------------------------------------------------------- `policybot digest`

@pytest.fixture
def cli(tmp_path, monkeypatch):
    """`policybot digest` as an operator runs it: a config file of its own, the environment for Slack."""
    corpus = copy_seeds(tmp_path / "corpus")
    database = f"sqlite:///{tmp_path / 'db.sqlite'}"
    config = tmp_path / "config" / "settings.yaml"
    config.parent.mkdir()
    config.write_text(json.dumps({  # JSON is YAML
        "corpus_dir": str(corpus), "cache_dir": str(tmp_path / "cache"),
        "vocabulary": str(ROOT / "config" / "vocabulary.yaml"), "user_dictionary": str(ROOT / "config" / "userdict.txt"),
        "database": {"url": database},
        "digests": {"schedules": [{"channel": CHANNEL, "cron": WEEKLY, "timezone": "Asia/Shanghai"}]},
    }), encoding="utf-8")
    for name in ("SLACK_BOT_TOKEN", "SLACK_API_URL", "POLICYBOT_DATABASE_URL", "POLICYBOT_CORPUS"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["digest", "--config", str(config), *args], out=out)
        return code, out.getvalue()

    run.database = database
    run.config = config
    return run


def test_digest_command_dry_run_prints_without_recording(cli):
    code, out = cli("--dry-run")
    assert code == 0 and out.startswith("政策摘要 · channel:C0DIGEST")
    store = Store.open(cli.database)
    assert store.last_digest(AUDIENCE) is None and store.posts() == []
    store.close()


def test_digest_command_without_any_schedule_says_what_to_do(cli):
    cli.config.write_text(cli.config.read_text(encoding="utf-8").replace(CHANNEL, "dm"), encoding="utf-8")
    code, out = cli()  # a `dm` schedule with nobody subscribed: no one to digest
    assert code == 2 and "--channel" in out


def test_digest_command_posts_with_the_bot_token_once_per_minute(cli, monkeypatch):
    from bot import services

    minute = [NOW.replace(second=5)]  # the runs' clock: both in one minute, then the next one
    monkeypatch.setattr(services, "utc_now", lambda: minute[0])
    with FakeSlackAPI(token="xoxb-cli") as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        first, second = cli("--channel", CHANNEL), cli("--channel", CHANNEL)
        assert first[0] == second[0] == 0
        assert len(posts_to(fake, CHANNEL)) == 1
        assert "posted" in first[1] and "already posted" in second[1]
        minute[0] += dt.timedelta(minutes=1)  # a cron run a minute later posts again
        assert cli("--channel", CHANNEL)[0] == 0 and len(posts_to(fake, CHANNEL)) == 2
        assert fake.problems() == []
    store = Store.open(cli.database)
    assert [p.status for p in store.posts()] == ["posted", "posted"]
    assert store.last_digest(AUDIENCE) is not None
    store.close()


def test_digest_command_says_when_slack_refuses_for_good_and_exits_1(cli, monkeypatch):
    with FakeSlackAPI(token="xoxb-cli") as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        fake.workspaces.channel(CHANNEL, member=False)
        code, out = cli("--channel", CHANNEL)
    assert code == 1 and f"channel:{CHANNEL}: BLOCKED (DeliveryError: Slack refused chat.postMessage to {CHANNEL}: " \
        "not_in_channel" in out
    store = Store.open(cli.database)
    assert store.audience_settings(AUDIENCE).blocked_error == "not_in_channel"
    store.close()


def test_digest_command_needs_the_bot_token(cli, capsys):
    code, _ = cli("--channel", CHANNEL)
    assert code == 2 and "SLACK_BOT_TOKEN" in capsys.readouterr().err
