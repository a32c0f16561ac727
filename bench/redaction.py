"""Redaction cost: microseconds per KB of content, by pattern set and by
content shape, plus the growth from n to 4n characters on hostile input
(linear work gives a ratio near 4; a quadratic pattern would give ~16).

    python bench/redaction.py [--kb 64] [--repeat 5]

Needs only llmlens-semconv installed. Times are the best of ``--repeat``
runs on this machine: compare rows of one run, not runs of different days.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import time
from collections.abc import Callable

from llmlens_semconv.content import CaptureMode, ContentPolicy, strip_media
from llmlens_semconv.redaction import Redactor
from llmlens_semconv.redaction_patterns import (
    KIND_NETWORK,
    KIND_PII,
    KIND_SECRET,
    builtin_rules,
)

WORDS = ("the model answered a question about quarterly revenue and the customer asked "
         "for a summary of the meeting notes with action items for next week").split()


def prose(size: int, rng: random.Random) -> str:
    out: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)[:size]


def prose_with_pii(size: int, rng: random.Random) -> str:
    pieces = ["jane.doe@example.com", "+1 415 555 0134", "4111 1111 1111 1111",
              "10.0.0.12", "DE89 3704 0044 0532 0130 00", "078-05-1120"]
    out: list[str] = []
    length = 0
    while length < size:
        chunk = prose(400, rng) + " " + rng.choice(pieces) + " "
        out.append(chunk)
        length += len(chunk)
    return "".join(out)[:size]


def code_and_json(size: int, rng: random.Random) -> str:
    record = {"id": 12345, "items": [{"sku": "A-1", "qty": 2, "price": 9.99}],
              "note": "ship by 2024-01-15 12:30:45", "path": "/srv/app/main.py"}
    snippet = "def total(xs):\n    return sum(x['price'] * x['qty'] for x in xs)\n"
    out: list[str] = []
    length = 0
    while length < size:
        chunk = snippet + json.dumps(record) + "\n"
        out.append(chunk)
        length += len(chunk)
    return "".join(out)[:size]


def secrets_dense(size: int, rng: random.Random) -> str:
    pieces = ["sk-" + "proj-" + "Ab3" * 16, "AKIA" + "Q3EXAMPLE7KEYID9", "ghp_" + "a1B2" * 9,
              "Authorization: Bearer " + "t0k3n" * 8, "postgres://u:pw123@db.internal/x",
              "password=hunter22;"]
    out: list[str] = []
    length = 0
    while length < size:
        chunk = prose(200, rng) + " " + rng.choice(pieces) + " "
        out.append(chunk)
        length += len(chunk)
    return "".join(out)[:size]


def base64_media(size: int, rng: random.Random) -> str:
    raw = bytes(rng.getrandbits(8) for _ in range(size))
    return "see data:image/png;base64," + base64.b64encode(raw).decode()[:size]


def adversarial(size: int, rng: random.Random) -> str:
    pieces = ["a" * 63 + ".", "1" * 30, "4111 " * 6, "sk-" + "a" * 19 + " ", "ffff:" * 8,
              "eyJ" + "a" * 40 + ".", "password=", "a@" * 10, "+1 " * 8]
    out: list[str] = []
    length = 0
    while length < size:
        chunk = rng.choice(pieces)
        out.append(chunk)
        length += len(chunk)
    return "".join(out)[:size]


SHAPES: dict[str, Callable[[int, random.Random], str]] = {
    "prose": prose,
    "prose + PII": prose_with_pii,
    "code + JSON": code_and_json,
    "secrets-dense": secrets_dense,
    "base64 media": base64_media,
    "adversarial": adversarial,
}


def pattern_sets() -> dict[str, Callable[[str], str]]:
    rules = builtin_rules()
    by_kind = {kind: Redactor([r for r in rules if r.kind == kind])
               for kind in (KIND_SECRET, KIND_PII, KIND_NETWORK)}
    full = ContentPolicy(CaptureMode.SPAN_ONLY, redact=Redactor(rules), max_length=1 << 30)
    return {
        "all rules": Redactor(rules),
        "secrets": by_kind[KIND_SECRET],
        "PII": by_kind[KIND_PII],
        "network": by_kind[KIND_NETWORK],
        "media only": strip_media,
        "clean_text (all)": full.clean_text,
    }


def best_of(func: Callable[[str], str], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        func(text)
        best = min(best, time.process_time() - start)
    return best


def conversation(rng: random.Random, turns: int, chars: int) -> list[dict[str, object]]:
    messages: list[dict[str, object]] = [
        {"role": "system", "parts": [{"type": "text", "content": prose(chars, rng)}]}]
    for i in range(turns):
        role = "user" if i % 2 == 0 else "assistant"
        messages.append({"role": role, "parts": [
            {"type": "text", "content": prose_with_pii(chars, rng)}]})
    return messages


def _content_path(
    policy: ContentPolicy, messages: list[dict[str, object]], output: list[dict[str, object]],
) -> Callable[[str], str]:
    def run(_: str) -> str:
        if not policy.enabled:
            return ""
        return (policy.to_attribute(policy.clean_messages(messages))
                + policy.to_attribute(policy.clean_messages(output)))

    return run


def per_call(repeat: int) -> None:
    """What the content path adds to one call: clean + serialize the input
    and output messages, as the emitter does at the end of a call."""
    print("\nPer call: clean + serialize input and output messages (µs per call)\n")
    print("| conversation | content off | capture, redaction off | capture + redaction |")
    print("|---|---|---|---|")
    rng = random.Random(3)
    policies = {
        "off": ContentPolicy(CaptureMode.NO_CONTENT),
        "plain": ContentPolicy(CaptureMode.SPAN_ONLY),
        "redacted": ContentPolicy(CaptureMode.SPAN_ONLY, redact=Redactor(builtin_rules())),
    }
    for turns, chars in ((2, 500), (6, 2000), (20, 8000)):
        messages = conversation(rng, turns, chars)
        output = messages[-1:]
        cells = []
        for policy in policies.values():
            run = _content_path(policy, messages, output)
            cells.append(f"{best_of(run, '', repeat) * 1e6:.0f}")
        size = sum(len(m["parts"][0]["content"]) for m in messages) // 1024  # type: ignore[index]
        print(f"| {turns + 1} messages, ~{size} KB | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=int, default=64, help="content size per run (KB)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    size = args.kb * 1024
    texts = {name: make(size, rng) for name, make in SHAPES.items()}
    sets = pattern_sets()

    print(f"Redaction cost, µs per KB ({args.kb} KB per value, best of {args.repeat})\n")
    header = "| pattern set | " + " | ".join(SHAPES) + " |"
    print(header)
    print("|" + "---|" * (len(SHAPES) + 1))
    for set_name, func in sets.items():
        cells = []
        for text in texts.values():
            seconds = best_of(func, text, args.repeat)
            cells.append(f"{seconds * 1e6 / (len(text) / 1024):.1f}")
        print(f"| {set_name} | " + " | ".join(cells) + " |")

    print("\nGrowth from n to 4n characters (all rules + media; ~4 is linear, ~16 quadratic)\n")
    print("| shape | n (KB) | µs at n | µs at 4n | ratio |")
    print("|---|---|---|---|---|")
    redact = sets["clean_text (all)"]
    n = 50 * 1024
    for name, make in SHAPES.items():
        small, large = make(n, random.Random(1)), make(4 * n, random.Random(1))
        t_small = best_of(redact, small, args.repeat)
        t_large = best_of(redact, large, args.repeat)
        print(f"| {name} | {n // 1024} | {t_small * 1e6:.0f} | {t_large * 1e6:.0f} "
              f"| {t_large / t_small:.2f} |")
    per_call(args.repeat)


if __name__ == "__main__":
    main()
