"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of a moto server.

    with FaultProxy(moto_endpoint) as proxy:
        proxy.inject("throttle", times=2)          # the first 2 requests are throttled
        run interp with AWS_ENDPOINT_URL_SECRETS_MANAGER=proxy.endpoint
        assert proxy.count() == 3                  # 2 refused + 1 that got through

Faults (the `FAULTS` table says what each one sends):

    throttle   HTTP 400, {"__type": "ThrottlingException"}  (what AWS sends)
    http429    HTTP 429 with an empty body
    http500    HTTP 500, {"__type": "InternalServiceError"}
    http503    HTTP 503 with an empty body
    slow       no answer until `stall` seconds pass or the proxy stops
    reset      the request is read, then the socket is closed with SO_LINGER 0 (RST)
    truncated  the upstream answer's headers, half its body, then the socket is closed
    not_json   HTTP 200 with an HTML body (a captive portal or a confused gateway)
    deny_batch HTTP 400 AccessDeniedException for the batch reads only: Secrets Manager's
               BatchGetSecretValue and SSM's GetParameters
    deny       HTTP 400 AccessDeniedException (narrow it with `actions`)

`times=None` injects into every request; `times=N` only into the first N
matching ones, so retries can recover; `after=N` lets N matching requests
through first. `actions` narrows the fault to some API actions, `ids` to the
requests naming one of those ids (as AWS refuses a whole batch when one of its
resources is denied). Every request is recorded: its action (the X-Amz-Target's last part:
`GetSecretValue`, `GetParameter`, ...) and the ids it asked for (Secrets
Manager's `SecretId` / `SecretIdList`; SSM's `Name`, `Names`, or the `Path` of
GetParametersByPath; DescribeParameters' name filter values). A refused
connection needs no proxy: `closed_port_endpoint()`.

Bounded: the server runs in daemon threads; `stop()` (the context manager's
exit) releases every stalled request at once and closes the listening socket.
"""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

AMZ_JSON = "application/x-amz-json-1.1"
BATCH_ACTIONS = frozenset({"BatchGetSecretValue", "GetParameters"})  # what `deny_batch` refuses
SSM_TARGET_PREFIX = "AmazonSSM."  # X-Amz-Target of SSM's actions; Secrets Manager's is "secretsmanager."

FAULTS = {
    "throttle": "HTTP 400 ThrottlingException",
    "http429": "HTTP 429, empty body",
    "http500": "HTTP 500 InternalServiceError",
    "http503": "HTTP 503, empty body",
    "slow": "no answer within the read timeout",
    "reset": "TCP reset mid-request",
    "truncated": "body cut short, then closed",
    "not_json": "HTTP 200 with an HTML body",
    "deny_batch": "BatchGetSecretValue / GetParameters denied",
    "deny": "AccessDeniedException",
}


@dataclass(frozen=True)
class Request:
    """One request the proxy received."""

    action: str
    ids: tuple[str, ...]
    faulted: str | None  # the fault it got, or None when it went through


@dataclass
class _Injection:
    fault: str | None = None
    remaining: int | None = None  # None: every matching request
    skip: int = 0  # matching requests to let through before the fault starts
    actions: frozenset[str] | None = None  # None: every action
    ids: frozenset[str] | None = None  # None: whatever the request names


@dataclass
class _State:
    injection: _Injection = field(default_factory=_Injection)
    requests: list[Request] = field(default_factory=list)


def closed_port_endpoint() -> str:
    """An endpoint on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _requested_ids(target: str, body: bytes) -> tuple[str, ...]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return ()
    if not isinstance(payload, dict):
        return ()
    if target.startswith(SSM_TARGET_PREFIX):
        return _ssm_ids(payload)
    if isinstance(payload.get("SecretId"), str):
        return (payload["SecretId"],)
    listed = payload.get("SecretIdList")
    return tuple(i for i in listed if isinstance(i, str)) if isinstance(listed, list) else ()


def _ssm_ids(payload: dict[str, object]) -> tuple[str, ...]:
    """GetParameter / PutParameter `Name`, GetParameters `Names`, GetParametersByPath `Path`,
    DescribeParameters' name filter values."""
    for single in ("Name", "Path"):
        if isinstance(payload.get(single), str):
            return (payload[single],)  # type: ignore[return-value]
    names = payload.get("Names")
    if isinstance(names, list):
        return tuple(i for i in names if isinstance(i, str))
    filters = payload.get("ParameterFilters")
    if isinstance(filters, list):
        return tuple(
            value
            for entry in filters
            if isinstance(entry, dict) and isinstance(entry.get("Values"), list)
            for value in entry["Values"]
            if isinstance(value, str)
        )
    return ()


class FaultProxy:
    """See the module docstring."""

    def __init__(self, upstream: str, *, stall: float = 5.0) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.stall = stall  # the longest a "slow" request is held
        self._state = _State()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ control

    def inject(
        self,
        fault: str | None,
        *,
        times: int | None = None,
        after: int = 0,
        actions: Iterable[str] | None = None,
        ids: Iterable[str] | None = None,
    ) -> None:
        """Answer matching requests with `fault`: always, or only `times` of them; the first
        `after` matching requests go through untouched. A request matches when its action is
        one of `actions` and it names one of `ids` (either left out: any)."""
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._state.injection = _Injection(
                fault,
                times,
                after,
                frozenset(actions) if actions is not None else None,
                frozenset(ids) if ids is not None else None,
            )

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._state.requests)

    def count(self, action: str | None = None, *, faulted: bool | None = None) -> int:
        return sum(
            1
            for r in self.requests()
            if (action is None or r.action == action) and (faulted is None or (r.faulted is not None) == faulted)
        )

    def actions(self) -> Counter[str]:
        return Counter(r.action for r in self.requests())

    def requested_ids(self) -> set[str]:
        return {i for r in self.requests() for i in r.ids}

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    def wait_for_requests(self, count: int, timeout: float) -> bool:
        """Block until at least `count` requests have arrived (True) or `timeout` passes (False)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self._state.requests) >= count, timeout)

    def stop(self) -> None:
        self._stopping.set()  # releases stalled requests
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ serving

    def _take_fault(self, action: str, ids: tuple[str, ...]) -> str | None:
        with self._lock:
            injection = self._state.injection
            fault = injection.fault
            if fault == "deny_batch" and action not in BATCH_ACTIONS:
                fault = None
            if injection.actions is not None and action not in injection.actions:
                fault = None
            if injection.ids is not None and injection.ids.isdisjoint(ids):
                fault = None
            if fault is not None and injection.skip > 0:
                injection.skip -= 1
                fault = None
            if fault is not None and injection.remaining is not None:
                if injection.remaining <= 0:
                    fault = None
                else:
                    injection.remaining -= 1
            self._state.requests.append(Request(action, ids, fault))
            self._arrived.notify_all()
            return fault

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            upstream.request(method, path, body=body, headers=headers)
            response = upstream.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            upstream.close()

    def _handler_class(self) -> type[http.server.BaseHTTPRequestHandler]:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except OSError:
                    pass  # the client went away, or we reset the socket on purpose

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target") or "?"
                action = target.rsplit(".", 1)[-1]
                fault = proxy._take_fault(action, _requested_ids(target, body))
                if fault == "reset":
                    self._reset()
                    return
                if fault == "slow":
                    proxy._stopping.wait(proxy.stall)
                    self.close_connection = True
                    return
                if fault == "throttle":
                    self._json(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
                    return
                if fault == "http429":
                    self._reply(429, b"", "text/plain")
                    return
                if fault == "http500":
                    self._json(500, {"__type": "InternalServiceError", "message": "An internal error occurred"})
                    return
                if fault == "http503":
                    self._reply(503, b"", "text/plain")
                    return
                if fault == "not_json":
                    self._reply(200, b"<html><body>Service temporarily unavailable</body></html>", "text/html")
                    return
                if fault == "deny":
                    self._json(400, {"__type": "AccessDeniedException", "message": f"not authorized to perform {action}"})
                    return
                if fault == "deny_batch":
                    self._json(400, {"__type": "AccessDeniedException", "message": f"not authorized to perform {action}"})
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                status, upstream_headers, data = proxy._forward("POST", self.path, headers, body)
                content_type = dict((k.lower(), v) for k, v in upstream_headers).get("content-type", AMZ_JSON)
                if fault == "truncated":
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._reply(status, data, content_type)

            def _json(self, status: int, payload: dict[str, str]) -> None:
                self._reply(status, json.dumps(payload).encode(), AMZ_JSON)

            def _reply(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reset(self) -> None:
                # SO_LINGER on with a zero timeout: close() sends RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

        return Handler
