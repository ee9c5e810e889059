"""Composition root: every service is built here, once, and handed to whoever needs it.

This is the one module that knows both the core (`bot`) and the Slack front end
(`handlers`). Every entry point asks it for what it needs: `policybot ask` for an engine,
`policybot digest` and `policybot serve` for a runtime, `serve` also for the Bolt app.
Secrets come only from the environment.

Slack, SQLAlchemy and the handlers are imported inside the functions that build them:
`policybot ask` needs none of them, and importing them would double its start-up time.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.engine import PolicyEngine
from bot.errors import ConfigError
from bot.links import ClauseLinks
from bot.settings import Settings

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.jobs import Jobs
    from bot.services import Clock, Services
    from bot.store import Store
    from handlers.languages import UserLanguages
    from handlers.workspaces import Workspaces

log = logging.getLogger("policybot.app")

DEFAULT_API_URL = "https://slack.com/api/"
LISTENER_THREADS = 32  # Bolt's default of 10 queues a burst of slash commands behind one another


@dataclass(frozen=True)
class SlackEnvironment:
    """The Slack secrets and endpoints, read from the environment only.

    With `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` the app is distributed: workspaces install
    it over OAuth and each has its own bot token (no `SLACK_BOT_TOKEN`).
    """

    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None  # as registered with Slack, when the app has several

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def distributed(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, serving: bool = True) -> "SlackEnvironment":
        """Read `SLACK_*` variables; with `SLACK_APP_TOKEN` set the app runs in Socket Mode.

        Args:
            serving: the app will receive requests (it needs a signing secret or an app token);
                `policybot digest` only posts and needs the bot token alone.

        Raises:
            ConfigError: naming every missing variable at once.
        """
        env = os.environ if env is None else env
        bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
        app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
        signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
        client_id = env.get("SLACK_CLIENT_ID", "").strip() or None
        client_secret = env.get("SLACK_CLIENT_SECRET", "").strip() or None
        problems = []
        if bool(client_id) != bool(client_secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            problems.append(f"environment variable {missing} is not set (OAuth distribution needs "
                            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET together)")
        distributed = bool(client_id and client_secret)
        if distributed:
            if app_token:
                problems.append("SLACK_APP_TOKEN is set with SLACK_CLIENT_ID: distribution over OAuth serves "
                                "HTTP (the install pages and /slack/events); unset SLACK_APP_TOKEN")
            if serving and not signing_secret:
                problems.append("environment variable SLACK_SIGNING_SECRET is not set (needed to verify requests)")
        else:
            if not bot_token:
                problems.append("environment variable SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
            if serving and not app_token and not signing_secret:
                problems.append("environment variable SLACK_SIGNING_SECRET is not set (needed to verify "
                                "requests in HTTP mode; or set SLACK_APP_TOKEN for Socket Mode)")
        if app_token and not app_token.startswith("xapp-"):
            problems.append("environment variable SLACK_APP_TOKEN must be an app-level token (xapp-...)")
        if problems:
            raise ConfigError(problems)
        return cls(bot_token, signing_secret, app_token, api_url(env), client_id, client_secret,
                   env.get("SLACK_REDIRECT_URI", "").strip() or None)


def api_url(env: Mapping[str, str]) -> str:
    """Return the Web API base URL: `SLACK_API_URL` (GovSlack, a gateway, a test fake) or Slack's."""
    url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def build_engine(settings: Settings, *, progress: Callable[[int, int], None] | None = None,
                 warm: bool = True) -> PolicyEngine:
    """Load (or build) the index of the corpus; warm it so the first question is answered at full speed."""
    engine = PolicyEngine.from_settings(settings, progress=progress)
    if warm:
        engine.warm()
    return engine


def open_store(settings: Settings) -> "Store":
    """Open the database named by `database.url` (or POLICYBOT_DATABASE_URL), migrated to head."""
    from bot.store import Store

    store = Store.open(settings.database_url)
    log.info("store: %s", store.url)
    return store


@dataclass
class Runtime:
    """Everything a running bot is made of, built once by `build_runtime`."""

    settings: Settings
    slack: SlackEnvironment
    client: "WebClient"
    services: "Services"
    languages: "UserLanguages"  # each Slack user's language, shared by the listeners and the digest publisher
    workspaces: "Workspaces"  # a Slack client per workspace: the bot token's, or each installation's

    def start_jobs(self) -> "Jobs":
        """Start the digest schedules and the corpus watcher, as the settings ask."""
        from bot.jobs import start_jobs

        return start_jobs(self.services.digests if self.settings.scheduler else None,
                          self.services.watcher if self.settings.watch_corpus else None)

    def close(self) -> None:
        self.services.store.close()


def build_runtime(settings: Settings, env: Mapping[str, str] | None = None, *, serving: bool = True,
                  engine: PolicyEngine | None = None, clock: "Clock | None" = None) -> Runtime:
    """Build the engine, the store, the Slack client, the digest runner and the corpus watcher.

    Args:
        settings: the validated configuration.
        env: where to read the SLACK_* variables (default: the process environment).
        serving: the runtime will receive Slack requests (`serve`), not only post (`digest`).
        engine: an engine already loaded (tests share one); built from the settings otherwise.
        clock: what "now" is (tests pass one they move by hand).

    Raises:
        ConfigError: a SLACK_* variable is missing, or a digest schedule is invalid.
    """
    from bot.corpus.library import CorpusLibrary
    from bot.digest_runner import DigestRunner
    from bot.seen import SeenKeys
    from bot.services import Services, utc_now
    from bot.watcher import CorpusWatcher
    from handlers.languages import UserLanguages
    from handlers.publisher import SlackPublisher
    from handlers.workspaces import Workspaces

    slack = SlackEnvironment.from_env(env, serving=serving)  # before the slow part: a missing secret fails at once
    if slack.distributed:
        unplaced = [f"digests.schedules[{i}]" for i, s in enumerate(settings.schedules)
                    if s.channel != "dm" and not s.team]
        if unplaced:
            raise ConfigError([f"key '{key}.team' is required when the app is installed in several workspaces "
                               "(SLACK_CLIENT_ID is set): the id of the channel's workspace, T..." for key in unplaced])
    engine = engine or build_engine(settings)
    client = make_web_client(slack.bot_token or None, slack.api_url)
    clock = clock or utc_now
    store = open_store(settings)
    workspaces = Workspaces.installed(client, store, slack.client_id) if slack.distributed else Workspaces(client)
    links = ClauseLinks(settings.public_url)
    languages = UserLanguages(client, settings.language)
    try:
        runner = DigestRunner(settings, engine, store, SlackPublisher(workspaces, languages, links), clock,
                              default_team=workspaces.default_team)
    except ConfigError:
        store.close()
        raise
    library = CorpusLibrary(settings.corpus_dir, store)
    watcher = CorpusWatcher(engine, library)
    services = Services(settings=settings, engine=engine, store=store, clock=clock, digests=runner, library=library,
                        links=links, seen=SeenKeys(store, clock), watcher=watcher)
    return Runtime(settings, slack, client, services, languages, workspaces)


def make_web_client(token: str | None, base_url: str = DEFAULT_API_URL) -> "WebClient":
    """A Web API client that waits out rate limits and retries dropped connections."""
    from slack_sdk import WebClient

    from handlers.respond import retry_handlers

    return WebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(), timeout=10)


def build_app(runtime: Runtime, *, listener_executor: "Executor | None" = None) -> "App":
    """Build the Bolt app over the runtime's client, with every handler registered.

    Args:
        listener_executor: where listeners run (default: a pool of LISTENER_THREADS threads).

    Raises:
        ConfigError: Slack rejects the bot token.
    """
    from concurrent.futures import ThreadPoolExecutor

    from slack_bolt import App
    from slack_bolt.error import BoltError

    from handlers import register

    socket_mode = runtime.slack.socket_mode
    oauth = {}
    if runtime.slack.distributed:
        from handlers.install import not_installed_message, oauth_settings

        oauth["oauth_settings"] = oauth_settings(runtime.workspaces, client_secret=runtime.slack.client_secret or "",
                                                 api_url=runtime.slack.api_url, redirect_uri=runtime.slack.redirect_uri)
        oauth["user_facing_authorize_error_message"] = not_installed_message()
    try:
        app = App(
            client=runtime.client,
            signing_secret=runtime.slack.signing_secret or "",
            request_verification_enabled=not socket_mode,
            listener_executor=listener_executor or ThreadPoolExecutor(max_workers=LISTENER_THREADS,
                                                                      thread_name_prefix="policy-listener"),
            logger=logging.getLogger("policybot.slack"),
            name="policybot",
            **oauth,
        )
    except BoltError as exc:  # Bolt calls auth.test here, and wraps Slack's refusal in BoltError
        raise ConfigError([f"SLACK_BOT_TOKEN: Slack did not accept the bot token ({exc})"]) from None
    if runtime.slack.distributed:
        app.enable_token_revocation_listeners()  # an uninstalled workspace's tokens are forgotten
    register(app, runtime.services, runtime.languages)
    return app
