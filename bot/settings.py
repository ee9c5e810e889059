"""Load and validate `config/` once, at start, into frozen values.

This is the only module that imports yaml. Every problem found is collected
into one ConfigError so a user fixes a broken file in one pass.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.model import Intent

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = PROJECT_ROOT / "config" / "settings.yaml"
DIGEST_SECTIONS = ("documents", "topics", "targets")
CHANNEL_CHANGES = ("anyone", "owner", "admins")  # who may change a channel's topics and schedule
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,31}$")


def load_yaml_text(text: str, source: str) -> Any:
    """Parse YAML text; raise ConfigError naming `source` when it is not valid YAML."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError([f"{source}:{where} not valid YAML ({getattr(exc, 'problem', exc)})"]) from None


def dump_yaml_text(data: dict[str, Any]) -> str:
    """Write a mapping as YAML (a sidecar), keys in the given order, Chinese left readable."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def load_yaml_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror})"]) from None
    return load_yaml_text(text, str(path))


@dataclass(frozen=True)
class DigestSchedule:
    channel: str
    cron: str
    timezone: str = "Asia/Shanghai"
    sections: tuple[str, ...] = DIGEST_SECTIONS
    skip_empty: bool = False
    team: str = ""  # the workspace of `channel` (needed when the app is installed in several)


@dataclass(frozen=True)
class Vocabulary:
    intents: dict[Intent, tuple[str, ...]]
    synonyms: tuple[tuple[str, ...], ...]
    kinds: tuple[str, ...]
    stopwords: frozenset[str]
    unit_abbreviations: tuple[tuple[str, str], ...] = ()  # (short, as documents write it)
    actions: dict[Intent, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # `digest now`: intent -> action -> words

    def action_of(self, intent: Intent, word: str) -> str | None:
        """Which action of `intent` a second word names (`digest 立即` → `now`), or None."""
        lowered = word.lower()
        for action, words in self.actions.get(intent, {}).items():
            if lowered in (w.lower() for w in words):
                return action
        return None

    def intent_of(self, word: str) -> Intent | None:
        lowered = word.lower()
        for intent, aliases in self.intents.items():
            if lowered in (a.lower() for a in aliases):
                return intent
        return None


@dataclass(frozen=True)
class Settings:
    source: Path
    root: Path
    corpus_dir: Path
    cache_dir: Path
    user_dictionary: Path
    vocabulary: Vocabulary
    default_limit: int = 5
    max_limit: int = 20
    max_query_chars: int = 500
    min_relevance: float = 0.45
    segmenter: str = "jieba"
    host: str = "127.0.0.1"
    port: int = 3000
    admins: frozenset[str] = frozenset()
    database_url: str = "sqlite:///policybot.db"
    due_months_before: int = 12
    due_months_after: int = 12
    watch_corpus: bool = True
    scheduler: bool = True
    schedules: tuple[DigestSchedule, ...] = field(default_factory=tuple)
    channel_changes: str = "owner"  # anyone | owner (whoever first set up the channel's digest) | admins
    add_private_addresses: bool = False  # `/policy add <URL>` may fetch from private (intranet) and loopback addresses


class _Reader:
    """Typed access to a YAML mapping that records every problem instead of stopping."""

    def __init__(self, data: Any, source: str, problems: list[str]):
        self.data = data if isinstance(data, dict) else {}
        self.source = source
        self.problems = problems
        if data is not None and not isinstance(data, dict):
            problems.append(f"{source}: expected a mapping at the top level")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, prefix: str = "") -> Any:
        node: Any = self.data
        for part in (prefix + key).split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        if node is None:
            return default
        if isinstance(node, bool) and kind in (int, float):
            self.problems.append(f"{self.source}: key '{prefix}{key}' must be a number, not {node!r}")
            return default
        if kind is float and isinstance(node, int):
            node = float(node)
        if not isinstance(node, kind):
            name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.problems.append(f"{self.source}: key '{prefix}{key}' must be {name}, not {node!r}")
            return default
        return node


def _validate_cron(expr: str) -> str | None:
    from bot.cron import parse_crontab

    try:
        parse_crontab(expr, "UTC")
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


def _validate_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _load_schedules(raw: Any, source: str, problems: list[str]) -> tuple[DigestSchedule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{source}: key 'digests.schedules' must be a list")
        return ()
    schedules = []
    for i, item in enumerate(raw):
        key = f"digests.schedules[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{source}: key '{key}' must be a mapping")
            continue
        channel, cron = item.get("channel"), item.get("cron")
        tz = item.get("timezone", "Asia/Shanghai")
        sections = item.get("sections", list(DIGEST_SECTIONS))
        skip_empty = item.get("skip_empty", False)
        team = item.get("team", "")
        ok = True
        if not isinstance(channel, str) or not channel.strip():
            problems.append(f"{source}: key '{key}.channel' is required (a Slack channel id)")
            ok = False
        if not isinstance(cron, str):
            problems.append(f"{source}: key '{key}.cron' is required (e.g. \"0 9 * * 1\")")
            ok = False
        elif (why := _validate_cron(cron)) is not None:
            problems.append(f"{source}: key '{key}.cron' is not a valid cron expression: {cron!r} ({why})")
            ok = False
        if not isinstance(tz, str) or not _validate_timezone(tz):
            problems.append(f"{source}: key '{key}.timezone' is not a known time zone: {tz!r}")
            ok = False
        if not isinstance(sections, list) or not sections:
            problems.append(f"{source}: key '{key}.sections' must be a non-empty list")
            ok = False
        else:
            unknown = [s for s in sections if s not in DIGEST_SECTIONS]
            if unknown:
                problems.append(
                    f"{source}: key '{key}.sections' has unknown section(s) {unknown}; "
                    f"known: {', '.join(DIGEST_SECTIONS)}"
                )
                ok = False
        if not isinstance(skip_empty, bool):
            problems.append(f"{source}: key '{key}.skip_empty' must be true or false")
            ok = False
        if not isinstance(team, str) or (team and not TEAM_ID.match(team)):
            problems.append(f"{source}: key '{key}.team' must be a Slack workspace id (T0123ABCD), not {team!r}")
            ok = False
        if ok:
            schedules.append(DigestSchedule(channel.strip(), cron, tz, tuple(sections), skip_empty, team))
    return tuple(schedules)


def _load_vocabulary(path: Path, problems: list[str]) -> Vocabulary:
    empty = Vocabulary({}, (), (), frozenset())
    try:
        data = load_yaml_file(path)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return empty
    src = str(path)
    r = _Reader(data, src, problems)
    intents_raw = r.get("intents", dict, {})
    intents: dict[Intent, tuple[str, ...]] = {}
    for name, aliases in intents_raw.items():
        if not isinstance(aliases, list) or not all(isinstance(a, (str, int)) for a in aliases):
            problems.append(f"{src}: key 'intents.{name}' must be a list of words")
            continue
        intents[str(name)] = tuple(str(a) for a in aliases)
    for required in ("target", "lead-unit", "unit", "search", "docs", "help"):
        if required not in intents:
            problems.append(f"{src}: key 'intents.{required}' is missing")
    synonyms = []
    for i, group in enumerate(r.get("synonyms", list, [])):
        if not isinstance(group, list) or len(group) < 2:
            problems.append(f"{src}: key 'synonyms[{i}]' must be a list of two or more words")
            continue
        synonyms.append(tuple(str(w) for w in group))
    kinds = tuple(str(k) for k in r.get("kinds", list, []))
    stopwords = frozenset(str(w).lower() for w in r.get("stopwords", list, []))
    abbreviations = r.get("unit_abbreviations", dict, {})
    for short, full in abbreviations.items():
        if not isinstance(full, str):
            problems.append(f"{src}: key 'unit_abbreviations.{short}' must be a unit name")
    pairs = tuple((str(k), v) for k, v in abbreviations.items() if isinstance(v, str))
    actions: dict[Intent, dict[str, tuple[str, ...]]] = {}
    for name, table in r.get("actions", dict, {}).items():
        if str(name) not in {i.value for i in Intent} or not isinstance(table, dict):
            problems.append(f"{src}: key 'actions.{name}' must name a subcommand and map its actions to words")
            continue
        for action, words in table.items():
            if not isinstance(words, list) or not words:
                problems.append(f"{src}: key 'actions.{name}.{action}' must be a list of words")
                continue
            actions.setdefault(Intent(str(name)), {})[str(action)] = tuple(str(w) for w in words)
    return Vocabulary(intents, tuple(synonyms), kinds, stopwords, pairs, actions)


def load_settings(path: Path | str | None = None, *, corpus_override: str | None = None,
                  env: dict[str, str] | None = None) -> Settings:
    """Read settings.yaml (and the files it names), apply environment overrides, validate.

    Raises:
        ConfigError: listing every problem, each naming its file and key.
    """
    env = dict(os.environ) if env is None else env
    default = DEFAULT_SETTINGS if DEFAULT_SETTINGS.is_file() else Path.cwd() / "config" / "settings.yaml"
    source = Path(path or env.get("POLICYBOT_CONFIG") or default).resolve()
    data = load_yaml_file(source)
    root = source.parent.parent if source.parent.name == "config" else source.parent
    problems: list[str] = []
    r = _Reader(data, str(source), problems)

    def path_of(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (root / p)

    corpus = corpus_override or env.get("POLICYBOT_CORPUS") or r.get("corpus_dir", str, "seeds")
    corpus_dir = Path(corpus).expanduser().resolve() if (corpus_override or env.get("POLICYBOT_CORPUS")) \
        else path_of(corpus)
    vocabulary_path = path_of(r.get("vocabulary", str, "config/vocabulary.yaml"))
    userdict = path_of(r.get("user_dictionary", str, "config/userdict.txt"))
    if not userdict.is_file():
        problems.append(f"{source}: key 'user_dictionary' names a missing file: {userdict}")
    vocabulary = _load_vocabulary(vocabulary_path, problems)

    default_limit = r.get("default_limit", int, 5, "search.")
    max_limit = r.get("max_limit", int, 20, "search.")
    max_chars = r.get("max_query_chars", int, 500, "search.")
    min_relevance = r.get("min_relevance", float, 0.45, "search.")
    if not 1 <= default_limit <= max_limit:
        problems.append(f"{source}: key 'search.default_limit' must be between 1 and search.max_limit")
    if not 0.0 <= min_relevance <= 1.0:
        problems.append(f"{source}: key 'search.min_relevance' must be between 0 and 1")
    segmenter = r.get("segmenter", str, "jieba", "search.")
    if segmenter not in ("jieba", "rjieba"):
        problems.append(f"{source}: key 'search.segmenter' must be jieba or rjieba, not {segmenter!r}")
    port = r.get("port", int, 3000, "server.")
    if not 0 <= port <= 65535:
        problems.append(f"{source}: key 'server.port' must be a port number")
    admins = r.get("admins", list, [], "slack.")
    database_url = env.get("POLICYBOT_DATABASE_URL") or r.get("url", str, "sqlite:///policybot.db", "database.")
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////") \
            and database_url != "sqlite:///:memory:":
        database_url = "sqlite:///" + str(path_of(database_url[len("sqlite:///"):]))
    schedules = _load_schedules(r.get("schedules", list, None, "digests."), str(source), problems)
    channel_changes = r.get("channel_changes", str, "owner", "slack.")
    if channel_changes not in CHANNEL_CHANGES:
        problems.append(f"{source}: key 'slack.channel_changes' must be one of {', '.join(CHANNEL_CHANGES)}, "
                        f"not {channel_changes!r}")

    if problems:
        raise ConfigError(problems)
    return Settings(
        source=source,
        root=root,
        corpus_dir=corpus_dir,
        cache_dir=path_of(r.get("cache_dir", str, ".policybot-cache")),
        user_dictionary=userdict,
        vocabulary=vocabulary,
        default_limit=default_limit,
        max_limit=max_limit,
        max_query_chars=max_chars,
        min_relevance=min_relevance,
        segmenter=segmenter,
        host=r.get("host", str, "127.0.0.1", "server."),
        port=port,
        admins=frozenset(str(a) for a in admins),
        database_url=database_url,
        due_months_before=r.get("months_before", int, 12, "digests.due_window."),
        due_months_after=r.get("months_after", int, 12, "digests.due_window."),
        watch_corpus=r.get("watch_corpus", bool, True),
        scheduler=r.get("scheduler", bool, True, "digests."),
        schedules=schedules,
        channel_changes=channel_changes,
        add_private_addresses=r.get("add_private_addresses", bool, False, "slack."),
    )
