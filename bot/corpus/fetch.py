"""Fetch a published document (a web page, a PDF, a Word or OFD file) from an http(s) address.

This is the one network use of the core besides Slack, and only `policybot add <URL>`
(or the Slack equivalent) calls it. Only http and https are followed, redirects included;
the body is read in chunks against a size cap and an overall deadline, so a slow or huge
answer is refused rather than waited on.

An address typed in Slack must not reach the machines around the bot (its metadata service,
a database, an intranet): unless `FetchLimits.allow_private` says so, the address each
connection actually reached (after DNS, on every redirect) must be a public one, checked on
the connected socket so that a name resolving differently a second time changes nothing.
"""
from __future__ import annotations

import datetime as dt
import email.message
import hashlib
import http.client
import ipaddress
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from bot.errors import PolicybotError

MAX_BYTES = 50 * 1024 * 1024  # the largest government PDFs with scanned appendices stay well below
TIMEOUT_SECONDS = 60.0  # for the whole fetch, not per read
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "policybot/0.1 (policy document indexer)"
_SUFFIX_OF_TYPE = {
    "text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/ofd": ".ofd", "application/x-ofd": ".ofd", "text/plain": ".txt", "text/markdown": ".md",
}
_URL_SAFE = "/%:@!$&'()*+,;=-._~"  # RFC 3986 reserved and unreserved characters, and escapes already made
_KNOWN_SUFFIXES = (".html", ".htm", ".pdf", ".docx", ".ofd", ".txt", ".md")


class FetchError(PolicybotError):
    """A document could not be fetched: a refused address, an HTTP error, too large, too slow."""


@dataclass(frozen=True)
class Fetched:
    """A fetched file: its bytes, a file name for the corpus folder, and the sidecar to keep with it."""

    data: bytes
    name: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = MAX_BYTES
    timeout: float = TIMEOUT_SECONDS
    allow_private: bool = False  # private, loopback and link-local addresses too (the operator's command line)


@dataclass(frozen=True)
class Download:
    """What an address answered: the bytes and what the answer said of them."""

    data: bytes
    url: str  # after redirects
    content_type: str
    disposition: str | None = None


def check_url(url: str) -> str:
    """Return `url` if it is an http(s) address with a host, spaces and non-ASCII in its path percent-encoded.

    Government sites put Chinese file names in their addresses (`/附件/方案.pdf`); HTTP wants them encoded.

    Raises:
        FetchError: for any other scheme (file:, ftp:, data:, ...) or a missing host.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("refused: only http:// and https:// addresses are fetched")
    if not parts.hostname:
        raise FetchError("refused: no host in the address")
    return urllib.parse.urlunsplit(parts._replace(path=urllib.parse.quote(parts.path, safe=_URL_SAFE),
                                                  query=urllib.parse.quote(parts.query, safe=_URL_SAFE + "?")))


def is_public_address(address: str) -> bool:
    """True for an address on the internet; False for private, loopback, link-local, reserved ones."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, only to http(s), and never carry credentials to another host."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urljoin(req.full_url, newurl)
        check_url(target)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(target).hostname != urllib.parse.urlsplit(req.full_url).hostname:
            new.remove_header("Authorization")
        return new


def _checked(connection_class):
    """A connection class that refuses, once connected, a peer that is not a public address."""

    class PublicOnly(connection_class):
        def connect(self):
            super().connect()
            peer = self.sock.getpeername()[0]
            if not is_public_address(peer):
                self.sock.close()
                raise FetchError(f"refused: {self.host} is a private or local address ({peer})")

    return PublicOnly


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_checked(http.client.HTTPConnection), req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_checked(http.client.HTTPSConnection), req, context=self._context)


def download(url: str, *, limits: FetchLimits = FetchLimits(), headers: dict[str, str] | None = None) -> Download:
    """Download what `url` answers, within the limits.

    Args:
        headers: sent with the request (an `Authorization` header is dropped on a redirect to another host).

    Raises:
        FetchError: the address is refused, the server fails or is unreachable, the answer is
            larger than `limits.max_bytes` or takes longer than `limits.timeout` seconds.
    """
    url = check_url(url)
    deadline = time.monotonic() + limits.timeout
    guards = [] if limits.allow_private else [_PublicHTTPHandler(), _PublicHTTPSHandler()]
    opener = urllib.request.build_opener(_HttpOnlyRedirects(), *guards)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*",
                                                   "Accept-Encoding": "identity", **(headers or {})})
    try:
        with opener.open(request, timeout=limits.timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limits.max_bytes:
                raise FetchError(f"the file ({int(length):,} bytes) is over the limit of {limits.max_bytes:,}")
            data = _read_capped(response, url, limits.max_bytes, deadline)
            answer = Download(data, response.geturl(), response.headers.get_content_type(),
                              response.headers.get("Content-Disposition"))
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # urllib stops at a redirect it will not follow
            raise FetchError("refused: it redirects too often, or to an address that is not http(s)") from None
        raise FetchError(f"the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, FetchError):  # a refused peer, raised inside the connection
            raise reason from None
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise FetchError(f"no answer within {limits.timeout:g} s") from None
        raise FetchError(f"cannot connect ({reason})") from None
    except (socket.timeout, TimeoutError):
        raise FetchError(f"no answer within {limits.timeout:g} s") from None
    except (OSError, ValueError) as exc:  # a connection reset, a malformed answer
        raise FetchError(f"the fetch failed ({exc})") from None
    if not answer.data:
        raise FetchError("the server sent an empty answer")
    return answer


def fetch_document(url: str, *, limits: FetchLimits = FetchLimits(),
                   now: dt.datetime | None = None) -> Fetched:
    """Download the document at `url`.

    Returns the bytes, a file name (the address's last part, a short hash of the address
    so two sites' `index.html` differ, and a suffix from the content type), and a sidecar
    holding the source URL and the fetch time.

    Raises:
        FetchError: the address is refused, the server fails or is unreachable, the answer is
            larger than `limits.max_bytes` or takes longer than `limits.timeout` seconds.
    """
    url = check_url(url)
    answer = download(url, limits=limits)
    final_url = answer.url
    fetched_at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    meta = {"source_url": final_url, "fetched_at": fetched_at.isoformat(timespec="seconds")}
    if final_url != url:
        meta["requested_url"] = url
    return Fetched(answer.data, file_name(final_url, answer.content_type, answer.disposition, answer.data), meta)


def _read_capped(response, url: str, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError("the download took longer than allowed")
        chunk = response.read1(CHUNK)  # what has arrived: a trickle must not hold a full chunk's wait
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"the download is larger than the limit of {max_bytes:,} bytes")
        chunks.append(chunk)


def file_name(url: str, content_type: str, disposition: str | None, data: bytes) -> str:
    """A safe, stable file name for a fetched document: `{name}-{hash of the address}{suffix}`."""
    name = _disposition_name(disposition) or urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    if suffix not in _KNOWN_SUFFIXES:
        stem = name or "document"
        suffix = _SUFFIX_OF_TYPE.get(content_type) or sniff_suffix(data) or ".html"
    stem = re.sub(r"[^\w\u4e00-\u9fff.-]+", "-", stem).strip(".-")[:80] or "document"
    tag = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{tag}{suffix}"


def _disposition_name(value: str | None) -> str | None:
    if not value:
        return None
    header = email.message.Message()
    header["Content-Disposition"] = value
    name = header.get_filename()
    return name.replace("\\", "/").rsplit("/", 1)[-1] if name else None


def sniff_suffix(data: bytes) -> str | None:
    """The suffix a file's first bytes say it has: `%PDF` is a PDF, a zip with OFD.xml an OFD."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"OFD.xml" in data[:65536] or b"Doc_0/" in data[:65536]:
            return ".ofd"
        if b"word/" in data[:65536]:
            return ".docx"
        return None
    if re.match(rb"(?i)(<!doctype html|<html|<\?xml[^>]*>\s*<html)", head) or b"<body" in head.lower():
        return ".html"
    return None
