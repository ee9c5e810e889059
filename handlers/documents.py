"""Documents added from Slack: `/policy add <URL>`, and files an admin shares in the bot's DM.

A shared file arrives as a `message` event with `files` (subtype `file_share`) and, when the
app subscribes to it, as a `file_shared` event: both are taken, and each file is added once
(its id is claimed in the database). The bot asks `files.info` for the file, downloads its
`url_private_download` with its own token (scope `files:read`), and adds it through the
corpus library, which parses it first and refuses it with the reason when it cannot be used.
The reply says what was parsed: title, city, date, clause, target and task counts, problems.
Only admins may add documents; anyone else is told who can.
"""
from __future__ import annotations

import urllib.parse
from pathlib import PurePosixPath

from slack_sdk.errors import SlackApiError

from bot import strings as s
from bot.corpus.fetch import FetchError, FetchLimits, download
from bot.corpus.library import AddError, AddResult, safe_name
from bot.corpus.files import DOCUMENT_SUFFIXES
from bot.model import Intent, Query
from bot.seen import EVENT_TTL
from bot.services import Services
from handlers.blocks import Message, context, escape, fit_message, plain, render_notice, section
from handlers.channel_access import admin_mentions
from handlers.context import PolicyContext, Reply, logged_request, message_args
from handlers.languages import UserLanguages
from handlers.table import CommandTable

MAX_FILES = 5  # files taken from one message; more is a mistake or a dump
MAX_PROBLEMS = 5
# Hosts the bot's token may be sent to when it downloads a file Slack told it about.
SLACK_FILE_HOSTS = ("slack.com", "slack-edge.com", "slack-gov.com", "slack-files.com")
# Types whose files may carry another suffix (`plan.pdf.bin`, `notice.aspx`): downloaded and looked at.
DOCUMENT_TYPES = ("application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml",
                  "text/", "application/ofd", "application/xhtml")
def render_added(result: AddResult, language: str) -> Message:
    """What was parsed from an added document, as a reply."""
    doc = result.document
    lines = [s.ADDED(language).format(title=plain(doc.title, 300), status=s.ADD_STATUS[result.status](language))]
    facts = s.ADDED_FACTS(language).format(
        region=plain(doc.region or "—", 60), date=doc.date.isoformat() if doc.date else "—",
        clauses=doc.clause_count, targets=doc.target_count, tasks=doc.task_count)
    if doc.page_count:
        facts += " · " + s.ADDED_PAGES(language).format(pages=doc.page_count)
    lines.append(facts)
    if doc.problems:
        lines.append(s.ADDED_PROBLEMS(language))
        lines += [f"• {plain(p, 300)}" for p in doc.problems[:MAX_PROBLEMS]]
    blocks = [section("\n".join(lines))]
    if result.shared:
        blocks.append(context(s.ADDED_SHARED(language)))
    return fit_message({"text": lines[0], "blocks": blocks})


def not_added(name: str, reason: str, language: str) -> Message:
    return render_notice(s.NOT_ADDED(language).format(name=plain(name, 300), reason=escape(reason[:500])))


def add_url(query: Query, ctx: PolicyContext) -> Reply:
    """Fetch a web page or a file and add it to the corpus (admins)."""
    language = ctx.language
    if not ctx.is_admin:
        return Reply(render_notice(s.ONLY_ADMINS_ADD(language).format(admins=admin_mentions(ctx))), Intent.ADD, 0)
    words = query.raw.split(None, 1)
    # Slack sends a typed address as a link, whose label the query text holds: the address is the link's.
    url = ctx.typed_links[0] if ctx.typed_links else (words[1].strip() if len(words) > 1 else "")
    if not url:
        return Reply(render_notice(s.ADD_USAGE(language).format(prefix=ctx.prefix)), Intent.ADD, 0)
    services = ctx.services
    limits = FetchLimits(allow_private=services.settings.add_private_addresses)
    try:
        result = services.library.add_url(url, limits=limits, added_by=ctx.user_id)
    except (AddError, FetchError) as exc:
        return Reply(not_added(url, str(exc), language), Intent.ADD, 0)
    services.watcher.check()  # answerable at once, not at the next minute's check
    return Reply(render_added(result, language), Intent.ADD, 1)


def download_slack_file(client, info: dict, limits: FetchLimits) -> bytes:
    """Download a file Slack described (`files.info`), with the bot's token, within `limits`.

    The token goes only to Slack's own hosts or the Web API's host (a gateway, GovSlack, a
    test fake), and private addresses are allowed only for the Web API's host.

    Raises:
        FetchError: the address is not one to send the token to, or the download failed.
    """
    url = info.get("url_private_download") or info.get("url_private") or ""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    api_host = (urllib.parse.urlsplit(client.base_url).hostname or "").lower()
    if not host or not (host == api_host or any(host == h or host.endswith("." + h) for h in SLACK_FILE_HOSTS)):
        raise FetchError(f"refused: the file is served from {host or 'nowhere'}, not from Slack")
    limits = FetchLimits(limits.max_bytes, limits.timeout, allow_private=host == api_host)
    answer = download(url, limits=limits, headers={"Authorization": f"Bearer {client.token}"})
    named_html = PurePosixPath(info.get("name") or "").suffix.lower() in (".html", ".htm")
    declared_html = (info.get("mimetype") or "").startswith("text/html")
    if answer.content_type == "text/html" and not named_html and not declared_html:
        # Slack answers a download it does not authorise with its sign-in page, and a 200.
        raise FetchError("Slack sent its sign-in page instead of the file (is the files:read scope granted?)")
    return answer.data


def add_shared_file(services: Services, client, file_id: str, user_id: str, language: str) -> Message:
    """Get one shared file from Slack, add it, and say what was parsed (or why it was not added)."""
    limits = FetchLimits()
    try:
        info = client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        return not_added(file_id, s.FILE_UNREADABLE(language).format(error=exc.response.get("error")), language)
    name = info.get("name") or info.get("title") or file_id
    size = info.get("size") or 0
    suffix = PurePosixPath(name).suffix.lower()
    if suffix and suffix not in DOCUMENT_SUFFIXES and not (info.get("mimetype") or "").startswith(DOCUMENT_TYPES):
        try:  # an image or a video is not downloaded only to be refused
            safe_name(name)
        except AddError as exc:
            return not_added(name, str(exc), language)
    if size > limits.max_bytes:
        reason = s.FILE_TOO_LARGE(language).format(size=round(size / 2**20, 1), limit=limits.max_bytes // 2**20)
        return not_added(name, reason, language)
    try:
        data = download_slack_file(client, info, limits)
        result = services.library.add(data, name, added_by=user_id)
    except (AddError, FetchError) as exc:
        return not_added(name, str(exc), language)
    return render_added(result, language)


def shared_files(event: dict) -> list[str]:
    """The ids of the files a `message` (file_share) or `file_shared` event carries."""
    if event.get("type") == "file_shared":
        found = event.get("file_id") or (event.get("file") or {}).get("id")
        return [found] if found else []
    return [f["id"] for f in event.get("files") or [] if isinstance(f, dict) and f.get("id")]


def make_file_listener(services: Services, languages: UserLanguages):
    """Return the listener that adds files shared in the bot's DM."""

    def handle_shared_file(body, event, client, context, logger):
        """Add the files an admin shares in the bot's DM; tell anyone else who can add documents."""
        channel = event.get("channel") or event.get("channel_id") or ""
        user = event.get("user") or event.get("user_id")
        # file_shared says no channel type; a DM's id starts with D.
        in_dm = event["channel_type"] == "im" if event.get("channel_type") else channel.startswith("D")
        if not in_dm or not user or user == context.bot_user_id or event.get("bot_id"):
            return
        files = shared_files(event)
        team = body.get("team_id") or context.team_id
        # The same upload comes as a message and as file_shared: whichever arrives first takes the files.
        if not files or not services.seen.claim(*(f"file:{team}:{f}" for f in files), ttl=EVENT_TTL, team=team):
            return
        thread_ts = event.get("ts") if event.get("type") == "message" else None
        ctx = PolicyContext(services=services, surface="dm", user_id=user, channel_id=channel, team_id=team,
                            client=client, logger=logger, language=languages.of(user, client))
        with logged_request("dm", "file_share") as log_line:
            log_line.intent = str(Intent.ADD)
            if not ctx.is_admin:
                replies = [render_notice(s.ONLY_ADMINS_ADD(ctx.language).format(admins=admin_mentions(ctx)))]
            else:
                replies = [add_shared_file(services, client, f, user, ctx.language) for f in files[:MAX_FILES]]
                if len(files) > MAX_FILES:
                    replies.append(render_notice(s.TOO_MANY_FILES(ctx.language).format(limit=MAX_FILES)))
                services.watcher.check()
            log_line.results = len(replies)
            for reply in replies:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                        **message_args(reply, unfurl_links=False, unfurl_media=False))

    return handle_shared_file


def register_table(table: CommandTable) -> None:
    """Add `/policy add <URL>` to the command table (the admin check is its own: it names the admins)."""
    table.add(Intent.ADD, add_url)


def register(app, services: Services, languages: UserLanguages) -> None:
    """Take shared files: before the DM listener, which Bolt would otherwise give the message to."""
    listener = make_file_listener(services, languages)
    app.event({"type": "message", "subtype": "file_share"})(listener)
    app.event("file_shared")(listener)
