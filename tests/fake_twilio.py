"""A fake Twilio Messages API on 127.0.0.1, for the real twilio client to talk to.

Speaks the JSON of /2010-04-01/Accounts/{AccountSid}/Messages: create (POST
form), fetch by SID and list with To/From/DateSent filters (newest first, as
Twilio lists). Records every request (path, form fields, query, basic-auth
user). Responses to creates are scriptable, in order: success, 429 with
Retry-After, a 4xx with a Twilio code, a 5xx, a delay longer than the
client's timeout (the server sleeps, not the test), and the newer RFC 9457
error body that the client raises as TwilioServiceException.

With `Faults`, unscripted creates fail at random (seeded), as a bad day at the
provider would: 429 with Retry-After (nothing created), 500 before accepting
(nothing created), 500 after accepting (created), and an answer slower than
the client's timeout after accepting (created). `fault_counts` counts them.

`latency` (seconds) is added to every answer, as a provider far away would
be; each request's arrival time (`Recorded.at`, perf_counter) and the most
requests in flight at once (`max_in_flight`) are kept, and how full the
line was on average (`occupancy()`: creates in flight, integrated over time,
divided by the time from the first create's arrival to the last answer).
"""

import base64
import datetime as dt
import itertools
import json
import random
import socket
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 201
    body: dict | None = None  # None: the created message resource
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    create: bool = True  # whether the message exists afterwards


@dataclass(frozen=True)
class Faults:
    """Chances, per unscripted create, of each fault (the rest succeed)."""

    throttle: float = 0.0  # 429 with Retry-After: not created
    error_before: float = 0.0  # 500 before accepting: not created
    error_after: float = 0.0  # created, then 500
    slow_after: float = 0.0  # created, answered after `slow_seconds`
    retry_after: int = 1
    slow_seconds: float = 1.0
    seed: int = 0

    def reply(self, rng: random.Random) -> tuple[str, "Reply"]:
        roll = rng.random()
        for kind, chance in (
            ("throttle", self.throttle),
            ("error_before", self.error_before),
            ("error_after", self.error_after),
            ("slow_after", self.slow_after),
        ):
            if roll < chance:
                return kind, self._reply(kind)
            roll -= chance
        return "ok", Reply()

    def _reply(self, kind: str) -> "Reply":
        if kind == "throttle":
            body = {"code": 20429, "message": "Too Many Requests", "status": 429}
            headers = {"Retry-After": str(self.retry_after)}
            return Reply(429, body, headers, create=False)
        if kind == "slow_after":
            return Reply(delay=self.slow_seconds)
        body = {"code": 20500, "message": "Internal Server Error", "status": 500}
        return Reply(500, body, create=kind == "error_after")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    auth_user: str
    at: float = 0.0  # time.perf_counter() on arrival


class FakeTwilio:
    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        faults: Faults | None = None,
        latency: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        self.latency = latency
        self.in_flight = 0
        self.max_in_flight = 0
        # Creates in flight integrated over time (request-seconds), from the
        # first create's arrival (`busy_from`) to the last change (`busy_at`).
        self.busy_seconds = 0.0
        self.busy_from = self.busy_at = 0.0
        self.requests: list[Recorded] = []
        self.messages: dict[str, dict] = {}
        # Recipient -> its messages, oldest first (the list endpoint's index).
        self.by_to: dict[str, list[dict]] = {}
        self.script: deque[Reply] = deque()
        self.faults = faults
        self.fault_counts: Counter[str] = Counter()
        self.rng = random.Random(faults.seed if faults else 0)
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server: ThreadingHTTPServer | None = None

    # --- life cycle -------------------------------------------------------
    def start(self) -> "FakeTwilio":
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting ----------------------------------------------------------
    def then(self, reply: Reply) -> None:
        self.script.append(reply)

    def then_error(self, code: int, status: int = 400, message: str = "") -> None:
        body = {
            "code": code,
            "message": message or f"error {code}",
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        self.then(Reply(status, body, create=False))

    def then_throttle(self, retry_after: int = 2) -> None:
        body = {"code": 20429, "message": "Too Many Requests", "status": 429}
        self.then(Reply(429, body, {"Retry-After": str(retry_after)}, create=False))

    def then_server_error(self, create: bool = True) -> None:
        body = {"code": 20500, "message": "Internal Server Error", "status": 500}
        self.then(Reply(500, body, create=create))

    def then_slow(self, seconds: float, create: bool = True) -> None:
        self.then(Reply(delay=seconds, create=create))

    def then_service_error(self, code: int, status: int = 400) -> None:
        body = {
            "type": f"https://www.twilio.com/docs/errors/{code}",
            "title": "Invalid request",
            "status": status,
            "code": code,
            "detail": f"problem {code}",
        }
        self.then(Reply(status, body, create=False))

    # --- state ---------------------------------------------------------------
    def occupancy(self) -> dict:
        """Creates in flight on average and at most, while any were being sent."""
        with self.lock:
            span = self.busy_at - self.busy_from
            return {
                "creates": len(self.creates()),
                "seconds": round(span, 3),
                "mean_in_flight": round(self.busy_seconds / span, 2) if span else 0.0,
                "max_in_flight": self.max_in_flight,
                "first_at": self.busy_from,  # perf_counter
                "last_at": self.busy_at,
            }

    def creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    def add_message(self, to: str, body: str, *, when: dt.datetime, **extra) -> dict:
        with self.lock:
            return self._store({"To": to, "Body": body, **extra}, when)

    def _store(self, form: dict, when: dt.datetime) -> dict:
        sid = f"SM{next(self._ids):032x}"
        stamp = format_datetime(when.astimezone(dt.UTC), usegmt=True)
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "date_created": stamp,
            "date_updated": stamp,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "_created": when,
        }
        self.messages[sid] = resource
        self.by_to.setdefault(resource["to"], []).append(resource)
        return resource

    def next_reply(self) -> Reply:
        """The scripted reply, else a random fault or success (call with the lock)."""
        if self.script:
            return self.script.popleft()
        if self.faults is None:
            return Reply()
        kind, reply = self.faults.reply(self.rng)
        self.fault_counts[kind] += 1
        return reply


class _Server(ThreadingHTTPServer):
    # Dozens of senders connect at once (DISPATCH_CONCURRENCY): the default
    # backlog of 5 would reset some of their connections.
    request_queue_size = 256

    def handle_error(self, request, client_address) -> None:
        # A client killed mid-request (the chaos test does that): not news.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _public(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if not k.startswith("_")}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's pooled session expects

    def log_message(self, *args) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's
        # algorithm and the client's delayed ACK add 40 ms to every answer.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _record(self, form: dict[str, str]) -> Recorded:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        auth = self.headers.get("Authorization", "")
        user = ""
        if auth.startswith("Basic "):
            user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
        recorded = Recorded(
            self.command, parts.path, query, form, user, time.perf_counter()
        )
        with self.fake.lock:
            self.fake.requests.append(recorded)
        return recorded

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout): nobody is listening
            pass

    def _enter(self, change: int) -> None:
        fake, now = self.fake, time.perf_counter()
        with fake.lock:
            if not fake.busy_from:
                fake.busy_from = fake.busy_at = now
            fake.busy_seconds += fake.in_flight * (now - fake.busy_at)
            fake.busy_at = now
            self.fake.in_flight += change
            self.fake.max_in_flight = max(self.fake.max_in_flight, self.fake.in_flight)

    def do_POST(self) -> None:
        self._enter(1)
        try:
            if self.fake.latency:
                time.sleep(self.fake.latency)  # the network, there and back
            self._create()
        finally:
            self._enter(-1)

    def _create(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode(errors="replace")
        if len(raw.encode(errors="replace")) < length:
            return  # the client died mid-request: Twilio takes nothing incomplete
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        self._record(form)
        with self.fake.lock:
            reply = self.fake.next_reply()
            resource = (
                self.fake._store(form, dt.datetime.now(dt.UTC))
                if reply.create
                else None
            )
        if reply.delay:
            time.sleep(reply.delay)  # longer than the client's timeout
        body = reply.body if reply.body is not None else _public(resource or {})
        self._send(reply.status, body, reply.headers)

    def do_GET(self) -> None:
        if self.fake.latency:
            time.sleep(self.fake.latency)
        recorded = self._record({})
        path = recorded.path.removesuffix(".json")
        base = f"/2010-04-01/Accounts/{self.fake.account_sid}/Messages"
        if path == base:
            return self._list(recorded.query)
        sid = path.removeprefix(base + "/")
        resource = self.fake.messages.get(sid)
        if resource is None:
            body = {"code": 20404, "message": "not found", "status": 404}
            return self._send(404, body)
        return self._send(200, _public(resource))

    def _list(self, query: dict[str, str]) -> None:
        since = query.get("DateSent>")
        with self.fake.lock:
            if "To" in query:
                found = list(self.fake.by_to.get(query["To"], []))
            else:
                found = list(self.fake.messages.values())
        rows = [
            _public(m)
            for m in sorted(found, key=lambda m: m["_created"], reverse=True)
            if query.get("From") in (None, m["from"])
            and (since is None or m["_created"].date().isoformat() >= since[:10])
        ]
        size = int(query.get("PageSize") or 50)
        self._send(
            200,
            {
                "messages": rows[:size],
                "page": 0,
                "page_size": size,
                "next_page_uri": None,
                "uri": self.path,
            },
        )


if __name__ == "__main__":  # the benchmarks run it as its own process
    # Optional argument: milliseconds added to every answer.
    latency = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.0
    server = FakeTwilio(latency=latency).start()
    print(server.url, flush=True)
    for line in sys.stdin:  # until the parent closes our stdin
        if line.strip() == "occupancy":  # a JSON line back, then it starts afresh
            print(json.dumps(server.occupancy()), flush=True)
            with server.lock:
                server.requests.clear()
                server.busy_seconds = server.busy_from = server.max_in_flight = 0
    server.stop()
