"""Drive Debian's headless Chromium over the DevTools protocol, for tests of pages we serve.

No browser automation library: Chromium is started with `--remote-debugging-port=0`, the
page's DevTools WebSocket is opened with `websockets`, and the few commands a test needs
(navigate, evaluate, screenshot) are sent as JSON. Console messages, uncaught exceptions and
the browser's own log (CSP violations, failed loads) are collected as they arrive.

`decode_png` reads the screenshots Chromium returns (8-bit RGB/RGBA, not interlaced), so a
test can look at the pixels without an imaging library.
"""
from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
START_SECONDS = 30


@dataclass
class Screenshot:
    width: int
    height: int
    pixels: list[bytes]  # one row each, RGB triples

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        row = self.pixels[y]
        return row[3 * x], row[3 * x + 1], row[3 * x + 2]


def decode_png(data: bytes) -> Screenshot:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG into RGB rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and not interlace, f"unsupported PNG: depth {depth}, color {color}"
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3))
        previous = line
    return Screenshot(width, height, rows)


@dataclass
class Page:
    """One browser tab, spoken to over its DevTools WebSocket."""

    socket: Any
    session: str | None = None  # the tab's session on the browser socket, once attached
    errors: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _events: list[dict] = field(default_factory=list)

    def send(self, method: str, timeout: float = 20.0, **params) -> dict:
        """Send a command and return its result, noting every event that arrives meanwhile."""
        command_id = next(self._ids)
        command = {"id": command_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            command["sessionId"] = self.session
        self.socket.send(json.dumps(command))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if message.get("id") == command_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._note(message)

    def wait_for(self, event: str, timeout: float = 20.0) -> dict:
        """Wait for an event (one that already arrived counts)."""
        for seen in self._events:
            if seen.get("method") == event:
                self._events.remove(seen)
                return seen
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            self._note(message)
            if message.get("method") == event:
                self._events.remove(message)
                return message

    def _note(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            words = (str(a.get("value", a.get("description"))) for a in params["args"])
            self.errors.append("console: " + " ".join(words))
        elif method == "Runtime.exceptionThrown":
            self.errors.append("exception: " + params["exceptionDetails"].get("text", ""))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(f"log: {params['entry'].get('source')}: {params['entry'].get('text')}")
        if method:
            self._events.append(message)

    def open(self, url: str, *, width: int, height: int, mobile: bool = False) -> None:
        """Load `url` in a viewport of the given size and wait until it has loaded."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)
        self._events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text"))
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Screenshot:
        """Save what the viewport shows as a PNG at `path`, and return it decoded."""
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return decode_png(data)


class Chromium:
    """A headless Chromium for the duration of a `with` block."""

    def __init__(self) -> None:
        if CHROMIUM is None:
            raise RuntimeError("chromium is not installed")
        # Chromium's helper processes may still be writing to the profile as the browser exits.
        self._profile = tempfile.TemporaryDirectory(prefix="policybot-chromium-", ignore_cleanup_errors=True)
        # --no-sandbox: tests run as root in CI, where Chromium's sandbox refuses to start.
        self._process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace",
            start_new_session=True)  # its own process group: every helper process is stopped with it
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_stderr, name="chromium-stderr", daemon=True).start()
        self._connections = contextlib.ExitStack()

    def _read_stderr(self) -> None:
        for line in self._process.stderr:  # read to the end, so the pipe never fills
            self._lines.put(line)
        self._lines.put(None)

    def _browser_endpoint(self) -> str:
        """Wait for Chromium to say where its DevTools listen (`DevTools listening on ws://...`)."""
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                line = None
            if line is None:
                raise RuntimeError("chromium did not start")
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                return found.group(1)

    def __enter__(self) -> Page:
        try:
            browser = self._connections.enter_context(connect(self._browser_endpoint(), max_size=None,
                                                              open_timeout=10))
        except BaseException:
            self.__exit__()
            raise
        page = Page(browser)
        # One tab, attached in "flat" mode: its commands travel on the browser's socket with a session id.
        target = page.send("Target.createTarget", url="about:blank")["targetId"]
        page.session = page.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            page.send(f"{domain}.enable")
        return page

    def __exit__(self, *exc) -> None:
        self._connections.close()
        self._signal_group(signal.SIGTERM)
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self._process.wait(10)
        self._signal_group(signal.SIGKILL)  # helpers that outlived the browser
        self._profile.cleanup()

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self._process.pid, sig)
        except ProcessLookupError:
            pass
