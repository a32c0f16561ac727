"""The HTTP layer: routing, authentication, latency, fault injection, SSE writing.

A threaded stdlib server: one thread per connection, HTTP/1.1 keep-alive, streams
sent with chunked transfer encoding so that a mid-stream disconnect looks to the
client exactly like a dropped connection (an incomplete chunked body).
"""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mock_llm import anthropic_messages, openai_chat, openai_embeddings, openai_responses
from mock_llm.config import (
    LatencyProfile,
    ServerConfig,
    forced_fault,
    latency_for_request,
)
from mock_llm.dialogue import PromptCache
from mock_llm.errors import anthropic_error, openai_error
from mock_llm.models import known_models
from mock_llm.replies import BadRequest, EndpointContext, JsonReply, Reply, StreamReply
from mock_llm.textgen import IdFactory, digest

Endpoint = Callable[[dict, EndpointContext], Reply]


@dataclass(frozen=True)
class Route:
    provider: str  # "openai" or "anthropic": decides error shapes and auth headers
    endpoint: Endpoint


ROUTES: dict[str, Route] = {
    "/v1/chat/completions": Route("openai", openai_chat.chat_completions),
    "/v1/completions": Route("openai", openai_chat.completions),
    "/v1/responses": Route("openai", openai_responses.responses),
    "/v1/embeddings": Route("openai", openai_embeddings.embeddings),
    "/v1/messages": Route("anthropic", anthropic_messages.messages),
    "/v1/messages/count_tokens": Route("anthropic", anthropic_messages.count_tokens_endpoint),
}


class MockLLMServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], config: ServerConfig, quiet: bool = True):
        super().__init__(address, _Handler)
        self.config = config
        self.quiet = quiet
        self.ids = IdFactory(config.seed)
        self.cache = PromptCache()
        self.stats: Counter[str] = Counter()
        self._fault_rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self._request_number = 0

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up (a stream it closed early, a keep-alive
        # connection it dropped) is normal here, not worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def next_request(self, path: str) -> tuple[int, str | None]:
        """Number the request and draw its random fault, in arrival order."""
        faults = self.config.faults
        with self._lock:
            self._request_number += 1
            self.stats[f"requests {path}"] += 1
            drawn = None
            if faults.rate > 0 and faults.kinds and self._fault_rng.random() < faults.rate:
                drawn = self._fault_rng.choice(faults.kinds)
            return self._request_number, drawn

    def count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: MockLLMServer

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/health"):
            self._send_json(JsonReply({"status": "ok"}))
        elif path == "/v1/models":
            data = [
                {"id": model, "object": "model", "created": 0, "owned_by": "mock"}
                for model in known_models()
            ]
            self._send_json(JsonReply({"object": "list", "data": data}))
        else:
            self._send_json(openai_error("404", self.server.ids.new("req_")))

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        route = ROUTES.get(path)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        error = anthropic_error if route and route.provider == "anthropic" else openai_error
        request_id = self.server.ids.new("req_")
        if route is None:
            self._send_json(error("404", request_id))
            return
        if not (self.headers.get("authorization") or self.headers.get("x-api-key")):
            self._send_json(error("401", request_id))
            return
        number, drawn_fault = self.server.next_request(path)
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            fault = forced_fault(headers) or drawn_fault
            latency = latency_for_request(self.server.config.latency, headers)
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise BadRequest("the request body must be a JSON object")
            context = EndpointContext(
                self.server.config.seed, self.server.ids, self.server.cache, int(time.time())
            )
            reply = route.endpoint(body, context)
        except (BadRequest, ValueError) as exc:
            self._send_json(error("400", request_id, message=str(exc)))
            return
        if fault in ("429", "500", "529"):
            self.server.count(f"fault {fault}")
            self._send_json(error(fault, request_id, self.server.config.faults.retry_after_ms))
            return
        if fault == "disconnect":
            self.server.count("fault disconnect")
        reply.headers.setdefault(
            "x-request-id" if route.provider == "openai" else "request-id", request_id
        )
        pacing = _Pacing(latency, random.Random(digest(self.server.config.seed, number)))
        if isinstance(reply, StreamReply):
            self._send_stream(reply, pacing, disconnect=fault == "disconnect")
        else:
            time.sleep(pacing.first() + sum(pacing.next() for _ in range(reply.output_tokens)))
            self._send_json(reply, disconnect=fault == "disconnect")

    def _send_json(self, reply: JsonReply, disconnect: bool = False) -> None:
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if disconnect:
            self.wfile.write(payload[: len(payload) // 2])
            self._drop_connection()
            return
        self.wfile.write(payload)

    def _send_stream(self, reply: StreamReply, pacing: _Pacing, disconnect: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        cut_at = len(reply.frames) // 2 if disconnect else None
        first_token_sent = False
        try:
            time.sleep(pacing.first())
            for position, frame in enumerate(reply.frames):
                if position == cut_at:
                    self._drop_connection()
                    return
                if frame.is_token:
                    if first_token_sent:
                        time.sleep(pacing.next())
                    first_token_sent = True
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame.data), frame.data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped reading (a `break` out of the stream): nothing to do.
            self.close_connection = True

    def _drop_connection(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Pacing:
    """Delays of one request: time to first token, then one delay per later token."""

    def __init__(self, latency: LatencyProfile, rng: random.Random) -> None:
        self._latency = latency
        self._rng = rng
        slow = latency.slow_share > 0 and rng.random() < latency.slow_share
        self._factor = latency.slow_factor if slow else 1.0

    def _jittered(self, milliseconds: float) -> float:
        spread = self._latency.jitter
        factor = 1.0 + self._rng.uniform(-spread, spread) if spread else 1.0
        return max(milliseconds * factor * self._factor, 0.0) / 1000.0

    def first(self) -> float:
        return self._jittered(self._latency.ttft_ms)

    def next(self) -> float:
        return self._jittered(self._latency.itl_ms)


class RunningServer:
    """A mock server serving on a background thread; use as a context manager."""

    def __init__(self, server: MockLLMServer) -> None:
        self.server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="mock-llm", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def openai_base_url(self) -> str:
        return self.server.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.server.url

    @property
    def stats(self) -> Counter[str]:
        return self.server.stats

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_server(
    config: ServerConfig | None = None, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
) -> RunningServer:
    """Start a mock server on a free loopback port (``port=0``) and return it running."""
    return RunningServer(MockLLMServer((host, port), config or ServerConfig(), quiet=quiet))
