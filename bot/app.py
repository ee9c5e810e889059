"""Composition root: build the services and the Bolt app, register the Slack handlers.

This is the one module that knows both the core (`bot`) and the Slack front end
(`handlers`). Secrets come only from the environment; nothing here is global.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.engine import PolicyEngine
from bot.errors import ConfigError, PolicybotError
from bot.services import Services
from bot.settings import Settings
from handlers import register
from handlers.blocks import render_apology
from handlers.dispatch import new_error_id

log = logging.getLogger("policybot.app")

DEFAULT_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 3  # Slack's Retry-After is seconds; three waits cover a burst
LISTENER_THREADS = 32  # Bolt's default of 10 queues a burst of slash commands behind one another


class SlackDeliveryError(PolicybotError):
    """Slack refused a reply (an expired response_url, a rejected message)."""


@dataclass(frozen=True)
class SlackEnvironment:
    """The Slack secrets and endpoints, read from the environment only."""

    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SlackEnvironment":
        """Read `SLACK_*` variables; with `SLACK_APP_TOKEN` set the app runs in Socket Mode.

        Raises:
            ConfigError: naming every missing variable at once.
        """
        env = os.environ if env is None else env
        bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
        app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
        signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
        problems = []
        if not bot_token:
            problems.append("environment variable SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
        if not app_token and not signing_secret:
            problems.append("environment variable SLACK_SIGNING_SECRET is not set (needed to verify "
                            "requests in HTTP mode; or set SLACK_APP_TOKEN for Socket Mode)")
        if app_token and not app_token.startswith("xapp-"):
            problems.append("environment variable SLACK_APP_TOKEN must be an app-level token (xapp-...)")
        if problems:
            raise ConfigError(problems)
        return cls(bot_token, signing_secret, app_token, api_url(env))


def api_url(env: Mapping[str, str]) -> str:
    """Return the Web API base URL: `SLACK_API_URL` (GovSlack, a gateway, a test fake) or Slack's."""
    url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def retry_handlers() -> list:
    """Wait out `429 Retry-After` and retry dropped connections, for every call to Slack."""
    return [ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


def make_web_client(token: str, base_url: str = DEFAULT_API_URL) -> WebClient:
    return WebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(), timeout=10)


class RetryingRespond(Respond):
    """Bolt's `respond`, also waiting out 429s, and raising when Slack refuses the reply.

    Bolt's own `respond` posts to the response_url once and returns whatever came back,
    so a rate-limited or expired reply would vanish without a trace.
    """

    def __call__(self, text: str | dict = "", blocks=None, attachments=None, response_type=None,
                 replace_original=None, delete_original=None, unfurl_links=None, unfurl_media=None,
                 thread_ts=None, metadata=None):
        if self.response_url is None:
            raise ValueError("respond is unavailable here: the request has no response_url")
        if isinstance(text, dict):
            message = dict(text)
        else:
            message = {"text": text, "blocks": blocks, "attachments": attachments,
                       "response_type": response_type, "replace_original": replace_original,
                       "delete_original": delete_original, "unfurl_links": unfurl_links,
                       "unfurl_media": unfurl_media, "thread_ts": thread_ts, "metadata": metadata}
        message = {k: v for k, v in message.items() if v is not None}
        client = WebhookClient(url=self.response_url, proxy=self.proxy, ssl=self.ssl,
                               retry_handlers=retry_handlers(), timeout=10)
        response = client.send_dict(message)
        if response.status_code != 200:
            raise SlackDeliveryError(f"response_url refused the reply: HTTP {response.status_code} {response.body!r}")
        return response


def use_retrying_respond(context, body, next):
    """Global middleware: give every listener a `respond` that survives rate limits."""
    url = context.response_url or (body.get("response_url") if isinstance(body, dict) else None)
    if url:
        context["respond"] = RetryingRespond(response_url=url)
    next()


def handle_error(error: Exception, body: dict, context, response: BoltResponse | None, logger):
    """Log the traceback under an error id; give the user a short apology with that id."""
    error_id = getattr(error, "policybot_error_id", None) or new_error_id()
    logger.error("error_id=%s %s: %s", error_id, type(error).__name__, error, exc_info=error)
    apology = render_apology(error_id)
    try:
        if body.get("type") == "event_callback":
            event = body.get("event") or {}
            if event.get("type") in ("message", "app_mention") and event.get("channel"):
                context.client.chat_postMessage(channel=event["channel"],
                                                thread_ts=event.get("thread_ts") or event.get("ts"), **apology)
            return None
        if response is not None and body.get("command"):
            # Not acknowledged yet: the apology goes in the acknowledgement itself.
            return BoltResponse(status=200, headers={"content-type": "application/json"},
                                body=json.dumps({"response_type": "ephemeral", **apology}, ensure_ascii=False))
        if context.response_url:
            context.respond(response_type="ephemeral", replace_original=False, **apology)
        if response is not None:
            # Not acknowledged yet: acknowledge quietly, the apology went to the response_url.
            return BoltResponse(status=200, body="")
    except Exception:  # the apology itself failed; the traceback above is what matters
        logger.exception("error_id=%s could not deliver the apology", error_id)
    return None


def build_services(settings: Settings, *, progress=None) -> Services:
    """Load, index and warm the corpus, open the store: everything before the first request."""
    from bot.store import open_store

    engine = PolicyEngine.from_settings(settings, progress=progress)
    engine.warm()  # the engine has logged each skipped corpus file with its reason
    return Services(settings=settings, engine=engine, store=open_store(settings),
                    clock=lambda: dt.datetime.now(dt.timezone.utc))


def create_app(services: Services, *, client: WebClient | None = None, base_url: str | None = None,
               token: str | None = None, signing_secret: str | None = None,
               env: Mapping[str, str] | None = None, socket_mode: bool | None = None) -> App:
    """Build the Bolt app with every handler registered.

    Args:
        services: the engine and friends, from `build_services`.
        client: a ready WebClient (tests); otherwise one is made from `token` and `base_url`.
        base_url: the Slack Web API base URL; default `SLACK_API_URL` or Slack's own.
        token, signing_secret: override the environment (tests).
        env: the environment to read secrets from (default `os.environ`).
        socket_mode: force the mode; default: Socket Mode when `SLACK_APP_TOKEN` is set.

    Raises:
        ConfigError: a secret is missing, or Slack rejects the bot token.
    """
    env = os.environ if env is None else env
    if (client is None and token is None) or (signing_secret is None and socket_mode is not True):
        slack_env = SlackEnvironment.from_env(env)
        token = token or slack_env.bot_token
        signing_secret = signing_secret or slack_env.signing_secret
        socket_mode = slack_env.socket_mode if socket_mode is None else socket_mode
    socket_mode = bool(socket_mode)
    if client is None:
        client = make_web_client(token or "", base_url or api_url(env))
    try:
        app = App(
            client=client,
            signing_secret=signing_secret or "",
            request_verification_enabled=not socket_mode,
            listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="policy-listener"),
            logger=logging.getLogger("policybot.slack"),
            name="policybot",
        )
    except BoltError as exc:  # Bolt calls auth.test here, and wraps Slack's refusal in BoltError
        raise ConfigError([f"SLACK_BOT_TOKEN: Slack did not accept the bot token ({exc})"]) from None
    app.use(use_retrying_respond)
    app.error(handle_error)
    register(app, services)
    return app
