"""Post a digest to Slack: the first message in the channel (or DM), the rest in its thread."""
from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digest import Digest
from bot.digest_runner import Delivery, DeliveryError
from bot.links import NO_LINKS, ClauseLinks
from bot.store import Audience
from bot.strings import Catalog
from handlers.digest_blocks import render_digest
from handlers.languages import UserLanguages


class SlackPublisher:
    """The `Publisher` of `bot.digest_runner`, over chat.postMessage.

    The WebClient's RateLimitErrorRetryHandler waits out `429 Retry-After` and retries; a
    refusal that remains becomes a DeliveryError, which the runner records and retries.
    A channel's digest is written in the workspace language, a user's in theirs.
    """

    def __init__(self, client: WebClient, languages: UserLanguages, links: ClauseLinks = NO_LINKS):
        self.client = client
        self.languages = languages
        self.links = links

    def publish(self, digest: Digest) -> Delivery:
        audience = digest.audience
        language = self.languages.of(audience.id) if audience.is_user else self.languages.default
        messages = render_digest(digest, t=Catalog(language), links=self.links)
        # For a user, chat.postMessage to the user id posts in the bot's DM with them.
        try:
            head = self.client.chat_postMessage(channel=digest.audience.id, unfurl_links=False, unfurl_media=False,
                                                **messages[0])
        except SlackApiError as exc:
            raise _delivery_error(exc, digest.audience) from exc
        channel, ts = head.get("channel") or digest.audience.id, head.get("ts")
        errors = []
        posted = 1
        for n, message in enumerate(messages[1:], start=2):
            try:
                self.client.chat_postMessage(channel=channel, thread_ts=ts, unfurl_links=False, unfurl_media=False,
                                             **message)
                posted += 1
            except SlackApiError as exc:
                errors.append(f"part {n}/{len(messages)} refused: {exc.response.get('error')}")
                break
        return Delivery(ts, posted, tuple(errors))


def _delivery_error(exc: SlackApiError, audience: Audience) -> DeliveryError:
    response = exc.response
    retry_after = None
    if response.status_code == 429:
        value = (response.headers or {}).get("Retry-After") or (response.headers or {}).get("retry-after")
        retry_after = float(value) if value and str(value).isdigit() else None
    return DeliveryError(f"Slack refused chat.postMessage to {audience.id}: {response.get('error')} "
                         f"(HTTP {response.status_code})", retry_after=retry_after)
