"""Load and validate `config/` once, at start, into frozen values.

This is the only module that imports yaml. Every problem found is collected
into one ConfigError so a user fixes a broken file in one pass.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.model import Intent
from bot.strings import LANGUAGES, language_of

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = PROJECT_ROOT / "config" / "settings.yaml"
DIGEST_SECTIONS = ("documents", "topics", "targets")
SCHEDULE_KEYS = ("channel", "cron", "timezone", "sections", "skip_empty")
# Keys holding a path: relative to the folder of the settings file that sets them.
PATH_KEYS = ("corpus_dir", "cache_dir", "vocabulary", "user_dictionary")
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
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read ({exc.strerror})"]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise ConfigError([f"{path}: line {line} is not UTF-8 text (save the file as UTF-8)"]) from None
    return load_yaml_text(text, str(path))


@dataclass(frozen=True)
class DigestSchedule:
    channel: str
    cron: str
    timezone: str = "Asia/Shanghai"
    sections: tuple[str, ...] = DIGEST_SECTIONS
    skip_empty: bool = False
    team: str = ""  # the workspace of `channel` (needed when the app is installed in several)


# Fields that are shares of something, so between 0 and 1.
_SHARES = ("bm25_b", "unknown_word_share", "unit_similarity", "same_document")
# Fields that are rapidfuzz scores, 0 to 100.
_FUZZY_SCORES = ("suggest_unit_cutoff", "suggest_topic_cutoff")


@dataclass(frozen=True)
class RankingWeights:
    """How clauses are scored and ordered; every field is a key under `ranking:` in settings.yaml."""

    bm25_k1: float  # BM25 term-frequency saturation
    bm25_b: float  # BM25 length normalisation
    synonym: float  # a synonym counts this much of the word itself
    word_part: float  # a known part of a word the corpus never uses
    bigram: float  # character bigrams beside the words: what survives a wrong character
    unknown_word_share: float  # share of an unknown word's bigrams a clause must have to say it
    coverage_floor: float  # score × (floor + coverage): coverage orders, BM25 still counts
    coverage_pool: int  # coverage is judged for this many best-scoring clauses
    max_candidates: int  # ranked clauses kept per query, for every intent
    target_about: float  # a target clause whose figures are about the topic
    goal_section: float  # a clause of a 发展目标 section
    numeric_target: float  # a target with a figure
    unit_lead: float  # score of a task the unit leads
    unit_support: float  # score of a task the unit supports
    unit_similarity: float  # least similarity (0–1) of a unit name typed with a typo
    suggest_unit_cutoff: float  # least rapidfuzz score of a unit offered instead
    suggest_topic_cutoff: float  # least rapidfuzz score of a heading offered instead
    target_figure: float  # a target clause with a figure about the topic, on top of target_about
    same_document: float  # in a target answer, each further clause of one document counts this share of the last

    def problems(self) -> list[tuple[str, str]]:
        """Return (field, what is wrong) for each value out of its range."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SHARES and not 0 <= value <= 1:
                out.append((f.name, "must be between 0 and 1"))
            elif f.name in _FUZZY_SCORES and not 0 <= value <= 100:
                out.append((f.name, "must be between 0 and 100"))
            elif isinstance(value, int) and value < 1:
                out.append((f.name, "must be 1 or more"))
            elif value < 0:
                out.append((f.name, "must not be negative"))
        # Target answers rank in tiers (a figure about the topic, then a target about it without one):
        # the tier's bonus must exceed the most a clause can gain within a tier, or the tiers mix.
        within = 1 + self.goal_section + self.numeric_target
        if 0 <= self.target_figure <= within:
            out.append(("target_figure", f"must be more than 1 + goal_section + numeric_target ({within:g}), "
                                         "so that figures about the topic rank first"))
        return out


@dataclass(frozen=True)
class QuestionWords:
    """How a question in words is read (`questions:` in config/vocabulary.yaml); see `bot.question`."""

    asks: dict[Intent, tuple[str, ...]] = field(default_factory=dict)  # 谁, 多少: decide the intent
    intents: dict[Intent, tuple[str, ...]] = field(default_factory=dict)  # 目标, 牵头: name it otherwise
    words: tuple[str, ...] = ()  # 什么, 哪些: only make the text a question
    nouns: tuple[str, ...] = ()  # 规定 in 有哪些规定: what a question word asks about, taken out with it
    lead_ins: tuple[str, ...] = ()  # 由 in 由哪个单位: goes with the question word after it
    endings: tuple[str, ...] = ()  # 吗, 呢: end a question
    fillers: tuple[str, ...] = ()  # 关于, 的: left at the edge of what was taken out
    terms: tuple[str, ...] = ()  # 负责人, 指标体系: hold such a word but are words of their own


@dataclass(frozen=True)
class Vocabulary:
    intents: dict[Intent, tuple[str, ...]]
    synonyms: tuple[tuple[str, ...], ...]
    kinds: tuple[str, ...]
    stopwords: frozenset[str]
    unit_abbreviations: tuple[tuple[str, str], ...] = ()  # (short, as documents write it)
    # `digest now`: intent -> action -> the words that ask for it
    actions: dict[Intent, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    questions: QuestionWords = field(default_factory=QuestionWords)

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
    """The validated configuration; every default lives in config/settings.yaml, none here."""

    source: Path
    root: Path
    corpus_dir: Path
    cache_dir: Path
    user_dictionary: Path
    vocabulary: Vocabulary
    default_limit: int
    max_limit: int
    max_query_chars: int
    min_relevance: float
    segmenter: str
    host: str
    port: int
    admins: frozenset[str]
    database_url: str
    due_months_before: int
    due_months_after: int
    watch_corpus: bool
    scheduler: bool
    schedules: tuple[DigestSchedule, ...]
    public_url: str | None  # where users reach `policybot serve` (the viewer's links); env POLICYBOT_PUBLIC_URL
    language: str  # the workspace's locale: channel digests, and users whose locale the bot does not speak
    ranking: RankingWeights
    channel_changes: str  # anyone | owner (whoever first set up the channel's digest) | admins
    add_private_addresses: bool  # `/policy add <URL>` may fetch from private (intranet) and loopback addresses


class _Reader:
    """Typed access to a YAML mapping that records every problem instead of stopping.

    It remembers every key it was asked for, so whatever else the file holds (a typo such
    as `searh:`) can be reported afterwards with the closest key it may have meant.
    """

    def __init__(self, data: Any, source: str, problems: list[str], origins: dict[str, str] | None = None):
        self.data = data if isinstance(data, dict) else {}
        self.source = source
        self.problems = problems
        self.asked: set[str] = set()
        self.origins = origins or {}  # key path -> the file that set it (layered settings)
        if data is not None and not isinstance(data, dict):
            problems.append(f"{source}: expected a mapping at the top level")

    def where(self, key: str) -> str:
        return self.origins.get(key, self.source)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, prefix: str = "") -> Any:
        path = prefix + key
        self.asked.add(path)
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        if node is None:
            return default
        if isinstance(node, bool) and kind in (int, float):
            self.problems.append(f"{self.where(path)}: key '{path}' must be a number, not {node!r}")
            return default
        if kind is float and isinstance(node, int):
            node = float(node)
        if not isinstance(node, kind):
            name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.problems.append(f"{self.where(path)}: key '{path}' must be {name}, not {node!r}")
            return default
        return node

    def require(self, key: str, kind: type | tuple[type, ...], prefix: str = "") -> Any:
        """Like `get`, for a key every configuration must set (config/settings.yaml sets them all)."""
        value = self.get(key, kind, None, prefix)
        if value is None and not any(p.startswith(f"{self.where(prefix + key)}: key '{prefix + key}'")
                                     for p in self.problems):
            self.problems.append(f"{self.source}: key '{prefix + key}' is missing")
        return value

    def report_unknown(self) -> None:
        """Add a problem for every key nobody asked for, with the closest known key."""
        asked = self.asked | {".".join(k.split(".")[:i]) for k in self.asked for i in range(1, k.count(".") + 1)}
        for path in _key_paths(self.data):
            if path in asked or any(path.startswith(a + ".") for a in self.asked):
                continue
            parent, _, name = path.rpartition(".")
            siblings = sorted({a.rpartition(".")[2] for a in asked if a.rpartition(".")[0] == parent})
            close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else (f"; known here: {', '.join(siblings)}"
                                                                   if siblings else "")
            self.problems.append(f"{self.where(path)}: unknown key '{path}'{hint}")


def _key_paths(data: Any, prefix: str = "") -> list[str]:
    """Every key of a nested mapping as a dotted path, parents before children."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}{key}"
            out.append(path)
            out += _key_paths(value, path + ".")
    return out


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
        for name in item:
            if name not in SCHEDULE_KEYS:
                close = difflib.get_close_matches(str(name), SCHEDULE_KEYS, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; known: {', '.join(SCHEDULE_KEYS)}"
                problems.append(f"{source}: unknown key '{key}.{name}'{hint}")
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


def _public_url(value: str | None, source: str, problems: list[str]) -> str | None:
    """Validate `server.public_url`: an http(s) base URL, kept without a trailing slash."""
    from urllib.parse import urlsplit

    from bot.links import is_web_address

    if not value or not value.strip():
        return None
    value = value.strip()
    if not is_web_address(value) or urlsplit(value).query or urlsplit(value).fragment:
        problems.append(f"{source}: key 'server.public_url' (or POLICYBOT_PUBLIC_URL) must be an http(s) "
                        f"address without query or fragment, e.g. https://policy.example.org, not {value!r}")
        return None
    return value.rstrip("/")


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
        if str(name) not in {i.value for i in Intent}:
            close = difflib.get_close_matches(str(name), [i.value for i in Intent], n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; known: {', '.join(Intent)}"
            problems.append(f"{src}: key 'intents.{name}' is not a subcommand{hint}")
            continue
        if not isinstance(aliases, list) or not all(isinstance(a, (str, int)) for a in aliases):
            problems.append(f"{src}: key 'intents.{name}' must be a list of words")
            continue
        intents[Intent(str(name))] = tuple(str(a) for a in aliases)
    for required in Intent:
        if required not in intents and not any(f"'intents.{required}'" in p for p in problems):
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
    questions = _load_questions(r, src, problems)
    r.report_unknown()
    return Vocabulary(intents, tuple(synonyms), kinds, stopwords, pairs, actions, questions)


def _load_questions(r: _Reader, src: str, problems: list[str]) -> QuestionWords:
    """Read `questions:`: per-intent word lists (`asks`, `intents`) and plain word lists."""
    def words(key: str) -> tuple[str, ...]:
        value = r.get(key, list, [], "questions.")
        if not all(isinstance(w, (str, int)) and str(w).strip() for w in value):
            problems.append(f"{src}: key 'questions.{key}' must be a list of words")
            return ()
        return tuple(str(w).strip() for w in value)

    def by_intent(key: str) -> dict[Intent, tuple[str, ...]]:
        out: dict[Intent, tuple[str, ...]] = {}
        for name in r.get(key, dict, {}, "questions."):
            if str(name) not in (Intent.TARGET, Intent.LEAD_UNIT):
                problems.append(f"{src}: key 'questions.{key}.{name}' must be target or lead-unit")
                r.asked.add(f"questions.{key}.{name}")  # said once, not again as an unknown key
                continue
            out[Intent(str(name))] = words(f"{key}.{name}")
        return out

    return QuestionWords(asks=by_intent("asks"), intents=by_intent("intents"), words=words("words"),
                         nouns=words("nouns"), lead_ins=words("lead_ins"), endings=words("endings"),
                         fillers=words("fillers"), terms=words("terms"))


def _load_ranking(r: _Reader, problems: list[str]) -> RankingWeights:
    """Read `ranking:`, every key of which config/settings.yaml sets."""
    values: dict[str, Any] = {}
    for f in fields(RankingWeights):
        whole = f.type in ("int", int)
        value = r.require(f.name, int if whole else (int, float), "ranking.")
        values[f.name] = value if value is None or whole else float(value)
    if any(value is None for value in values.values()):
        return RankingWeights(**{name: value or 0 for name, value in values.items()})  # problems already said
    weights = RankingWeights(**values)
    problems.extend(f"{r.where('ranking.' + name)}: key 'ranking.{name}' {why}" for name, why in weights.problems())
    return weights


def load_settings(path: Path | str | None = None, *, corpus_override: str | None = None,
                  env: dict[str, str] | None = None) -> Settings:
    """Read settings.yaml (and the files it names), apply environment overrides, validate.

    Raises:
        ConfigError: listing every problem, each naming its file and key.
    """
    env = dict(os.environ) if env is None else env
    default = DEFAULT_SETTINGS if DEFAULT_SETTINGS.is_file() else Path.cwd() / "config" / "settings.yaml"
    source = Path(path or env.get("POLICYBOT_CONFIG") or default).resolve()
    # The project's config/settings.yaml holds every default; another file only says what differs.
    layers = [default.resolve(), source] if default.is_file() and default.resolve() != source else [source]
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[str] = []
    for layer in layers:
        layer_data = load_yaml_file(layer)
        if layer_data is None:
            continue
        if not isinstance(layer_data, dict):
            raise ConfigError([f"{layer}: expected a mapping of keys to values at the top level"])
        _merge(data, _with_absolute_paths(layer_data, _root_of(layer)), origins, str(layer))
    root = _root_of(source)
    r = _Reader(data, str(source), problems, origins)

    def path_of(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (root / p)

    configured_corpus = _or(r.require("corpus_dir", str), ".")
    corpus = corpus_override or env.get("POLICYBOT_CORPUS") or configured_corpus
    corpus_dir = Path(corpus).expanduser().resolve() if (corpus_override or env.get("POLICYBOT_CORPUS")) \
        else path_of(corpus)
    vocabulary_path = path_of(_or(r.require("vocabulary", str), ""))
    userdict = path_of(_or(r.require("user_dictionary", str), ""))
    if not userdict.is_file():
        problems.append(f"{r.where('user_dictionary')}: key 'user_dictionary' names a missing file: {userdict}")
    vocabulary = _load_vocabulary(vocabulary_path, problems)

    # A missing or mistyped key is already a problem; the placeholders only let the checks go on.
    default_limit = _or(r.require("default_limit", int, "search."), 1)
    max_limit = _or(r.require("max_limit", int, "search."), 1)
    max_chars = _or(r.require("max_query_chars", int, "search."), 1)
    min_relevance = _or(r.require("min_relevance", float, "search."), 0.0)
    if max_chars < 1:
        problems.append(f"{r.where('search.max_query_chars')}: key 'search.max_query_chars' must be at least 1")
    if not 1 <= default_limit <= max_limit:
        problems.append(f"{r.where('search.default_limit')}: key 'search.default_limit' must be between 1 and "
                        f"search.max_limit ({max_limit})")
    if not 0.0 <= min_relevance <= 1.0:
        problems.append(f"{r.where('search.min_relevance')}: key 'search.min_relevance' must be between 0 and 1")
    segmenter = r.require("segmenter", str, "search.")
    if segmenter not in (None, "jieba", "rjieba"):
        problems.append(f"{r.where('search.segmenter')}: key 'search.segmenter' must be jieba or rjieba, "
                        f"not {segmenter!r}")
    port = _or(r.require("port", int, "server."), 0)
    if not 0 <= port <= 65535:
        problems.append(f"{r.where('server.port')}: key 'server.port' must be a port number")
    admins = r.get("admins", list, [], "slack.")
    database_url = _or(r.require("url", str, "database."), "")
    if env.get("POLICYBOT_DATABASE_URL"):
        database_url = _with_absolute_paths({"database": {"url": env["POLICYBOT_DATABASE_URL"]}},
                                            Path.cwd())["database"]["url"]
    schedules = _load_schedules(r.get("schedules", list, None, "digests."), r.where("digests.schedules"), problems)
    language = r.require("language", str, "slack.")
    if language is not None and language_of(language) is None:
        problems.append(f"{r.where('slack.language')}: key 'slack.language' must be a locale the bot speaks "
                        f"({', '.join(LANGUAGES)}, e.g. zh-CN or en-US), not {language!r}")
    cache_dir = path_of(_or(r.require("cache_dir", str), "."))
    host = r.require("host", str, "server.")
    due_months_before = r.require("months_before", int, "digests.due_window.")
    due_months_after = r.require("months_after", int, "digests.due_window.")
    watch_corpus = r.require("watch_corpus", bool)
    scheduler = r.require("scheduler", bool, "digests.")
    public_url = _public_url(env.get("POLICYBOT_PUBLIC_URL") or r.get("public_url", str, None, "server."),
                             r.where("server.public_url"), problems)
    ranking = _load_ranking(r, problems)
    channel_changes = r.require("channel_changes", str, "slack.")
    if channel_changes is not None and channel_changes not in CHANNEL_CHANGES:
        problems.append(f"{r.where('slack.channel_changes')}: key 'slack.channel_changes' must be one of "
                        f"{', '.join(CHANNEL_CHANGES)}, not {channel_changes!r}")
    add_private_addresses = r.require("add_private_addresses", bool, "slack.")
    r.report_unknown()
    if problems:
        raise ConfigError(problems)
    return Settings(
        source=source, root=root, corpus_dir=corpus_dir, cache_dir=cache_dir, user_dictionary=userdict,
        vocabulary=vocabulary, default_limit=default_limit, max_limit=max_limit, max_query_chars=max_chars,
        min_relevance=min_relevance, segmenter=segmenter, host=host, port=port,
        admins=frozenset(str(a) for a in admins), database_url=database_url, due_months_before=due_months_before,
        due_months_after=due_months_after, watch_corpus=watch_corpus, scheduler=scheduler, schedules=schedules,
        public_url=public_url, language=language, ranking=ranking, channel_changes=channel_changes,
        add_private_addresses=add_private_addresses,
    )


def _or(value: Any, placeholder: Any) -> Any:
    return placeholder if value is None else value


def _root_of(settings_file: Path) -> Path:
    """The folder relative paths in a settings file start from: the one holding its `config/`."""
    return settings_file.parent.parent if settings_file.parent.name == "config" else settings_file.parent


def _with_absolute_paths(data: dict[str, Any], root: Path) -> dict[str, Any]:
    """Resolve a layer's relative paths against its own folder, before layers are merged."""
    out = dict(data)
    for key in PATH_KEYS:
        if isinstance(out.get(key), str) and not Path(out[key]).expanduser().is_absolute():
            out[key] = str(root / Path(out[key]))
    database = out.get("database")
    if isinstance(database, dict) and isinstance(url := database.get("url"), str) \
            and url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        out["database"] = {**database, "url": "sqlite:///" + str(root / url[len("sqlite:///"):])}
    return out


def _merge(into: dict[str, Any], layer: dict[str, Any], origins: dict[str, str], source: str,
           prefix: str = "") -> None:
    """Lay `layer` over `into`: mappings merge key by key, anything else replaces; remember who set what."""
    for key, value in layer.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, origins, source, path + ".")
        else:
            into[key] = value
            for sub in [path] + [f"{path}.{p}" for p in _key_paths(value)]:
                origins[sub] = source
