"""Slack's text encoding, both ways, and each user's language: `handlers.slack_text`, `handlers.languages`."""
from __future__ import annotations

import pytest

from handlers.languages import UserLanguages
from handlers.slack_text import escape, user_text


@pytest.mark.parametrize("sent, meant", [
    ("target R&amp;D", "target R&D"),
    ("search a &lt;b&gt; c", "search a <b> c"),
    ("search &amp;lt; stays", "search &lt; stays"),  # the user typed `&lt;`: decoded once, not twice
    ("<@UBOT> target 研发", "target 研发"),
    ("<@UBOT|policybot> <@U0BOSS> unit 金融工作局", "unit 金融工作局"),
    ("target 研发 <#C0123|general> <!here> <!channel> <!subteam^S012|@policy-team>", "target 研发"),
    ("search <https://www.gov.cn/zhengce/a.html|人才飞地>", "search 人才飞地"),
    ("search <https://www.gov.cn/zhengce/a.html>", "search https://www.gov.cn/zhengce/a.html"),
    ("search <mailto:kjj@chengdu.gov.cn|科技局邮箱>", "search 科技局邮箱"),
    ("<!date^1392734382^{date_short}|Feb 18, 2014> 的目标", "Feb 18, 2014 的目标"),
    ("search 研\u200b发\u202e投入\u2066", "search 研发投入"),
    ("target\n研发\u3000投入  ", "target 研发 投入"),
    ("", ""),
    (None, ""),
])
def test_user_text_is_what_the_user_meant(sent, meant):
    assert user_text(sent) == meant


def test_escaping_what_was_decoded_gives_back_what_slack_sent():
    for sent in ("target R&amp;D", "a &lt;b&gt; &amp;amp; c"):
        assert escape(user_text(sent)) == sent


class FakeClient:
    """users.info as Slack answers it, counting the calls."""

    def __init__(self, locales):
        self.locales = locales
        self.calls = []

    def users_info(self, *, user, include_locale):
        self.calls.append((user, include_locale))
        locale = self.locales[user]
        if isinstance(locale, Exception):
            raise locale
        return {"ok": True, "user": {"id": user, "locale": locale}}


def test_a_users_language_is_their_locale_else_the_workspaces_and_is_remembered_for_a_while():
    now = [0.0]
    client = FakeClient({"U1": "en-US", "U2": "zh-TW", "U3": "ja-JP", "U4": RuntimeError("missing_scope")})
    languages = UserLanguages(client, "zh-CN", ttl=3600, failed_ttl=60, clock=lambda: now[0])
    assert [languages.of(u) for u in ("U1", "U2", "U3", "U4", None)] == ["en", "zh", "zh", "zh", "zh"]
    assert client.calls == [("U1", True), ("U2", True), ("U3", True), ("U4", True)]
    assert languages.known("U1") == "en" and languages.known("U9") == "zh"  # never asks Slack
    client.locales["U4"] = "en-GB"
    now[0] = 61  # a failed lookup is tried again soon ...
    assert languages.of("U4") == "en" and languages.of("U1") == "en"
    assert len(client.calls) == 5  # ... a good one is kept for its hour
    client.locales["U1"] = "zh-CN"
    now[0] = 3601
    assert languages.of("U1") == "zh"


def test_the_cache_of_languages_is_bounded():
    client = FakeClient({f"U{i}": "en-US" for i in range(10)})
    languages = UserLanguages(client, "en-US", max_users=3)
    for i in range(10):
        languages.of(f"U{i}")
    languages.of("U0")
    assert len(client.calls) == 11  # the oldest were let go, so U0 was asked again
