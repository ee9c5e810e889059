"""A `respond` that survives Slack's rate limits and says when Slack refused a reply."""
from __future__ import annotations

from slack_bolt.context.respond import Respond
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.errors import PolicybotError

RATE_LIMIT_RETRIES = 3  # Slack's Retry-After is seconds; three waits cover a burst


class SlackDeliveryError(PolicybotError):
    """Slack refused a reply (an expired response_url, a rejected message)."""


def retry_handlers() -> list:
    """Wait out `429 Retry-After` and retry dropped connections, for every call to Slack."""
    return [ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


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
