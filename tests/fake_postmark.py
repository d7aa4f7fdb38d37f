"""A fake Postmark email API on 127.0.0.1, for anymail's real Postmark backend.

Speaks POST /email as Postmark does: the X-Postmark-Server-Token header, a JSON
body, and an answer of {To, SubmittedAt, MessageID, ErrorCode, Message}. An
address once hard-bounced or complained about is "inactive": a later send to
it answers 422 with ErrorCode 406, as Postmark does. Replies can be scripted
in order (a 500, a 422 with a code). `webhook_payload` builds the JSON
Postmark posts to a tracking webhook for a message it accepted (Delivery,
Bounce, SpamComplaint, Open, Click), in Postmark's documented format.
"""

import datetime as dt
import json
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fake-postmark-server-token"


@dataclass
class Reply:
    status: int = 200
    body: dict | None = None  # None: the accepted-message answer


@dataclass
class Sent:
    message_id: str
    payload: dict
    token: str


@dataclass
class FakePostmark:
    sent: list[Sent] = field(default_factory=list)
    inactive: set[str] = field(default_factory=set)
    script: deque = field(default_factory=deque)

    def start(self) -> "FakePostmark":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def answer(self, token: str, payload: dict) -> tuple[int, dict]:
        if token != TOKEN:
            return 401, {"ErrorCode": 10, "Message": "Bad or missing Server API token."}
        if self.script:
            reply = self.script.popleft()
            if reply.body is not None:
                return reply.status, reply.body
        to = payload.get("To", "")
        if to.lower() in self.inactive:
            return 422, {
                "ErrorCode": 406,
                "Message": (
                    "You tried to send to a recipient that has been marked as "
                    f"inactive.\nFound inactive addresses: {to.lower()}.\n"
                    "Inactive recipients are ones that have generated a hard bounce "
                    "or a spam complaint. "
                ),
            }
        sent = Sent(str(uuid.uuid4()), payload, token)
        self.sent.append(sent)
        return 200, {
            "To": to,
            "SubmittedAt": dt.datetime.now(dt.UTC).isoformat(),
            "MessageID": sent.message_id,
            "ErrorCode": 0,
            "Message": "OK",
        }

    def webhook_payload(self, sent: Sent, record_type: str, **extra) -> dict:
        """The JSON Postmark posts for `sent` (RecordType Delivery, Bounce, ...)."""
        to = sent.payload["To"]
        now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        common = {
            "RecordType": record_type,
            "MessageID": sent.message_id,
            "ServerID": 23,
            "MessageStream": "outbound",
            "Metadata": sent.payload.get("Metadata", {}),
            "Tag": sent.payload.get("Tag", ""),
        }
        if record_type == "Delivery":
            body = {"Recipient": to, "DeliveredAt": now, "Details": "smtp;250 2.0.0 OK"}
        elif record_type in ("Bounce", "SpamComplaint"):
            kind = extra.pop("Type", "HardBounce" if record_type == "Bounce" else "SpamComplaint")
            body = {
                "ID": 4323372036854775807 + len(self.sent),
                "Type": kind,
                "TypeCode": {"HardBounce": 1, "SoftBounce": 4096, "SpamComplaint": 512}.get(kind, 1),
                "Name": kind,
                "Email": to,
                "From": sent.payload.get("From", ""),
                "BouncedAt": now,
                "Description": "The server was unable to deliver your message.",
                "Details": "smtp;550 5.1.1 The email account does not exist.",
                "Inactive": kind in ("HardBounce", "SpamComplaint"),
                "CanActivate": True,
                "Subject": sent.payload.get("Subject", ""),
            }
            if body["Inactive"]:
                self.inactive.add(to.lower())
        elif record_type == "Open":
            body = {"Recipient": to, "ReceivedAt": now, "FirstOpen": True,
                    "UserAgent": "Mozilla/5.0", "Platform": "WebMail"}
        elif record_type == "Click":
            body = {"Recipient": to, "ReceivedAt": now, "ClickLocation": "HTML",
                    "OriginalLink": "https://shop.example.com", "UserAgent": "Mozilla/5.0"}
        elif record_type == "SubscriptionChange":
            body = {"Recipient": to, "ChangedAt": now, "SuppressSending": True,
                    "SuppressionReason": "ManualSuppression"}
        else:
            raise ValueError(record_type)
        return common | body | extra


def _handler(fake: FakePostmark) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            try:
                payload = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                payload = {}
            if self.path.rstrip("/") != "/email" or not isinstance(payload, dict):
                status, body = 404, {"ErrorCode": 404, "Message": "Not found"}
            else:
                token = self.headers.get("X-Postmark-Server-Token", "")
                status, body = fake.answer(token, payload)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:
            pass

    return Handler
