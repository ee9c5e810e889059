"""Post a digest to Slack: the first message in the channel (or DM), the rest in its thread.

Each digest's first message carries Slack message metadata naming its schedule, slot and
audience (`event_type: policybot_digest`), so that `find` can tell from the channel's
history whether a post whose instance stopped mid-way reached Slack.
"""
from __future__ import annotations

import datetime as dt

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digest import Digest
from bot.digest_runner import Delivery, DeliveryError, DigestTag, StoppedDigest
from bot.links import NO_LINKS, ClauseLinks
from bot.store import Audience
from bot.strings import Catalog
from handlers.digest_blocks import render_digest
from handlers.digest_stopped import render_stopped
from handlers.languages import UserLanguages
from handlers.workspaces import NotInstalled, Workspaces

DIGEST_EVENT = "policybot_digest"
# Refusals that the same request will meet again tomorrow: the digest stops instead of retrying.
PERMANENT_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "account_inactive",
                              "invalid_auth", "token_revoked", "not_installed"})
HISTORY_PAGE = 200  # conversations.history's largest page
HISTORY_PAGES = 10  # the window around a slot holds a few messages; this bounds a very busy channel


class SlackPublisher:
    """The `Publisher` of `bot.digest_runner`, over chat.postMessage and conversations.history.

    The WebClient's RateLimitErrorRetryHandler waits out `429 Retry-After` and retries; a
    refusal that remains becomes a DeliveryError, which the runner records and retries, or,
    when it is permanent, stops that audience's digests. A channel's digest is written in the
    workspace language, a user's in theirs.
    """

    def __init__(self, workspaces: Workspaces, languages: UserLanguages, links: ClauseLinks = NO_LINKS):
        self.workspaces = workspaces
        self.languages = languages
        self.links = links

    def publish(self, digest: Digest, tag: DigestTag | None = None) -> Delivery:
        audience = digest.audience
        client = self._client(audience)
        language = self.languages.of(audience.id, client) if audience.is_user else self.languages.default
        messages = render_digest(digest, t=Catalog(language), links=self.links)
        extra = {"metadata": digest_metadata(tag)} if tag is not None else {}
        # For a user, chat.postMessage to the user id posts in the bot's DM with them.
        try:
            head = client.chat_postMessage(channel=digest.audience.id, unfurl_links=False, unfurl_media=False,
                                           **extra, **messages[0])
        except SlackApiError as exc:
            raise _delivery_error(exc, "chat.postMessage", digest.audience) from exc
        channel, ts = head.get("channel") or digest.audience.id, head.get("ts")
        errors = []
        posted = 1
        for n, message in enumerate(messages[1:], start=2):
            try:
                client.chat_postMessage(channel=channel, thread_ts=ts, unfurl_links=False, unfurl_media=False,
                                        **message)
                posted += 1
            except SlackApiError as exc:
                errors.append(f"part {n}/{len(messages)} refused: {exc.response.get('error')}")
                break
        return Delivery(ts, posted, tuple(errors))

    def find(self, tag: DigestTag, *, oldest: dt.datetime, latest: dt.datetime) -> str | None:
        """Look through the audience's history between `oldest` and `latest` for the message tagged `tag`."""
        audience = tag.audience
        client = self._client(audience)
        wanted = tag.payload()
        try:
            channel = audience.id if not audience.is_user else \
                client.conversations_open(users=audience.id)["channel"]["id"]
            cursor = None
            for _ in range(HISTORY_PAGES):
                page = client.conversations_history(
                    channel=channel, oldest=_ts(oldest), latest=_ts(latest), inclusive=True,
                    include_all_metadata=True, limit=HISTORY_PAGE, cursor=cursor)
                for message in page.get("messages") or []:
                    metadata = message.get("metadata") or {}
                    if metadata.get("event_type") == DIGEST_EVENT and metadata.get("event_payload") == wanted:
                        return message.get("ts")
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not page.get("has_more") or not cursor:
                    return None
        except SlackApiError as exc:
            raise _delivery_error(exc, "conversations.history", audience) from exc
        raise DeliveryError(f"more than {HISTORY_PAGES * HISTORY_PAGE} messages around the slot in {audience.id}; "
                            "not searched further")

    def tell_stopped(self, user_id: str, stopped: StoppedDigest) -> None:
        """DM the person who set up the digests that Slack refuses, saying why and what to do."""
        client = self._client(Audience.user(user_id, stopped.audience.team))
        language = self.languages.of(user_id, client)
        client.chat_postMessage(channel=user_id, unfurl_links=False, unfurl_media=False,
                                **render_stopped(stopped, language))

    def _client(self, audience: Audience) -> WebClient:
        try:
            return self.workspaces.client_for(audience.team)
        except NotInstalled as exc:
            raise DeliveryError(str(exc), permanent=True, code="not_installed") from None


def digest_metadata(tag: DigestTag) -> dict:
    """The message metadata a digest is posted with (Slack: `event_type` and a flat `event_payload`)."""
    return {"event_type": DIGEST_EVENT, "event_payload": tag.payload()}


def _ts(moment: dt.datetime) -> str:
    return f"{moment.timestamp():.6f}"


def _delivery_error(exc: SlackApiError, method: str, audience: Audience) -> DeliveryError:
    response = exc.response
    code = response.get("error")
    retry_after = None
    if response.status_code == 429:
        value = (response.headers or {}).get("Retry-After") or (response.headers or {}).get("retry-after")
        retry_after = float(value) if value and str(value).isdigit() else None
    return DeliveryError(f"Slack refused {method} to {audience.id}: {code} (HTTP {response.status_code})",
                         retry_after=retry_after, permanent=code in PERMANENT_ERRORS, code=code)
