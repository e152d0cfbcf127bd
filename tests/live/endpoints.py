"""Local AWS endpoints: ones that misbehave on purpose (silent, slow-drip, truncated, lying), and
a stand-in for IAM Identity Center, which moto does not implement.

Each runs on 127.0.0.1 in a thread of the test process; the CLI under test is pointed at it with
``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_SSO``). ``sts:GetCallerIdentity`` can be answered
properly (so the run gets past its first call and into the collector's thread pool) while every
other request gets the misbehaviour.
"""

from __future__ import annotations

import http.server
import json
import socket
import socketserver
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"
CALLER_ARN = f"arn:aws:iam::{ACCOUNT}:user/auditor"


def identity_body(arn: str = CALLER_ARN, account: str = ACCOUNT) -> bytes:
    return (
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDAEXAMPLE</UserId>"
        f"<Account>{account}</Account></GetCallerIdentityResult>"
        "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    ).encode()


#: An IAM ListUsers answer cut off in the middle of a user, sent with a matching Content-Length:
#: HTTP is satisfied, the XML is not.
TRUNCATED_XML = (
    b'<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult>'
    b"<Users><member><UserName>ali"
)


@dataclass
class Endpoint:
    """What the endpoint does: ``identity`` for GetCallerIdentity, ``other`` for every other request.

    Behaviours: ``answer`` (a well-formed identity, with ``arn``), ``silent`` (read the request,
    never answer), ``drip`` (one byte every ``drip_seconds``, forever), ``truncated`` (a 200 whose
    body is cut off: :data:`TRUNCATED_XML`, or ``{"trailList": [`` to a JSON request).
    """

    identity: str = "answer"
    other: str = "silent"
    arn: str = CALLER_ARN
    drip_seconds: float = 1.0
    url: str = ""
    #: set when the first request arrived
    requested: threading.Event = field(default_factory=threading.Event)
    #: set when a request other than GetCallerIdentity arrived: the run is in the collector
    collecting: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)

    def handle(self, conn: socket.socket) -> bool:
        """Answer one request; False when the connection is over."""
        request = _read_request(conn)
        if request is None:
            return False
        self.requested.set()
        is_identity = b"GetCallerIdentity" in request
        if not is_identity:
            self.collecting.set()
        behaviour = self.identity if is_identity else self.other
        if behaviour == "answer":
            _reply(conn, 200, "text/xml", identity_body(self.arn))
        elif behaviour == "truncated":
            json_request = b"application/x-amz-json" in request
            body = b'{"trailList": [{"TrailARN": "arn:aws:clou' if json_request else TRUNCATED_XML
            _reply(conn, 200, "application/x-amz-json-1.1" if json_request else "text/xml", body)
        elif behaviour == "drip":
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                if self.stopping.wait(self.drip_seconds):
                    return False
                conn.sendall(bytes([byte]))
        else:  # silent
            self.stopping.wait()
        return not self.stopping.is_set()


def _read_request(conn: socket.socket) -> bytes | None:
    """Headers and body of one HTTP request (enough to tell the operation), or None."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _reply(conn: socket.socket, status: int, content_type: str, body: bytes) -> None:
    head = (
        f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "x-amzn-RequestId: 1\r\n\r\n"
    )
    conn.sendall(head.encode() + body)


@contextmanager
def serving(endpoint: Endpoint) -> Iterator[Endpoint]:
    """Serve ``endpoint`` on a free loopback port until the block ends."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                while endpoint.handle(self.request):
                    pass
            except OSError:
                return  # the client went away

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoint
    finally:
        endpoint.stopping.set()
        server.shutdown()
        server.server_close()


@dataclass
class SsoPortal:
    """IAM Identity Center's two endpoints, which moto does not implement (moto 5 has sso-admin only):
    the portal's ``GetRoleCredentials`` and the OIDC service's ``CreateToken`` (token refresh).

    ``CreateToken`` swaps ``refresh_token`` for ``fresh_token``; the portal accepts only
    ``accepted_token`` and answers with ``credentials`` (key ID, secret, session token).
    """

    accepted_token: str
    credentials: tuple[str, str, str]
    refresh_token: str = ""
    fresh_token: str = ""
    url: str = ""
    #: ("GetRoleCredentials", role, account, token) and ("CreateToken", refresh token) as received
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        route, _, query = path.partition("?")
        if method == "GET" and route == "/federation/credentials":
            params = dict(urllib.parse.parse_qsl(query))
            token = headers.get("x-amz-sso_bearer_token", "")
            self.calls.append(
                ("GetRoleCredentials", params.get("role_name", ""), params.get("account_id", ""), token)
            )
            if token != self.accepted_token:
                return 401, {"message": "Session token not found or invalid"}
            key_id, secret, session = self.credentials
            expires_ms = int((time.time() + 3600) * 1000)
            return 200, {
                "roleCredentials": {
                    "accessKeyId": key_id,
                    "secretAccessKey": secret,
                    "sessionToken": session,
                    "expiration": expires_ms,
                }
            }
        if method == "POST" and route == "/token":
            request = json.loads(body or b"{}")
            self.calls.append(("CreateToken", str(request.get("refreshToken", ""))))
            if request.get("refreshToken") != self.refresh_token:
                return 400, {"error": "invalid_grant"}
            return 200, {"accessToken": self.fresh_token, "expiresIn": 3600, "tokenType": "Bearer"}
        return 404, {"message": f"no route {method} {route}"}


@contextmanager
def serving_portal(portal: SsoPortal) -> Iterator[SsoPortal]:
    """Serve ``portal`` on a free loopback port until the block ends."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, document = portal.answer(self.command, self.path, headers, body)
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("x-amzn-ErrorType", "UnauthorizedException")
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    portal.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield portal
    finally:
        server.shutdown()
        server.server_close()
