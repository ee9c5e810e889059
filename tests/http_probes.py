"""Raw HTTP on a socket, to probe the app's front door as a hostile or broken client would."""
from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from fake_slack import sign
from slack_harness import SECRET


def address(running) -> tuple[str, int]:
    parts = urlsplit(running.url)
    return parts.hostname, parts.port


def connect(running, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(address(running), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def read_response(sock: socket.socket) -> tuple[int, bytes] | None:
    """Read one HTTP response (status, body); None when the server closed without answering."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            piece = sock.recv(65536)
            if not piece:
                return None
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
        while len(body) < length:
            piece = sock.recv(65536)
            if not piece:
                break
            body += piece
    except ConnectionResetError:
        return None
    return int(lines[0].split()[1]), body


def closed_after(sock: socket.socket) -> float:
    """Wait until the server closes the connection; return how long that took."""
    started = time.monotonic()
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def signed_head(body_headers: str, timestamp: str | None = None, body: bytes = b"") -> bytes:
    timestamp = timestamp or str(int(time.time()))
    return (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: {sign(body, SECRET, timestamp)}\r\n"
            f"{body_headers}\r\n").encode()
