"""What the fake Slack remembers of its workspaces: channels, their history, files, installations.

`FakeSlackAPI` hands the Web API methods below to a `FakeWorkspaces` and records every message
it accepts here, so that the app meets Slack's contracts as Slack documents them:

- `conversations.info`: `is_member`, `is_archived`; a channel the bot is not in refuses
  `chat.postMessage` with `not_in_channel`, an archived one with `is_archived`;
- `conversations.history`: newest first, `oldest`/`latest` (with `inclusive`), `limit` and
  `cursor` pages, message `metadata` only with `include_all_metadata`;
- `conversations.open`: the DM of a user (`chat.postMessage` to a user id lands there);
- `files.info` and the download of `url_private_download`, only with a valid bot token;
- `oauth.v2.access`: a code the test issued becomes an installation with a bot token of its own.
"""
from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

DEFAULT_TEAM = "T0POLICY"


@dataclass
class FakeChannel:
    id: str
    member: bool = True  # tests use channels the bot was invited to unless they say otherwise
    archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeFile:
    id: str
    name: str
    content: bytes
    team: str
    mimetype: str = "application/octet-stream"
    size: int | None = None  # what files.info says, when it is not the content's (a huge upload)


@dataclass
class Installation:
    team: str
    token: str
    bot_user_id: str
    bot_id: str


class FakeWorkspaces:
    """The state behind the Web API methods of the fake that need one (thread-safe)."""

    def __init__(self, base_url: str, default_token: Callable[[], str]):
        self.base_url = base_url
        self.default_token = default_token  # the fake's bot token of token mode (a test may change it)
        self.channels: dict[str, FakeChannel] = {}
        self.files: dict[str, FakeFile] = {}
        self.installations: dict[str, Installation] = {}  # by bot token
        self.codes: dict[str, str] = {}  # oauth code -> team
        self.client = ("", "")  # the app's client id and secret, as oauth.v2.access checks them
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- the test sets the scene

    def channel(self, channel_id: str, *, member: bool = True, archived: bool = False) -> FakeChannel:
        """Declare a channel: whether the bot is in it and whether it is archived."""
        with self._lock:
            found = self.channels.setdefault(channel_id, FakeChannel(channel_id))
            found.member, found.archived = member, archived
            return found

    def add_file(self, name: str, content: bytes, *, team: str = DEFAULT_TEAM,
                 mimetype: str = "application/octet-stream", size: int | None = None) -> str:
        """Upload a file (as a user would); return its id."""
        with self._lock:
            file_id = f"F{next(self._ids):08d}"
            self.files[file_id] = FakeFile(file_id, name, content, team, mimetype, size)
            return file_id

    def oauth_client(self, client_id: str, client_secret: str) -> None:
        self.client = (client_id, client_secret)

    def issue_code(self, team: str) -> str:
        """A code Slack would send to the redirect URL after someone in `team` approved the install."""
        with self._lock:
            code = f"code-{team}-{next(self._ids)}"
            self.codes[code] = team
            return code

    # -- what the fake asks

    def accepts(self, token: str | None) -> bool:
        return token == self.default_token() or token in self.installations

    def team_of(self, token: str | None) -> str:
        found = self.installations.get(token or "")
        return found.team if found else DEFAULT_TEAM

    def dm_of(self, user: str) -> str:
        return "D" + user[1:]

    def refusal(self, method: str, params: dict[str, Any]) -> str | None:
        """Slack's error for a message to a channel the bot cannot post in, or None."""
        if method != "chat.postMessage":
            return None
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return None
        if channel.archived:
            return "is_archived"
        return None if channel.member else "not_in_channel"

    def posted(self, params: dict[str, Any], ts: str) -> str:
        """Keep a message Slack accepted in its channel's history; return the channel it landed in."""
        target = str(params.get("channel"))
        if target[:1] in ("U", "W"):
            target = self.dm_of(target)
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        message = {"type": "message", "ts": ts, "text": params.get("text"), "bot_id": "BPOLICYBOT"}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if metadata:
            message["metadata"] = metadata
        with self._lock:
            self.channels.setdefault(target, FakeChannel(target)).messages.append(message)
        return target

    def answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any] | None:
        """The answer to one of the methods kept here; None for any other method."""
        handler = {
            "conversations.info": self._info, "conversations.history": self._history,
            "conversations.open": self._open, "files.info": self._file_info, "oauth.v2.access": self._oauth,
        }.get(method)
        if handler is None:
            return None
        with self._lock:
            return handler(params, token)

    def download(self, path: str, token: str | None) -> tuple[int, bytes, str]:
        """Serve `/files-pri/<team>-<file id>/<name>` to a bearer of a valid token; return status, body, type.

        Without one, Slack answers as its web site does: 200 and its sign-in page.
        """
        parts = path.split("/")
        file_id = parts[2].split("-", 1)[1] if len(parts) > 3 and "-" in parts[2] else ""
        found = self.files.get(file_id)
        if found is None:
            return 404, b"not found", "text/plain"
        if not self.accepts(token) or self.team_of(token) != found.team:
            return 200, b"<!DOCTYPE html><html><title>Sign in | Slack</title><body>Sign in</body></html>", "text/html"
        return 200, found.content, found.mimetype

    # -- the methods

    def _info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = str(params.get("channel"))
        if channel_id.startswith("D"):
            return {"ok": True, "channel": {"id": channel_id, "is_im": True}}
        found = self.channels.get(channel_id) or FakeChannel(channel_id)
        if not found.member and channel_id.startswith("G"):  # a private channel hides from non-members
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel_id, "is_channel": True, "is_member": found.member,
                                        "is_archived": found.archived, "name": channel_id.lower()}}

    def _history(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel_id = str(params.get("channel"))
        found = self.channels.get(channel_id) or FakeChannel(channel_id)  # a channel nobody posted in yet
        if not found.member and channel_id.startswith("G"):
            return {"ok": False, "error": "channel_not_found"}
        if not found.member and not channel_id.startswith("D"):
            return {"ok": False, "error": "not_in_channel"}
        inclusive = str(params.get("inclusive")).lower() in ("1", "true")
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or 9e12)

        def within(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

        top = [m for m in found.messages if "thread_ts" not in m and within(m)]
        top.sort(key=lambda m: float(m["ts"]), reverse=True)
        start = int(params.get("cursor") or 0)
        limit = min(int(params.get("limit") or 100), 999)
        page = top[start:start + limit]
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(top)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _open(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        users = str(params.get("users") or "")
        if not users or "," in users:
            return {"ok": False, "error": "users_list_not_supplied"}
        channel = self.dm_of(users)
        self.channels.setdefault(channel, FakeChannel(channel))
        return {"ok": True, "channel": {"id": channel}}

    def _file_info(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        found = self.files.get(str(params.get("file")))
        if found is None or found.team != self.team_of(token):
            return {"ok": False, "error": "file_not_found"}
        url = f"{self.base_url}/files-pri/{found.team}-{found.id}/{urllib.parse.quote(found.name)}"
        return {"ok": True, "file": {"id": found.id, "name": found.name, "title": found.name,
                                     "mimetype": found.mimetype, "filetype": found.name.rsplit(".", 1)[-1],
                                     "size": found.size if found.size is not None else len(found.content),
                                     "url_private": url,
                                     "url_private_download": url + "?download=1", "is_external": False}}

    def _oauth(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if (params.get("client_id"), params.get("client_secret")) != self.client:
            return {"ok": False, "error": "invalid_client_id"}
        team = self.codes.pop(str(params.get("code")), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        n = next(self._ids)
        installed = Installation(team, f"xoxb-{team.lower()}-{n:04d}", f"UBOT{team[1:]}", f"BBOT{team[1:]}")
        self.installations[installed.token] = installed
        return {"ok": True, "app_id": "A0POLICY", "authed_user": {"id": f"U0INSTALL{n}"},
                "scope": params.get("scope") or "commands,chat:write", "token_type": "bot",
                "access_token": installed.token, "bot_user_id": installed.bot_user_id,
                "team": {"id": team, "name": f"Team {team}"}, "enterprise": None, "is_enterprise_install": False}
