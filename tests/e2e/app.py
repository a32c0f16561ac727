"""A small app run under ``opentelemetry-instrument`` by the end-to-end tests.
It knows nothing of the test: everything comes from environment variables."""

import logging

from opentelemetry import metrics, trace

from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv import names as n

log = logging.getLogger("e2e.app")
emitter = Emitter("llmlens.e2e.app", "1.0")
tracer = trace.get_tracer("e2e.app")

with tracer.start_as_current_span("answer question"):
    call = emitter.start(Request(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI,
                                 model="gpt-4o-mini"))
    with call.activated():
        log.warning("the model is slow today")
        log.info("routine detail, below the exported level")
    call.finish(Response(id="chatcmpl-e2e", model="gpt-4o-mini-2024-07-18",
                         usage=Usage(input_tokens=11, output_tokens=22)))

# another library's histogram with a GenAI name and no bucket advice
other_meter = metrics.get_meter("other.instrumentation")
other_meter.create_histogram(n.METRIC_EXECUTE_TOOL_DURATION, unit="s").record(0.3)

print("answer: 42")
