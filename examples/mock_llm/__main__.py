"""``python -m mock_llm``: serve the mock APIs until interrupted; prints the URL first."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

if not __package__:
    # Run as `python examples/mock_llm`: make the package importable by name.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mock_llm.config import FAULT_KINDS, config_from_env, parse_kinds
from mock_llm.server import start_server


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mock_llm",
        description="Mock OpenAI and Anthropic APIs on loopback. Flags override MOCK_LLM_* vars.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--ttft-ms", type=float, help="time to first token, milliseconds")
    parser.add_argument("--itl-ms", type=float, help="delay between tokens, milliseconds")
    parser.add_argument("--jitter", type=float, help="relative latency spread, e.g. 0.3")
    parser.add_argument("--slow-share", type=float, help="share of requests in the slow tail")
    parser.add_argument("--slow-factor", type=float, help="latency multiplier of the slow tail")
    parser.add_argument("--fault-rate", type=float, help="share of requests that fail, 0..1")
    parser.add_argument("--faults", help=f"comma-separated kinds among {','.join(FAULT_KINDS)}")
    parser.add_argument("--retry-after-ms", type=int)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    config = config_from_env()
    if args.seed is not None:
        config = replace(config, seed=args.seed)
    latency = config.latency
    for name in ("ttft_ms", "itl_ms", "jitter", "slow_share", "slow_factor"):
        if getattr(args, name) is not None:
            latency = replace(latency, **{name: getattr(args, name)})
    faults = config.faults
    if args.fault_rate is not None:
        faults = replace(faults, rate=args.fault_rate)
    if args.faults is not None:
        faults = replace(faults, kinds=parse_kinds(args.faults))
    if args.retry_after_ms is not None:
        faults = replace(faults, retry_after_ms=args.retry_after_ms)
    config = replace(config, latency=latency, faults=faults)

    server = start_server(config, host=args.host, port=args.port, quiet=not args.verbose)
    print(server.url, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
