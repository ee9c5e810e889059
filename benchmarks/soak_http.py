"""The soak's probes over HTTP: slash commands under load, hostile requests, replayed signed requests."""
from __future__ import annotations

import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from soak_support import ADMIN, Asker, Row, ServeProcess

from bench import MIX, percentile  # the benchmark's realistic query mix
from fake_slack import sign
from slack_harness import SECRET
from http_probes import closed_after, connect, read_response, signed_head  # the edge tests' own probes

MiB = 1 << 20
QUERIES = [query for queries in MIX.values() for query in queries]


def load(server: ServeProcess, commands: int, clients: int) -> Row:
    """Send `commands` slash commands from `clients` concurrent clients; each must be answered exactly once."""
    asker = Asker(server)
    per_client = commands // clients
    sent: list[tuple[int, dict | None, str, float]] = []
    lock = threading.Lock()
    warm_rss: list[float] = []

    def client(n: int) -> None:
        for i in range(per_client):
            result = asker.send(QUERIES[(n * per_client + i) % len(QUERIES)], user=f"U0LOAD{n:03d}",
                                channel=f"C0LOAD{n % 4}")
            with lock:
                sent.append(result)
                if len(sent) == commands // 10:
                    warm_rss.append(_rss_mb(server.process.pid))

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    late = [(name, acked) for status, acked, name, _ in sent if status == 200 and acked is None]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(not asker.answers(name, None) for name, _ in late):
        time.sleep(0.2)
    time.sleep(1.0)  # a second answer to the same command would come now
    counts = [len(asker.answers(name, acked)) for _, acked, name, _ in sent]
    acks = [took for status, _, _, took in sent if status == 200]
    errors = sum(1 for status, *_ in sent if status >= 500)
    end_rss = _rss_mb(server.process.pid)
    failures = []
    if counts.count(1) != len(sent):
        failures.append(f"{counts.count(0)} unanswered, {sum(1 for c in counts if c > 1)} answered twice")
    if acks and max(acks) > 3.0:
        failures.append(f"slowest ack {max(acks):.2f} s (Slack waits 3 s)")
    growth = end_rss - warm_rss[0] if warm_rss else 0.0
    if growth > 50:
        failures.append(f"memory grew {growth:.0f} MB after warm-up")
    note = (f"ack p50 {statistics.median(acks) * 1000:.0f} ms, p99 {percentile(acks, 99) * 1000:.0f} ms, "
            f"max {max(acks) * 1000:.0f} ms; {len(late)} answered late through response_url; "
            f"RSS {warm_rss[0] if warm_rss else 0:.0f} MB after 10%, {end_rss:.0f} MB at the end")
    return Row(f"slash commands: {commands} from {clients} concurrent clients", len(sent), counts.count(1), errors,
               server.peak_rss_mb, failures=tuple(failures), note=note)


def _rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def hostile(server: ServeProcess) -> list[Row]:
    """Send the unauthenticated HTTP probes of issue 10: each is refused with one status and the server goes on."""
    target = SimpleNamespace(url=server.url)
    asker = Asker(server)
    tracebacks_before = server.tracebacks()
    rows = [
        _probe(server, "oversized Content-Length (256 MiB declared)", lambda: _declared(target), 413),
        _probe(server, "timestamp `²` (passes isdigit)", lambda: _timestamp(server, "²"), 401),
        _probe(server, "timestamp of 5,000 digits", lambda: _timestamp(server, "1" * 5000), 401),
        _probe(server, "JSON nested 1,000 deep (signed)", lambda: _nested(server), 400),
        _probe(server, "TLS hello and garbage instead of HTTP", lambda: _garbage(target), 400),
    ]
    before = server.peak_rss_mb or 0
    status, streamed = _streamed(target, 256 * MiB)
    growth = (server.peak_rss_mb or 0) - before
    rows.append(Row("256 MiB streamed (chunked) body", 1, 1 if status in (413, None) else 0,
                    1 if status and status >= 500 else 0, server.peak_rss_mb,
                    failures=(f"answered {status}",) if status not in (413, None) else
                    (f"peak memory grew {growth:.0f} MB",) if growth > 64 else (),
                    note=f"cut off after {streamed / MiB:.0f} MiB sent; peak RSS +{growth:.0f} MB"))
    idle, silent = _timed_closures(target)
    rows.append(Row("idle keep-alive connection", 1, 1, 0, server.peak_rss_mb,
                    failures=() if idle < 10 else (f"open {idle:.0f} s",), note=f"closed after {idle:.1f} s"))
    rows.append(Row("silent connection (no request)", 1, 1, 0, server.peak_rss_mb,
                    failures=() if silent < 15 else (f"open {silent:.0f} s",), note=f"closed after {silent:.1f} s"))
    status, text, answers = asker.ask("search 人才飞地")
    new_tracebacks = server.tracebacks() - tracebacks_before
    rows.append(Row("still serving after the hostile requests", 1, 1 if answers == 1 else 0,
                    1 if status >= 500 else 0, server.peak_rss_mb,
                    failures=(() if "人才飞地" in text else ("no answer",)) +
                    ((f"{new_tracebacks} traceback(s) in the log",) if new_tracebacks else ())))
    return rows


def _probe(server: ServeProcess, name: str, send, expected: int) -> Row:
    status = send()
    return Row(name, 1, 1 if status == expected else 0, 1 if status and status >= 500 else 0, server.peak_rss_mb,
               failures=() if status == expected else (f"answered {status}, not {expected}",),
               note=f"answered {status}")


def _declared(target) -> int | None:
    with connect(target) as sock:
        sock.sendall(signed_head(f"Content-Length: {256 * MiB}\r\n"))
        response = read_response(sock)
    return response[0] if response else None


def _timestamp(server: ServeProcess, timestamp: str) -> int:
    form = b"command=%2Fpolicy&text=docs&user_id=U1"
    return server.slack.post(form, "application/x-www-form-urlencoded", timestamp=timestamp,
                             signature=sign(form, SECRET, timestamp)).status


def _nested(server: ServeProcess) -> int:
    body = b'{"type": "event_callback", "event": ' * 1000 + b"{}" + b"}" * 1000
    return server.slack.post(body, "application/json").status


def _garbage(target) -> int | None:
    with connect(target) as sock:
        sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n")
        response = read_response(sock)
    return response[0] if response else None


def _streamed(target, size: int) -> tuple[int | None, int]:
    """Stream a chunked body of `size` bytes until the server stops reading; its answer and what was sent."""
    chunk = b"x" * 65536
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent = 0
    with connect(target, timeout=5) as sock:
        sock.sendall(signed_head("Transfer-Encoding: chunked\r\n"))
        try:
            while sent < size:
                sock.sendall(frame)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        response = read_response(sock)
    return (response[0] if response else None), sent


def _timed_closures(target) -> tuple[float, float]:
    """Measure how long an idle keep-alive connection and a silent one stay open, side by side."""
    results: dict[str, float] = {}

    def idle() -> None:
        with connect(target, timeout=60) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            read_response(sock)
            results["idle"] = closed_after(sock)

    def silent() -> None:
        with connect(target, timeout=60) as sock:
            results["silent"] = closed_after(sock)

    threads = [threading.Thread(target=idle), threading.Thread(target=silent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return results.get("idle", 99.0), results.get("silent", 99.0)


def replays(server: ServeProcess, second: ServeProcess) -> list[Row]:
    """Send signed requests again within Slack's five minutes: each must be acted on once."""
    fake = server.fake
    rows = []
    asker = Asker(server)
    body = _command_body(server, "digest now", ADMIN, "C0REPLAY", "replay-digest")
    timestamp = str(int(time.time()))
    statuses = [_post_signed(server, body, timestamp) for _ in range(2)]

    def posts() -> list:
        return [c for c in list(fake.calls) if c.name == "chat.postMessage" and c.status == 200
                and c.params.get("channel") == "C0REPLAY" and not c.params.get("thread_ts")]

    _wait(lambda: posts(), 20)
    time.sleep(2)  # a second post, if the replay is acted on, arrives now
    posted = len(posts())
    rows.append(Row("replayed signed `digest now`", 2, 1 if posted == 1 else 0, sum(s >= 500 for s in statuses),
                    server.peak_rss_mb, per_slot=str(posted), needs_durable=True,
                    failures=() if posted == 1 else (f"posted {posted} times",)))

    body = _command_body(server, "search 人才飞地", "U0SOAK", "C0SOAK", "replay-search")
    timestamp = str(int(time.time()))
    acks = [server.slack.post(body, "application/x-www-form-urlencoded", timestamp=timestamp) for _ in range(2)]
    time.sleep(1)
    answered = sum(1 for a in acks if a.status == 200 and a.body and "blocks" in a.json()) + \
        len(asker.answers("replay-search", None))
    rows.append(Row("replayed signed slash command", 2, 1 if answered == 1 else 0,
                    sum(a.status >= 500 for a in acks), server.peak_rss_mb, needs_durable=True,
                    failures=() if answered == 1 else (f"answered {answered} times",)))

    event_id = f"EvSOAK{int(time.time())}"
    replies_before = _dm_replies(fake)
    first, _ = server.slack.direct_message("search 人才飞地", user="U0DM", channel="D0SOAK", ts="1700000000.000100",
                                           event_id=event_id)
    again, _ = server.slack.direct_message("search 人才飞地", user="U0DM", channel="D0SOAK", ts="1700000000.000100",
                                           event_id=event_id, retry_num=1)
    elsewhere, _ = second.slack.direct_message("search 人才飞地", user="U0DM", channel="D0SOAK",
                                               ts="1700000000.000100", event_id=event_id, retry_num=2)
    time.sleep(4)
    replies = _dm_replies(fake) - replies_before
    rows.append(Row("event retried to the same and to another instance", 3, 1 if replies == 1 else 0,
                    sum(s.status >= 500 for s in (first, again, elsewhere)),
                    max(server.peak_rss_mb or 0, second.peak_rss_mb or 0), needs_durable=True,
                    failures=() if replies == 1 else (f"answered {replies} times",)))
    return rows


def _wait(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)


def _command_body(server: ServeProcess, text: str, user: str, channel: str, name: str) -> bytes:
    """Build the form Slack posts for `/policy <text>` (as `SlackSender.command` does), to send again as is."""
    from urllib.parse import urlencode

    return urlencode({"token": "legacy", "team_id": "T0POLICY", "channel_id": channel, "user_id": user,
                      "user_name": "soak", "command": "/policy", "text": text, "api_app_id": "A0POLICY",
                      "response_url": server.fake.response_url(name), "trigger_id": f"{name}.1.x"}).encode()


def _post_signed(server: ServeProcess, body: bytes, timestamp: str) -> int:
    return server.slack.post(body, "application/x-www-form-urlencoded", timestamp=timestamp).status


def _dm_replies(fake) -> int:
    return sum(1 for c in list(fake.calls) if c.name == "chat.postMessage" and c.params.get("channel") == "D0SOAK")
