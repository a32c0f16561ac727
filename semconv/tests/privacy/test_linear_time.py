"""No pattern can backtrack catastrophically.

The proof is structural: every pattern passes the checker in
``regex_safety`` (bounded quantifiers, no ambiguous nesting, no overlapping
neighbours), which bounds the work per start position by a constant of the
pattern, so a scan is linear in the input. The checker itself is tested on
the classic catastrophic shapes, and every rule then runs over 200 KB of
near-matches built to make a backtracking engine retry (the timing of n
against 4n characters is in ``bench/redaction.py``; tests assert no time).
"""

from __future__ import annotations

import pytest

from llmlens_semconv import content
from llmlens_semconv.redaction import redactor_from_env
from llmlens_semconv.redaction_patterns import builtin_rules
from llmlens_semconv.regex_safety import hazards, is_linear

ALL_PATTERNS = [(rule.name, rule.regex) for rule in builtin_rules()] + [
    ("data_uri", content._PATTERNS.data_uri),
    ("base64_run", content._PATTERNS.base64_run),
]


@pytest.mark.parametrize(("name", "regex"), ALL_PATTERNS, ids=[n for n, _ in ALL_PATTERNS])
def test_every_pattern_is_structurally_linear(name: str, regex: object) -> None:
    assert hazards(regex.pattern, regex.flags) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("pattern", [
    r"(a+)+b",                 # nested unbounded
    r"(a|a)*b",                # alternatives matching alike, repeated
    r"(?:[a-z]{1,63}){1,8}x",  # nested variable repeat with no delimiter
    r"(\w+\s?)+$",             # the classic e-mail/validation ReDoS shape
    r"(?:a?a){1,30}b",         # an optional whose character also follows it
    r"(?:ab|a|b){1,30}c",      # "ab" is one iteration or two
])
def test_checker_flags_exponential_shapes(pattern: str) -> None:
    assert any(severity == "exponential" for severity, _ in hazards(pattern))


@pytest.mark.parametrize("pattern", [
    r"\d+\d+x",           # overlapping unbounded neighbours: quadratic
    r"[a-z]+@example",    # unbounded run before a literal: quadratic on a long run
    r".*secret",
])
def test_checker_flags_quadratic_shapes(pattern: str) -> None:
    assert hazards(pattern)
    assert not is_linear(pattern)


@pytest.mark.parametrize("pattern", [
    r"EMP-\d+",                                   # a final greedy run never retries
    r"[a-z]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}",  # delimited nesting
    r"(?:\d[ -]?){12,18}\d",
    r"(?:ab|a){1,30}c",        # alternatives that can only split one way
])
def test_checker_accepts_linear_shapes(pattern: str) -> None:
    assert hazards(pattern) == []


N = 200_000
# split so that no file of the repository holds a private-key header
PEM_HEAD = "-----BEGIN " + "PRIVATE KEY-----"

# near-matches: long runs that start like a match and fail late, for every rule
ADVERSARIAL = {
    "email_local_runs": ("a" * 63 + ".") * (N // 64),
    "email_no_tld": "a@" + "b-" * (N // 2),
    "email_many_ats": "a@" * (N // 2),
    "digits": "1" * N,
    "digit_groups": "4111 " * (N // 5),
    "dashed_digits": "123-45-" * (N // 7),
    "phone_plus": "+1 " * (N // 3),
    "dots": "1." * (N // 2),
    "colons": "a:" * (N // 2),
    "hex_colons": "ffff:" * (N // 5),
    "iban_like": "DE89 " + "ABCD " * (N // 5),
    "key_prefixes": "sk-" * (N // 3),
    "key_short": ("sk-" + "a" * 19 + " ") * (N // 23),
    "jwt_like": "eyJ" + "a" * N,
    "jwt_dots": ("eyJ" + "a" * 10 + ".") * (N // 14),
    "bearer": "bearer " * (N // 7),
    "authorization": "authorization: " * (N // 15),
    "secret_kv": "password=" * (N // 9),
    "aws_secret": "aws_secret_access_key=" + "A" * 39 + " " * 1 + "x" * N,
    "pem_unterminated": PEM_HEAD + "A" * N,
    "pem_headers": ("-----BEGIN " + "RSA PRIVATE KEY-----") * (N // 31),
    "connection": "postgres://" + "u" * N,
    "connection_many": "x://a:" * (N // 6),
    "data_uri": "data:image/png;base64," * (N // 22),
    "base64_short_runs": ("A1b" * 341 + " ") * (N // 1024),
}


@pytest.fixture(scope="module")
def redact():  # type: ignore[no-untyped-def]
    redactor = redactor_from_env({})
    assert redactor is not None
    return redactor


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_is_redacted_to_completion(name: str, redact) -> None:  # type: ignore[no-untyped-def]
    text = ADVERSARIAL[name]
    assert len(text) >= N - 1024
    out = redact(content.strip_media(text))
    # nothing in these inputs is a real secret, except where a rule must fire
    assert isinstance(out, str) and out


def test_adversarial_runs_keep_their_meaning(redact) -> None:  # type: ignore[no-untyped-def]
    assert redact(ADVERSARIAL["digits"]) == ADVERSARIAL["digits"]
    assert redact(ADVERSARIAL["email_local_runs"]) == ADVERSARIAL["email_local_runs"]
    assert content.strip_media(ADVERSARIAL["pem_unterminated"]).startswith("-----BEGIN")
    assert redact(ADVERSARIAL["pem_unterminated"]) == "<PRIVATE_KEY>" + "A" * (N - 16384)
