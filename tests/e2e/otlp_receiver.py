"""A real OTLP receiver for tests: gRPC (grpcio servicers generated from
opentelemetry-proto) and HTTP/protobuf (a stdlib HTTP server decoding the
official request messages). It keeps every request it received."""

from __future__ import annotations

import gzip
import threading
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import (
    metrics_service_pb2,
    metrics_service_pb2_grpc,
)
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

REQUEST_TYPES = {
    "traces": trace_service_pb2.ExportTraceServiceRequest,
    "metrics": metrics_service_pb2.ExportMetricsServiceRequest,
    "logs": logs_service_pb2.ExportLogsServiceRequest,
}
RESPONSE_TYPES = {
    "traces": trace_service_pb2.ExportTraceServiceResponse,
    "metrics": metrics_service_pb2.ExportMetricsServiceResponse,
    "logs": logs_service_pb2.ExportLogsServiceResponse,
}


def value_of(any_value: AnyValue) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value_of(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in any_value.kvlist_value.values}
    return getattr(any_value, kind) if kind else None


def attributes_of(key_values: Any) -> dict[str, Any]:
    return {kv.key: value_of(kv.value) for kv in key_values}


@dataclass
class Received:
    requests: dict[str, list[Any]] = field(
        default_factory=lambda: {"traces": [], "metrics": [], "logs": []})
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, signal: str, request: Any, headers: dict[str, str]) -> None:
        with self.lock:
            self.requests[signal].append(request)
            self.headers.append(headers)

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) for every span received."""
        return [
            (attributes_of(rs.resource.attributes), span)
            for request in self.requests["traces"]
            for rs in request.resource_spans
            for ss in rs.scope_spans
            for span in ss.spans
        ]

    def metrics(self) -> list[tuple[dict[str, Any], str, Any]]:
        """(resource attributes, scope name, metric) for every metric received."""
        return [
            (attributes_of(rm.resource.attributes), sm.scope.name, metric)
            for request in self.requests["metrics"]
            for rm in request.resource_metrics
            for sm in rm.scope_metrics
            for metric in sm.metrics
        ]

    def logs(self) -> list[tuple[dict[str, Any], Any]]:
        return [
            (attributes_of(rl.resource.attributes), record)
            for request in self.requests["logs"]
            for rl in request.resource_logs
            for sl in rl.scope_logs
            for record in sl.log_records
        ]


class _Servicer(trace_service_pb2_grpc.TraceServiceServicer,
                metrics_service_pb2_grpc.MetricsServiceServicer,
                logs_service_pb2_grpc.LogsServiceServicer):
    def __init__(self, received: Received) -> None:
        self.received = received

    def _take(self, signal: str, request: Any, context: Any) -> Any:
        headers = {key: value for key, value in context.invocation_metadata()}
        self.received.add(signal, request, headers)
        return RESPONSE_TYPES[signal]()

    def Export(self, request: Any, context: Any) -> Any:
        signal = {
            trace_service_pb2.ExportTraceServiceRequest: "traces",
            metrics_service_pb2.ExportMetricsServiceRequest: "metrics",
            logs_service_pb2.ExportLogsServiceRequest: "logs",
        }[type(request)]
        return self._take(signal, request, context)


class GrpcReceiver:
    def __init__(self) -> None:
        self.received = Received()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        servicer = _Servicer(self.received)
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(servicer, self._server)
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(servicer, self._server)
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(servicer, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> GrpcReceiver:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None)


class HttpReceiver:
    def __init__(self) -> None:
        self.received = Received()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                signal = self.path.rstrip("/").rsplit("/", 1)[-1]
                if self.path.rstrip("/") != f"/v1/{signal}" or signal not in REQUEST_TYPES:
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = REQUEST_TYPES[signal].FromString(body)
                received.add(signal, request, {k.lower(): v for k, v in self.headers.items()})
                payload = RESPONSE_TYPES[signal]().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
